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
    if (event.key === "/") {
      // "/" jumps to the search box only from outside every field: in a field (the search box
      // too) it is a character being typed.
      var search = document.getElementById("q");
      var focused = document.activeElement || target;
      var typing = [target, focused].some(function (el) {
        return el && (/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) || el.isContentEditable);
      });
      if (!search || typing || event.ctrlKey || event.altKey || event.metaKey) return;
      event.preventDefault(); search.focus(); search.select();
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
      // A scan in the last serial row never falls out of the rows (it used to land in the
      // paste box and was never posted): the row counts, and a new one waits for the next.
      if (rows.hasAttribute("data-grow") && target.value.trim()) {
        target.removeAttribute("data-spare");
        var added = spareRow(rows, target);
        countRows(rows);
        added.focus();
        return;
      }
    }
    var all = fields(form);
    var after = all[all.indexOf(target) + 1];
    if (after) after.focus();
  });

  // A scan box that takes several codes (textarea[data-enter-next], e.g. an assembled unit's
  // parts): Enter starts the next line, as a scanner wants; Enter on an empty line goes on to
  // the next field (the next unit), never submitting the form.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    if (box.tagName !== "TEXTAREA" || !box.hasAttribute("data-enter-next")) return;
    var before = box.value.slice(0, box.selectionStart);
    var after = box.value.slice(box.selectionEnd);
    if (before !== "" && !/\n[ \t]*$/.test(before)) return;  // a code ends: a new line
    if (after.trim() !== "") return;
    event.preventDefault();
    box.value = box.value.replace(/\s+$/, "");
    var all = fields(box.form);
    var next = all[all.indexOf(box) + 1];
    if (next) next.focus();
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

  // Serial rows that grow with the scans. The row waiting for the next scan ("spare") is not a
  // unit yet: the quantity counts the other rows, and an empty spare row is not posted.
  function spareRow(rows, after) {
    var item = document.createElement("li");
    var number = document.createElement("span");
    number.className = "n";
    var input = document.createElement("input");
    input.name = after.name;
    input.autocomplete = "off";
    input.setAttribute("data-row", "");
    input.setAttribute("data-spare", "");
    input.placeholder = "next scan";
    item.appendChild(number);
    item.appendChild(input);
    rows.appendChild(item);
    return input;
  }

  function countRows(rows) {
    var inputs = Array.from(rows.querySelectorAll("input[data-row]"));
    var line = rows.getAttribute("data-line") || "";
    inputs.forEach(function (input, i) {
      var number = input.parentElement.querySelector(".n");
      if (number) number.textContent = String(i + 1);
      input.setAttribute("aria-label", "Serial " + (i + 1) + " of line " + line);
    });
    var units = inputs.filter(function (input) { return !input.hasAttribute("data-spare"); }).length;
    // Set without an input event: the panel is not redrawn under a scanner that goes on typing.
    var quantity = document.getElementById(rows.getAttribute("data-quantity") || "");
    if (quantity) quantity.value = String(units);
    var shown = rows.parentElement && rows.parentElement.querySelector("[data-row-count]");
    if (shown) shown.textContent = units + (units === 1 ? " row" : " rows");
  }

  // Before a scan form posts: serials still in a paste box are added to their line first (the
  // post waits, so what is posted is what the clerk saw); a spare row typed into counts, an
  // empty one is dropped.
  function pendingPastes(form) {
    return Array.from(form.querySelectorAll("textarea[data-paste]")).filter(function (box) {
      return box.value.trim() !== "";
    });
  }

  function settleRows(form) {
    Array.from(form.querySelectorAll("[data-rows][data-grow]")).forEach(function (rows) {
      var spares = Array.from(rows.querySelectorAll("input[data-spare]"));
      if (!spares.length) return;
      spares.forEach(function (input) {
        if (input.value.trim()) input.removeAttribute("data-spare");
        else input.parentElement.remove();
      });
      countRows(rows);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-scan-form")) return;
    var pending = pendingPastes(form);
    if (!pending.length) { settleRows(form); return; }
    event.preventDefault();
    var lines = pending.map(function (box) {
      var add = box.closest("[data-paste-tools]").querySelector("[data-paste-add]");
      if (add) add.click();
      return box.getAttribute("data-line");
    });
    var message = form.querySelector("[data-form-message]");
    if (message) {
      message.textContent = "Not saved: line " + lines.join(", line ") + " had pasted serials " +
        "not yet added. They are added to the line now: check the rows and the quantity, " +
        "then save again.";
      message.hidden = false;
    }
  });

  // A form that undoes something asks first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // The pages' Content-Security-Policy allows no eval and no inline script, so: htmx's
  // bracketed trigger filters (compiled with Function) get their filter from here, and a
  // "javascript:" link is a plain click handler.
  if (window.htmx) {
    var specs = window.htmx.config.triggerSpecsCache || {};
    specs["keyup[key=='Enter']"] = [{
      trigger: "keyup",
      eventFilter: function (event) { return event.key === "Enter"; }
    }];
    window.htmx.config.triggerSpecsCache = specs;
  }

  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("a[data-back], a[href^='javascript:history.back']");
    if (!back) return;
    event.preventDefault();
    window.history.back();
  });

  // The counter (/counter, form[data-counter]): a sale with a scanner and the keyboard only.
  // Enter in the scan box sends the scan; in the unit picker it picks the unit typed exactly.
  // Ctrl+Enter sells, Alt+Backspace removes the last line, Alt+N starts a new sale, Esc closes
  // the picker (or cancels the bundle panel: a bundle's SKU asks for its parts' serials, each
  // scanned into the panel's box). After each of these the focus is back in the scan box (or in
  // the open picker's or bundle panel's box).
  function counterFocus(form) {
    var box = form.querySelector("[data-counter-pick]") || form.querySelector("[data-counter-bundle]") ||
      form.querySelector("[data-counter-scan]");
    if (!box || document.activeElement === box) return;
    box.focus();
    if (box.select) box.select();  // a code left there is replaced by the next scan
  }

  function counterMessage(form, text) {
    var message = form.querySelector("#scan-message");
    if (message) message.textContent = text || "";
  }

  function counterClosePicker(form) {
    var panel = form.querySelector("#counter-picker");
    if (panel) { panel.innerHTML = ""; panel.className = ""; }
  }

  function counterRemoveLast(form) {
    var lines = form.querySelectorAll("#lines [data-item]");
    if (lines.length) lines[lines.length - 1].remove();
    counterMessage(form, lines.length ? "" : "No line to remove.");
    counterFocus(form);
  }

  function counterNewSale(form) {
    Array.from(form.querySelectorAll("#lines [data-item]")).forEach(function (line) { line.remove(); });
    var scan = form.querySelector("[data-counter-scan]");
    if (scan) scan.value = "";
    counterClosePicker(form);
    counterMessage(form, "");
    counterFocus(form);
  }

  document.addEventListener("keydown", function (event) {
    var form = document.querySelector("form[data-counter]");
    if (!form) return;
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(form.querySelector("#save"));
      else form.submit();
      return;
    }
    if (event.altKey && event.key === "Backspace") {
      event.preventDefault();
      counterRemoveLast(form);
      return;
    }
    if (event.altKey && (event.code === "KeyN" || event.key === "n" || event.key === "N")) {
      event.preventDefault();
      counterNewSale(form);
      return;
    }
    if (!form.contains(target)) return;
    if (event.key === "Escape" && form.querySelector("[data-counter-pick], [data-counter-bundle]")) {
      event.preventDefault();
      counterClosePicker(form);
      counterFocus(form);
      return;
    }
    if (event.key !== "Enter" || event.altKey || event.shiftKey) return;
    if (target.hasAttribute("data-counter-scan") || target.hasAttribute("data-counter-bundle")) {
      event.preventDefault();
      if (target.value.trim() && window.htmx) window.htmx.trigger(target, "scan");
    } else if (target.hasAttribute("data-counter-pick")) {
      event.preventDefault();
      var go = form.querySelector("#counter-pick-go");
      if (go && window.htmx) window.htmx.trigger(go, "pick");
    }
  });

  document.addEventListener("click", function (event) {
    var form = event.target.closest && event.target.closest("form[data-counter]");
    if (!form) return;
    if (event.target.closest("[data-counter-new]")) {
      event.preventDefault();
      counterNewSale(form);
    } else if (event.target.closest("[data-remove]")) {
      counterMessage(form, "");
      counterFocus(form);  // the line is gone (the handler above): back to the scan box
    }
  });

  // A scan or a pick sent: the scan box is emptied at once (what was scanned is in the request;
  // a scanner may go on with the next code), and when the answer is in, the focus is back in
  // the scan box, or in the picker's box when the scan opened it or the pick found no unit.
  // (Listened for on the request: the element that sent it may be gone with the answer.)
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.hasAttribute || !elt.hasAttribute("data-counter-refocus")) return;
    if (elt.hasAttribute("data-counter-scan") || elt.hasAttribute("data-counter-bundle")) elt.value = "";
    event.detail.xhr.addEventListener("loadend", function () {
      window.setTimeout(function () {
        var form = document.querySelector("form[data-counter]");
        if (form) counterFocus(form);
      }, 0);
    });
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
