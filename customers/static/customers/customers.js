/* The referrer picker of the customer form: pick a search hit into the hidden id. */
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
    var form = box.closest("form");
    var hidden = form && form.querySelector("input[name=referred_by]");
    var label = box.querySelector("[data-pick-label]");
    if (hidden) {
      hidden.value = hit ? hit.getAttribute("data-pick-value") : "";
    }
    if (label) {
      label.textContent = hit ? hit.getAttribute("data-pick-text") : "—";
    }
    box.querySelector("[data-pick-results]").innerHTML = "";
    box.querySelector("input[type=search]").value = "";
  });
})();
