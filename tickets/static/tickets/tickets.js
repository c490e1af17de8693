/* The customer picker of the ticket form: a search hit becomes the chosen
   customer (htmx loads its contacts); "clear" forgets it. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var hit = event.target.closest && event.target.closest("[data-pick-value]");
    var clear = event.target.closest && event.target.closest("[data-pick-clear]");
    var box = (hit || clear) && (hit || clear).closest("[data-picker]");
    if (!box) {
      return;
    }
    event.preventDefault();
    var hidden = box.querySelector("[data-pick-target]");
    var label = box.querySelector("[data-pick-label]");
    if (hidden) {
      hidden.value = hit ? hit.getAttribute("data-pick-value") : "";
    }
    if (label) {
      label.textContent = hit ? hit.getAttribute("data-pick-text") : "—";
    }
    if (clear) {
      var select = box.querySelector("select[name=contact]");
      if (select) {
        select.value = "";
      }
    }
    // Hidden, not emptied: htmx is still loading the contacts of this hit.
    box.querySelector("[data-pick-results]").hidden = true;
    box.querySelector("input[type=search]").value = "";
  });

  document.addEventListener("input", function (event) {
    var box = event.target.closest && event.target.closest("[data-picker]");
    if (box && event.target.matches("input[type=search]")) {
      box.querySelector("[data-pick-results]").hidden = false;
    }
  });
})();
