// On a phone a table's rows are cards (site.css): each cell is labelled here with its
// column's heading, so a card reads "Name: …, Status: …" without the header row. The labels
// float beside the values, so the cards keep their layout until they arrive.
(function () {
  "use strict";

  function headings(table) {
    var names = [];
    table.querySelectorAll("thead tr:last-child th").forEach(function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) names.push(th.textContent.trim());
    });
    return names;
  }

  function label(table) {
    var names = headings(table);
    if (names.length < 2) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var span = cell.colSpan || 1;
        if (span === 1 && names[column]) cell.setAttribute("data-label", names[column]);
        column += span;
      });
    });
  }

  document.querySelectorAll("main table").forEach(label);
})();
