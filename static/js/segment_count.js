// The member count of a segment, updated as its definition is edited (admin, CSP-safe).
(function () {
  "use strict";
  function setup() {
    var output = document.querySelector("output.segment-count");
    var field = document.querySelector("textarea.segment-definition");
    if (!output || !field) { return; }
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null;
    var sent = 0;
    function refresh() {
      var mine = ++sent;
      output.textContent = "counting…";
      fetch(output.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
        body: field.value
      }).then(function (response) {
        return response.json();
      }).then(function (data) {
        if (mine !== sent) { return; }  // an older answer arriving late
        output.textContent = data.error ? data.error : data.count.toLocaleString("en");
        output.classList.toggle("errornote", Boolean(data.error));
      }).catch(function () {
        if (mine === sent) { output.textContent = "The count could not be fetched."; }
      });
    }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
