// The release page while a build runs: poll the release's API address and move the progress bar.
// When the build ends (published or failed) the page reloads to show the release or its error.
(function () {
  "use strict";
  var box = document.querySelector("[data-release-progress]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var template = box.getAttribute("data-template");
  var locale = document.documentElement.lang || undefined;

  function number(value) {
    return Number(value).toLocaleString(locale);
  }

  function describe(release) {
    if (release.rows_expected === null) {
      return release.phase_display;
    }
    return template
      .replace("{phase}", release.phase_display)
      .replace("{written}", number(release.rows_written))
      .replace("{expected}", number(release.rows_expected))
      .replace("{percent}", number(release.progress_percent));
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (release) {
        if (release.state === "published" || release.state === "failed") {
          window.location.reload();
          return;
        }
        bar.value = release.progress_percent;
        var sentence = describe(release);
        if (text.textContent.trim() !== sentence) {
          text.textContent = sentence;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1500);
})();
