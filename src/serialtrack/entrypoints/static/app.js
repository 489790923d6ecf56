// serialtrack pages: keyboard and scanner helpers. Everything works without it except these
// conveniences; the rules live on the server.
(function () {
  "use strict";

  // A scanner types a code and Enter. In a form marked data-scan-form, Enter never submits:
  // in a serial row it moves to the next row, elsewhere to the next field.
  function fields(form) {
    return Array.from(form.querySelectorAll("input:not([type=hidden]):not([disabled]), select, textarea, button[type=submit]"))
      .filter(function (el) { return el.offsetParent !== null; });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "/" && !/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (event.key !== "Enter" || target.tagName !== "INPUT" || target.type === "submit") return;
    var form = target.closest("form[data-scan-form]");
    if (!form) return;
    event.preventDefault();
    if (target.hasAttribute("data-pick-search")) { pick(target); return; }
    if (target.hasAttribute("data-enter-stay")) return;
    var rows = target.closest("[data-rows]");
    if (rows && target.hasAttribute("data-row")) {
      var inputs = Array.from(rows.querySelectorAll("input[data-row]"));
      var next = inputs[inputs.indexOf(target) + 1];
      if (next) { next.focus(); next.select(); return; }
    }
    var all = fields(form);
    var after = all[all.indexOf(target) + 1];
    if (after) after.focus();
  });

  // Remove a row (a return's serial not coming back, a quick-sale line scanned by mistake).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove]");
    if (!button) return;
    event.preventDefault();
    var item = button.closest("[data-item]");
    var list = item && item.parentElement;
    if (item) item.remove();
    if (list) list.dispatchEvent(new CustomEvent("rows-changed", { bubbles: true }));
  });

  // Enter (a scanner's) in a picker's search: choose the one serial the search finds.
  function pick(search) {
    var flag = search.closest("fieldset").querySelector("input[data-pick-flag]");
    if (flag) flag.value = "1";
    if (window.htmx) window.htmx.trigger(search, "pick");
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute && elt.hasAttribute("data-pick-search")) {
      var flag = elt.closest("fieldset").querySelector("input[data-pick-flag]");
      if (flag && flag.value === "1") { flag.value = ""; elt.value = ""; }
    }
    if (elt.hasAttribute && elt.hasAttribute("data-clear-after")) { elt.value = ""; elt.focus(); }
  });

  // A form that undoes something asks first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // After HTMX puts new rows in, focus the first empty one so a scanner can go on; but never
  // take the focus from a field the user went on typing in while the request was under way
  // (their keys would land in the serial row).
  document.addEventListener("htmx:afterSwap", function (event) {
    var focus = event.detail.target.querySelector("[data-autofocus]");
    if (!focus) return;
    var active = document.activeElement;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    var typingElsewhere = active && active !== trigger && /^(INPUT|TEXTAREA)$/.test(active.tagName) &&
      !event.detail.target.contains(active);
    if (typingElsewhere) return;
    focus.focus();
    if (focus.select) focus.select();
  });
})();
