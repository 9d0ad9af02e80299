/* Draws every <canvas data-chart="ID"> from the JSON in the element #ID (Django's json_script),
   with Chart.js (static/vendor/chartjs). A spec: {type, title, labels, series: {name: [numbers]},
   unit, x_title, decimals} (reporting/charts.py). No inline script: the pages keep their CSP. */
(function () {
  "use strict";
  var COLOURS = ["#417690", "#e0a526", "#ba2121", "#5b9b5b", "#8c6bb1", "#666666"];

  function textColour() {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--body-fg");
    return value && value.trim() ? value.trim() : "#333";
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    if (!spec) {
      return;
    }
    var decimals = spec.decimals || 0;
    var format = new Intl.NumberFormat(undefined, {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals
    });
    var names = Object.keys(spec.series);
    var datasets = names.map(function (name, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: name,
        data: spec.series[name],
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: spec.type === "line" ? 2 : 0,
        pointRadius: spec.type === "line" ? 2 : 0,
        tension: 0
      };
    });
    var colour = textColour();
    window.Chart.defaults.color = colour;
    var chart = new window.Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          title: { display: Boolean(spec.title), text: spec.title, font: { size: 14 } },
          legend: { display: names.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + format.format(context.parsed.y) + " " + spec.unit;
              }
            }
          }
        },
        scales: {
          x: {
            title: { display: Boolean(spec.x_title), text: spec.x_title },
            ticks: { autoSkip: true, maxRotation: 45, minRotation: 0 }
          },
          y: {
            beginAtZero: true,
            title: { display: Boolean(spec.unit), text: spec.unit },
            ticks: {
              callback: function (value) {
                return format.format(value);
              }
            }
          }
        }
      }
    });
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
