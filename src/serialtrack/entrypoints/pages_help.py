"""Help pages: ``/help`` lists them, ``/help/<page>`` explains one screen (words from
``help_texts``, autoescaped by the template). The header's Help link opens the current screen's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from serialtrack.domain.errors import NotFound
from serialtrack.entrypoints.help_texts import HELP, LINK_NEEDS
from serialtrack.entrypoints.pages import Page, render

router = APIRouter(include_in_schema=False)


@router.get("/help", response_class=HTMLResponse)
def help_index(request: Request, inv: Page) -> HTMLResponse:
    return render(request, "help.html", {"title": "Help", "pages": HELP, "page": None})


@router.get("/help/{name}", response_class=HTMLResponse)
def help_page(request: Request, inv: Page, name: str) -> HTMLResponse:
    page = HELP.get(name)
    if page is None:
        raise NotFound(f"no help page {name!r}")
    context = {"title": f"Help: {page.title}", "pages": HELP, "page": page, "needs": LINK_NEEDS}
    return render(request, "help.html", context)
