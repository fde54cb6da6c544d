// A form marked data-unsaved-warning holds text a person typed (a complaint): leaving the page
// before sending it, by the language switcher or a link, would lose that text. Once something
// is typed, the browser asks first; sending the form itself never asks.
(function () {
  "use strict";

  var dirty = false;

  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    form.addEventListener("input", function () {
      dirty = true;
    });
    form.addEventListener("submit", function () {
      dirty = false;
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    // Older browsers show the dialog only when returnValue is set.
    event.returnValue = "";
  });
})();
