/*
 * Charts of eoffice (decision 0026): every <canvas data-chart="ID"> is drawn with the
 * vendored Chart.js (static/vendor/chartjs) from the JSON data block <script
 * type="application/json" id="ID"> next to it, written by the server from a ChartSpec
 * (eoffice/reports/charts.py). No inline script: the Content-Security-Policy forbids it,
 * and a data block is not code.
 *
 * The same figures are in a table after each chart (templates/charts/_chart.html).
 * Without JavaScript the canvas stays hidden and the table open; once a chart is drawn
 * its canvas is shown and the table folded into "Xem số liệu dạng bảng"; for printing
 * every folded table opens again, and closes after.
 *
 * Vietnamese number format (vi-VN), the fills the server chose (ChartSpec's FILLS: the
 * theme's colours with a darker amber for warning, so every bar has 3:1 on white; the
 * legend and the table's swatches use the same), drawn once the page's fonts are in
 * (Be Vietnam Pro loads with font-display: swap; a canvas keeps the font it was drawn
 * with), no animation (for people who prefer reduced motion, and for stable screenshots), the
 * chart filling its box's width at the height the server chose.
 */
(function () {
  "use strict";

  var Chart = window.Chart;
  if (!Chart) {
    return; // the library did not load: the tables stay open
  }

  var counts = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0 });
  var shares = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
  var LABEL_LENGTH = 32;

  function cssVariable(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function formatValue(spec, value) {
    return spec.percent ? shares.format(value) + "%" : counts.format(value);
  }

  function shortLabel(text) {
    text = String(text);
    return text.length > LABEL_LENGTH ? text.slice(0, LABEL_LENGTH - 1) + "…" : text;
  }

  function options(spec) {
    var valueAxis = {
      beginAtZero: true,
      stacked: spec.stacked,
      grid: { color: cssVariable("--bs-border-color-translucent") || "rgba(0,0,0,.1)" },
      ticks: {
        precision: spec.percent ? undefined : 0,
        callback: function (value) {
          return formatValue(spec, value);
        },
      },
    };
    if (spec.percent) {
      valueAxis.max = 100;
    }
    var categoryAxis = {
      stacked: spec.stacked,
      grid: { display: false },
      ticks: {
        autoSkip: false,
        callback: function (value) {
          return shortLabel(this.getLabelForValue(value));
        },
      },
    };
    var valueKey = spec.horizontal ? "x" : "y";
    return {
      indexAxis: spec.horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: "vi-VN",
      scales: spec.horizontal
        ? { x: valueAxis, y: categoryAxis }
        : { x: categoryAxis, y: valueAxis },
      plugins: {
        legend: { display: spec.datasets.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            title: function (items) {
              return items.length ? items[0].label : "";
            },
            label: function (item) {
              var unit = spec.unit && !spec.percent ? " " + spec.unit : "";
              return item.dataset.label + ": " + formatValue(spec, item.parsed[valueKey]) + unit;
            },
          },
        },
      },
    };
  }

  function datasets(spec) {
    return spec.datasets.map(function (set) {
      var fill = set.fill; // the server's choice (reports/charts.py FILLS), one place
      return {
        label: set.label,
        data: set.data,
        backgroundColor: fill,
        borderColor: fill,
        borderWidth: 0,
        maxBarThickness: 36,
      };
    });
  }

  function draw(canvas) {
    if (Chart.getChart(canvas)) {
      return;
    }
    var block = document.getElementById(canvas.getAttribute("data-chart"));
    if (!block) {
      return;
    }
    var figure = canvas.closest("figure") || canvas.parentNode;
    var box = canvas.closest("[data-chart-box]");
    var table = figure.querySelector("[data-chart-table]");
    try {
      var spec = JSON.parse(block.textContent);
      if (box) {
        box.hidden = false;
      }
      new Chart(canvas, {
        type: "bar",
        data: { labels: spec.labels, datasets: datasets(spec) },
        options: options(spec),
      });
      canvas.setAttribute("data-chart-drawn", "1");
      if (table) {
        table.open = false;
      }
    } catch (error) {
      // A chart that cannot be drawn leaves its table open: the figures are all there.
      if (box) {
        box.hidden = true;
      }
      if (window.console) {
        window.console.error("eoffice charts:", error);
      }
    }
  }

  function drawIn(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("canvas[data-chart]")) {
      draw(scope);
      return;
    }
    Array.prototype.forEach.call(scope.querySelectorAll("canvas[data-chart]"), draw);
  }

  Chart.defaults.color = cssVariable("--bs-body-color") || "#212529";

  // Printing: the folded tables open (the printed page carries the figures too).
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    reopened = Array.prototype.filter.call(
      document.querySelectorAll("details[data-chart-table]"),
      function (details) {
        return !details.open;
      }
    );
    reopened.forEach(function (details) {
      details.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (details) {
      details.open = false;
    });
    reopened = [];
  });

  // The page's fonts first: a chart drawn before Be Vietnam Pro arrives would keep the
  // fallback font in its labels (a canvas is not redrawn when the font swaps).
  function fontsReady() {
    var fonts = document.fonts;
    if (!fonts || !fonts.ready) {
      return Promise.resolve();
    }
    return fonts.ready.catch(function () {
      return undefined; // a font that failed to load: draw with the fallback
    });
  }

  function start(root) {
    fontsReady().then(function () {
      Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      drawIn(root);
    });
  }

  // Content htmx brings in later gets its charts too.
  document.addEventListener("htmx:load", function (event) {
    start(event.detail && event.detail.elt);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      start(document);
    });
  } else {
    start(document);
  }
})();
