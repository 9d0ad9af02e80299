// The earn rule and tier forms' live preview: posts the form as it stands (nothing is
// saved) to the admin's preview URL as fields change, and shows what a sample purchase
// earns, why, and which other rules stack with this one.
(function () {
  "use strict";


  function show(box, data) {
    var sentence = box.querySelector(".earn-preview-sentence");
    var stacks = box.querySelector(".earn-preview-stacks");
    var errors = box.querySelector(".earn-preview-errors");
    errors.textContent = "";
    errors.hidden = true;
    stacks.hidden = true;
    if (data.errors) {
      Object.keys(data.errors).forEach(function (field) {
        data.errors[field].forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = message;
          errors.appendChild(item);
        });
      });
      errors.hidden = false;
      sentence.textContent = "Correct the settings to see what a purchase earns.";
      return;
    }
    sentence.textContent = data.sentence;
    if (data.stacks_with && data.stacks_with.length) {
      stacks.querySelector("li").textContent =
        "Stacks with " + data.stacks_with.join(", ") +
        ": on a purchase where they apply together, their points add up.";
      stacks.hidden = false;
    }
  }

  function start(box) {
    var form = box.closest("form");
    if (!form) {
      return;
    }
    var timer = null;
    var latest = 0;

    function refresh() {
      var body = new FormData(form);
      body.set("object_id", box.dataset.objectId || "");
      var asked = ++latest;
      fetch(box.dataset.url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (data) {
          if (asked === latest) {
            show(box, data);
          }
        })
        .catch(function () {
          box.querySelector(".earn-preview-sentence").textContent =
            "The preview is not available right now.";
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("earn-preview");
    if (box) {
      start(box);
    }
  });
})();
