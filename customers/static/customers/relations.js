/* Customer pages: open the tab named in the address (#transactions, #tier …), and
   draw the 80/20 curve of the transactions page from its JSON data block. */
(function () {
  "use strict";

  function showTabFromHash() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) {
      return;
    }
    var link = document.querySelector('a[data-bs-toggle="tab"][href="' + hash + '"]');
    if (link) {
      link.click();
    }
  }

  function drawPareto() {
    var box = document.getElementById("pareto-chart");
    var source = document.getElementById("pareto-data");
    if (!box || !source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 24, top: 16, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      xAxis: {
        type: "category", data: data.x, name: box.getAttribute("data-x-label"),
        nameLocation: "middle", nameGap: 28
      },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { type: "line", data: data.y, smooth: true, areaStyle: { opacity: 0.15 },
          name: box.getAttribute("data-y-label"),
          markLine: { silent: true, symbol: "none", data: [{ xAxis: "20" }] } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showTabFromHash();
    drawPareto();
  });
})();
