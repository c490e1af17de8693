/* Kefu page behaviour. No inline scripts anywhere (CSP: scripts only from self). */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
    var copy = event.target.closest && event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      event.preventDefault();
      var source = document.getElementById(copy.getAttribute("data-copy"));
      if (source) {
        navigator.clipboard.writeText(source.textContent.trim());
        copy.classList.add("btn-success");
      }
    }
  });

  // A button with data-insert puts its text into the textarea it names (reply
  // templates and FAQ links in the reply box), at the cursor.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert-into]");
    if (!button) { return; }
    var area = document.getElementById(button.getAttribute("data-insert-into"));
    if (!area) { return; }
    event.preventDefault();
    var text = button.getAttribute("data-insert") || "";
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || 0;
    if (document.activeElement !== area) { start = end = area.value.length; }
    var before = area.value.slice(0, start);
    if (before && !/\s$/.test(before)) { text = "\n" + text; }
    area.value = before + text + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = before.length + text.length;
  });

  // The header search's drop-down closes on Escape or a click elsewhere.
  function closeSearch(target) {
    var menu = document.getElementById("header-search-menu");
    if (menu && !(target && target.closest && target.closest("[data-header-search]"))) {
      menu.innerHTML = "";
    }
  }
  document.addEventListener("click", function (event) { closeSearch(event.target); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeSearch(null); }
  });
})();
