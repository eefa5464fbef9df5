// Runs in the report page (no modules, no network): draws every chart from the JSON in
// #report-data with the inlined Chart.js, then exposes the charts as window.reportCharts (the
// Chromium test counts their marks with chart.getDatasetMeta(i).data.length) and marks the body
// data-charts-ready. Plain JavaScript because the page inlines this file as it is.
(function drawReportCharts() {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var palette = ["#2e7d32", "#ef6c00", "#1565c0", "#c62828", "#6a1b9a", "#00838f", "#9e9d24", "#4e342e"];
  var charts = {};
  // No animation: the page is a document, and a screenshot taken at load shows the final chart.
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;

  function draw(id, config) {
    var canvas = document.getElementById("chart-" + id);
    if (canvas) charts[id] = new Chart(canvas, config);
  }

  draw("payouts", {
    type: "bar",
    data: { labels: data.payouts.labels, datasets: [{ label: "reward ($OPEN)", data: data.payouts.rewards, backgroundColor: palette[2] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { title: { display: true, text: "$OPEN" } } } },
  });

  draw("scores", {
    type: "bar",
    data: {
      labels: data.scores.labels,
      datasets: data.scores.series.map(function (s, i) {
        return { label: s.name, data: s.counts, backgroundColor: palette[i % palette.length] };
      }),
    },
    options: {
      scales: { x: { stacked: true, title: { display: true, text: "influence score (bin centre)" } }, y: { stacked: true, ticks: { precision: 0 }, title: { display: true, text: "examples" } } },
    },
  });

  var rankNames = ["best", "2nd", "3rd"];
  draw("topExamples", {
    type: "bar",
    data: {
      labels: data.topExamples.labels,
      datasets: data.topExamples.ranks.map(function (scores, r) {
        return { label: rankNames[r] || r + 1 + "th", data: scores, backgroundColor: palette[(r + 2) % palette.length] };
      }),
    },
    options: {
      plugins: {
        tooltip: {
          callbacks: {
            afterLabel: function (ctx) {
              return "example " + data.topExamples.hashes[ctx.datasetIndex][ctx.dataIndex];
            },
          },
        },
      },
      scales: { y: { title: { display: true, text: "influence score" } } },
    },
  });

  var kinds = [];
  data.gas.kinds.forEach(function (k) {
    if (kinds.indexOf(k) < 0) kinds.push(k);
  });
  var kindColour = function (k) {
    return palette[kinds.indexOf(k) % palette.length];
  };
  draw("gas", {
    type: "bar",
    data: { labels: data.gas.labels, datasets: [{ label: "gas", data: data.gas.gas, backgroundColor: data.gas.kinds.map(kindColour) }] },
    options: {
      plugins: {
        legend: {
          labels: {
            generateLabels: function () {
              return kinds.map(function (k) {
                return { text: k, fillStyle: kindColour(k), strokeStyle: kindColour(k), lineWidth: 0 };
              });
            },
          },
        },
      },
      scales: { x: { ticks: { display: data.gas.labels.length <= 60 } }, y: { title: { display: true, text: "gas used" } } },
    },
  });

  if (data.attacks) {
    draw("attacks", {
      type: "bar",
      data: {
        labels: data.attacks.labels,
        datasets: [{
          label: "figure",
          data: data.attacks.figures,
          backgroundColor: data.attacks.pass.map(function (p) {
            return p ? palette[0] : palette[3];
          }),
        }],
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return data.attacks.displays[ctx.dataIndex] + " (target " + data.attacks.targets[ctx.dataIndex] + ")";
              },
            },
          },
        },
        scales: { x: { title: { display: true, text: "figure, in each row's unit (see the table)" } } },
      },
    });
  }

  window.reportCharts = charts;
  document.body.setAttribute("data-charts-ready", "true");
})();
