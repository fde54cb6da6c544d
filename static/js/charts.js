// A wide chart scrolls sideways on a phone (coop_portal/charts.py): open it at its right-hand
// end, where the newest figures are, rather than showing only the oldest ones.
(function () {
  "use strict";

  document.querySelectorAll(".chart-scroll[data-scroll-end]").forEach(function (box) {
    box.scrollLeft = box.scrollWidth;
  });
})();
