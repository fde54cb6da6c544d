// A page that shows work in progress (an assessment computed or published, an import
// written): every few seconds the page is fetched again and the progress bar and its label
// are updated in place (the label is a live region, so a screen reader hears the progress);
// once the work is done, the page is reloaded to show its outcome. This replaces a timed meta
// refresh, which reloaded the whole page under the reader (WCAG 2.2.1).
//
// The page marks the section with data-progress, its label with data-progress-label and
// holds one <progress> element in it.
(function () {
  "use strict";
  var INTERVAL = 3000;
  if (!document.querySelector("[data-progress]") || !window.fetch || !window.DOMParser) {
    return;
  }

  function update(section, fresh) {
    var label = section.querySelector("[data-progress-label]");
    var freshLabel = fresh.querySelector("[data-progress-label]");
    var bar = section.querySelector("progress");
    var freshBar = fresh.querySelector("progress");
    if (label && freshLabel && label.textContent !== freshLabel.textContent) {
      label.textContent = freshLabel.textContent;
    }
    if (bar && freshBar) {
      bar.max = freshBar.max;
      bar.value = freshBar.value;
      bar.textContent = freshBar.textContent;
    }
  }

  function poll() {
    window
      .fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var page = new window.DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-progress]");
        var section = document.querySelector("[data-progress]");
        if (fresh && section) {
          update(section, fresh);
          window.setTimeout(poll, INTERVAL);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        // The server is busy or the connection dropped: try again a little later.
        window.setTimeout(poll, INTERVAL * 2);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
