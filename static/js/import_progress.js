// The admin import's progress bar: while a Celery task checks or imports the file, poll the
// job's status and move the bar; when the task is done, reload to show its result.
(function () {
  "use strict";

  function poll(box) {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (state) {
        if (!state.running) {
          window.location.reload();
          return;
        }
        var bar = document.getElementById("import-progress");
        if (bar) {
          bar.max = state.total || 1;
          bar.value = state.read || 0;
        }
        var phase = document.getElementById("import-phase");
        if (phase) {
          phase.textContent = state.phase;
        }
        var rows = document.getElementById("import-rows");
        if (rows) {
          rows.textContent = state.rows;
        }
        setTimeout(function () {
          poll(box);
        }, 1000);
      })
      .catch(function () {
        setTimeout(function () {
          poll(box);
        }, 5000);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-state");
    if (box && box.dataset.running === "1") {
      setTimeout(function () {
        poll(box);
      }, 1000);
    }
  });
})();
