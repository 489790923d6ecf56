"""``domain.text``: which user text may be stored, and in which form."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialtrack.domain.errors import Invalid
from serialtrack.domain.text import clean_text, storable, text_problem

CONTROLS = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]]
BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
LINE_SPACE = ["\t", "\n", "\r"]
SURROGATES = [chr(0xD800), chr(0xDC80), chr(0xDFFF)]


@pytest.mark.parametrize("char", [*CONTROLS, *BIDI, *SURROGATES])
def test_a_name_refuses_controls_bidi_overrides_and_surrogates(char: str) -> None:
    with pytest.raises(Invalid) as refused:
        clean_text(f"Bob{char}gnp.exe", "name")
    [problem] = refused.value.problems
    assert problem.where == "name"
    assert problem.message.startswith("name contains ")
    assert f"U+{ord(char):04X}" in problem.message
    assert "at character 4" in problem.message
    assert char not in str(refused.value)  # the message never carries the character itself


def test_the_messages_say_what_was_found() -> None:
    assert "a NUL byte (U+0000)" in text_problem("\x00x", "username").message  # type: ignore[union-attr]
    assert "a line break" in text_problem("a\nb", "sku").message  # type: ignore[union-attr]
    assert "bidirectional" in text_problem("Bob\u202egnp.exe", "name").message  # type: ignore[union-attr]
    assert text_problem(7, "name").message == "name must be text, not int"  # type: ignore[union-attr]


@pytest.mark.parametrize("char", LINE_SPACE + BIDI)
def test_a_note_may_hold_tabs_line_breaks_and_bidi_marks(char: str) -> None:
    assert clean_text(f"first{char}second", "note", multiline=True) == f"first{char}second"


@pytest.mark.parametrize("char", [*sorted(set(CONTROLS) - set(LINE_SPACE)), *SURROGATES])
def test_a_note_refuses_other_controls(char: str) -> None:
    with pytest.raises(Invalid) as refused:
        clean_text(f"line{char}", "note", multiline=True)
    assert refused.value.problems[0].where == "note"


def test_text_is_normalized_to_nfc() -> None:
    decomposed = "Cafe\u0301 Ångström"  # e + combining acute
    assert clean_text(decomposed, "name") == "Café Ångström"
    assert clean_text("Café", "name") == "Café"
    assert clean_text("שלום עולם", "name") == "שלום עולם"  # right-to-left text is fine
    assert clean_text("", "name") == ""


def test_storable_is_only_about_what_a_database_can_hold() -> None:
    assert storable("Bob\u202egnp.exe")
    assert storable("tab\there")
    assert not storable("x\x00")
    assert not storable("\udc80")


@given(st.text())
def test_clean_text_either_refuses_or_returns_clean_nfc(value: str) -> None:
    problem = text_problem(value, "name")
    bad = set(CONTROLS) | set(BIDI)
    has_bad = any(c in bad or 0xD800 <= ord(c) <= 0xDFFF for c in value)
    assert (problem is not None) == has_bad
    if problem is None:
        cleaned = clean_text(value, "name")
        assert cleaned == unicodedata.normalize("NFC", value)
        assert clean_text(cleaned, "name") == cleaned  # idempotent
        assert not any(c in bad for c in cleaned)
    else:
        assert problem.where == "name"
        with pytest.raises(Invalid):
            clean_text(value, "name")


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"])))
def test_notes_without_controls_are_kept(value: str) -> None:
    assert clean_text(value, "note", multiline=True) == unicodedata.normalize("NFC", value)
