/* Dashboard charts drawn with the vendored Apache ECharts; data comes from the page's
   json_script block, so nothing here fetches anything. */
(function () {
  "use strict";
  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var COLORS = { red: "#c0392b", yellow: "#d4a017", green: "#2e8b57", brand: "#0b6e4f", grey: "#9aa5b1" };
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';
  var L = data.labels || {};
  var charts = [];

  function init(node) {
    var chart = echarts.init(node, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function short(text, n) { return text.length > n ? text.slice(0, n) + "…" : text; }

  function drawActions(node) {
    var rows = (data.actions || []).slice().reverse();
    node.style.height = Math.max(220, 50 + 34 * rows.length) + "px";
    var chart = init(node);
    chart.setOption({
      textStyle: { fontFamily: FONT },
      grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var row = rows[items[0].dataIndex];
          var value = row.completion === null ? L.no_data : row.completion.toFixed(1) + "%";
          return echarts.format.encodeHTML(row.name) + "<br>" + L.completion + " " + value + "<br>" + L.red + " " + (row.red || 0) + " · " + L.yellow + " " + (row.yellow || 0) + " · " + L.green + " " + (row.green || 0);
        } },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: rows.map(function (r) { return short(r.name, 16); }), axisLabel: { fontSize: 12 } },
      series: [{
        type: "bar", barMaxWidth: 22, cursor: "pointer",
        data: rows.map(function (r) { return r.completion; }),
        itemStyle: { color: COLORS.brand },
        label: { show: true, position: "right", formatter: function (p) {
          var row = rows[p.dataIndex];
          var text = p.value === null || p.value === undefined ? L.no_data : p.value.toFixed(1) + "%";
          return row.red ? text + "  {red|" + L.red + " " + row.red + "}" : text;
        }, rich: { red: { color: COLORS.red, fontWeight: "bold" } } }
      }]
    });
    chart.on("click", function (params) {
      var row = rows[params.dataIndex];
      if (!row || !row.id) { return; }
      var url = new URL(window.location.href);
      url.searchParams.set("action", row.id);
      url.hash = "tasks";
      window.location.href = url.toString();
    });
  }

  function drawLights(node) {
    var l = data.lights || {};
    var chart = init(node);
    chart.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["45%", "72%"], center: ["50%", "45%"],
        label: { formatter: "{b}\n{c}", fontSize: 13 },
        data: [
          { name: L.red, value: l.red || 0, itemStyle: { color: COLORS.red } },
          { name: L.yellow, value: l.yellow || 0, itemStyle: { color: COLORS.yellow } },
          { name: L.green, value: l.green || 0, itemStyle: { color: COLORS.green } }
        ]
      }]
    });
  }

  function drawSparkline(node) {
    var series = (data.indicators || [])[Number(node.dataset.index)];
    if (!series) { return; }
    var chart = init(node);
    chart.setOption({
      grid: { left: 4, right: 4, top: 6, bottom: 4 },
      tooltip: { trigger: "axis", textStyle: { fontSize: 12 } },
      xAxis: { type: "category", data: series.periods, show: false, boundaryGap: false },
      yAxis: { type: "value", show: false, scale: true },
      series: [
        { name: L.actual, type: "line", data: series.values, symbolSize: 5, lineStyle: { color: COLORS.brand, width: 2 }, itemStyle: { color: COLORS.brand } },
        { name: L.expected, type: "line", data: series.expected, symbol: "none", lineStyle: { color: COLORS.grey, type: "dashed", width: 1 } }
      ]
    });
  }

  function drawRegion(node) {
    var rows = data.plans || [];
    var chart = init(node);
    chart.setOption({
      textStyle: { fontFamily: FONT },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      yAxis: [{ type: "value", max: 100, axisLabel: { formatter: "{value}%" } }, { type: "value", minInterval: 1, name: L.red }],
      series: [
        { name: L.completion, type: "bar", barMaxWidth: 36, data: rows.map(function (r) { return r.completion; }), itemStyle: { color: COLORS.brand } },
        { name: L.on_time, type: "bar", barMaxWidth: 36, data: rows.map(function (r) { return r.on_time; }), itemStyle: { color: COLORS.green } },
        { name: L.red, type: "bar", barMaxWidth: 36, yAxisIndex: 1, data: rows.map(function (r) { return r.red; }), itemStyle: { color: COLORS.red }, label: { show: true, position: "top", color: COLORS.red } }
      ]
    });
  }

  var drawers = { actions: drawActions, lights: drawLights, sparkline: drawSparkline, region: drawRegion };
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var draw = drawers[node.dataset.chart];
    if (draw) { draw(node); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
