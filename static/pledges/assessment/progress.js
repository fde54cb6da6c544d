// A run's page while it is computed: every few seconds the page is fetched again and the
// progress bar and its label are updated in place (the label is a live region, so a screen
// reader hears the progress); once the run is no longer computing, the page is reloaded to
// show its results. This replaces a timed meta refresh, which reloaded the whole page under
// the reader (WCAG 2.2.1).
(function () {
  "use strict";
  var INTERVAL = 3000;
  var section = document.getElementById("run-computing");
  if (!section || !window.fetch || !window.DOMParser) {
    return;
  }

  function update(fresh) {
    var label = document.getElementById("run-progress-label");
    var bar = document.getElementById("run-progress");
    var freshLabel = fresh.querySelector("#run-progress-label");
    var freshBar = fresh.querySelector("#run-progress");
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
        var fresh = page.getElementById("run-computing");
        if (fresh) {
          update(fresh);
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
