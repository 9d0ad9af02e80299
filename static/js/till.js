// The till screen: the scan box keeps the focus (a barcode scanner types there and presses
// Enter), "Add a line" adds a purchase line, and the total follows the line amounts.
(function () {
  "use strict";

  function toNumber(text) {
    var value = parseFloat(String(text).replace(",", "."));
    return isNaN(value) ? 0 : value;
  }

  function updateTotal() {
    var total = document.getElementById("till-total");
    if (!total) {
      return;
    }
    var sum = 0;
    document.querySelectorAll("#till-line-rows .till-amount").forEach(function (input) {
      sum += toNumber(input.value);
    });
    total.textContent = sum.toFixed(2);
  }

  function addLine() {
    var rows = document.getElementById("till-line-rows");
    var last = rows && rows.lastElementChild;
    if (!last) {
      return;
    }
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
    });
    rows.appendChild(copy);
    copy.querySelector("input").focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var add = document.getElementById("till-add-line");
    if (add) {
      add.addEventListener("click", addLine);
    }
    var rows = document.getElementById("till-line-rows");
    if (rows) {
      rows.addEventListener("input", updateTotal);
    }
    updateTotal();
    var scan = document.getElementById("till-q");
    if (scan && !document.querySelector(".errorlist")) {
      scan.focus();
      scan.select();
    }
  });
})();
