// The admin's member pickers (select2, Django's autocomplete) name their combobox only by the
// member chosen, so an empty one has no name for a screen reader. Each is named here by its
// field's label, or in a table of inline rows by its column's heading, as soon as select2 draws
// it (at page load, or when an inline row is added).
(function () {
  "use strict";

  function fieldName(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) return label.textContent.replace(/[:：]\s*$/, "").trim();
    var cell = select.closest("td");
    var table = cell && cell.closest("table");
    if (!table) return "";
    var heading = table.querySelectorAll("thead th")[cell.cellIndex];
    return heading ? heading.textContent.trim() : "";
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var name = fieldName(select);
      if (!container || !name) return;
      container
        .querySelectorAll(".select2-selection, .select2-selection__rendered")
        .forEach(function (part) {
          if (part.getAttribute("aria-label") !== name) part.setAttribute("aria-label", name);
        });
    });
  }

  new MutationObserver(nameAll).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
