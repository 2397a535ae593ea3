// Loadline HTML report: draws the charts from the embedded DATA with uPlot,
// then writes a self-check (chart canvas sizes, errors met) into
// the hidden "selfcheck" element for the headless-browser test.
(function () {
  "use strict";
  var D = window.LOADLINE_DATA;
  var tl = D.timeline;
  var charts = [];
  var palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f",
    "#7c3aed", "#b45309", "#0f766e", "#9f1239", "#1e40af", "#65a30d", "#c2410c", "#0369a1",
    "#a21caf", "#15803d", "#b91c1c", "#334155", "#854d0e"];

  function fmtMS(v) {
    if (v == null) return "–";
    var a = Math.abs(v);
    if (a === 0) return "0";
    if (a < 1) return +(v * 1000).toFixed(1) + "µs";
    if (a < 1000) return +v.toFixed(a < 10 ? 2 : 1) + "ms";
    return +(v / 1000).toFixed(2) + "s";
  }
  function fmtNum(v) {
    if (v == null) return "–";
    var a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return +(v / 1e3).toFixed(1) + "k";
    return +v.toFixed(a < 10 ? 2 : 1) + "";
  }
  function fmtPct(v) { return v == null ? "–" : +(v * 100).toFixed(3) + "%"; }

  function width(el) { return Math.max(320, Math.floor(el.clientWidth || 900)); }

  // drawMarks shades the marked spans (capacity steps) under the series.
  function drawMarks(u) {
    if (!D.marks || !D.marks.length) return;
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    D.marks.forEach(function (m, i) {
      var x0 = u.valToPos(m.start, "x", true), x1 = u.valToPos(m.end, "x", true);
      ctx.fillStyle = i % 2 ? "rgba(37,99,235,0.06)" : "rgba(234,88,12,0.07)";
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
      ctx.fillStyle = "rgba(29,35,48,0.55)";
      ctx.font = (10 * devicePixelRatio) + "px sans-serif";
      ctx.fillText(m.name, x0 + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
    });
    ctx.restore();
  }

  // timeChart draws lines over the timeline's x values (Unix seconds).
  // lines: [{label, values, fmt, scale}]; axes: {scaleKey: {label, fmt, side}}.
  function timeChart(id, title, lines, axes) {
    var el = document.getElementById(id);
    if (!el) return;
    var series = [{}], data = [tl.t], scales = { x: { time: true } };
    var axisList = [{}];
    Object.keys(axes).forEach(function (k) {
      var a = axes[k];
      scales[k] = { auto: true, range: function (u, mn, mx) { return [Math.min(0, mn), mx > 0 ? mx * 1.05 : 1]; } };
      axisList.push({ scale: k, label: a.label, side: a.side || 3, size: 70, grid: { show: !a.side },
        values: function (u, vals) { return vals.map(a.fmt); } });
    });
    lines.forEach(function (l, i) {
      series.push({ label: l.label, scale: l.scale, stroke: l.color || palette[i % palette.length], width: 1.5,
        spanGaps: false, value: function (u, v) { return l.fmt(v); } });
      data.push(l.values);
    });
    var u = new uPlot({
      title: title, width: width(el), height: 280, scales: scales, series: series, axes: axisList,
      cursor: { sync: { key: "time" }, drag: { x: true, y: false } },
      hooks: { drawClear: [drawMarks] }
    }, data, el);
    charts.push({ id: id, u: u, el: el });
  }

  function quantileLines(q, prefix) {
    return [
      { label: prefix + "p50", values: q.p50, fmt: fmtMS, scale: "ms", color: palette[2] },
      { label: prefix + "p95", values: q.p95, fmt: fmtMS, scale: "ms", color: palette[0] },
      { label: prefix + "p99", values: q.p99, fmt: fmtMS, scale: "ms", color: palette[1] },
      { label: prefix + "max", values: q.max, fmt: fmtMS, scale: "ms", color: "#94a3b8" }
    ];
  }
  var msAxis = { ms: { label: "latency", fmt: fmtMS } };

  function draw() {
    if (tl && tl.t.length) {
      timeChart("chart-throughput", "Throughput (http_reqs per second)",
        [{ label: "req/s", values: tl.rps, fmt: fmtNum, scale: "n" }], { n: { label: "req/s", fmt: fmtNum } });
      timeChart("chart-errors", "Errors (http_req_failed)",
        [{ label: "failed/s", values: tl.failed, fmt: fmtNum, scale: "n", color: palette[1] },
         { label: "error rate", values: tl.error_rate, fmt: fmtPct, scale: "pct", color: palette[4] }],
        { n: { label: "failed/s", fmt: fmtNum }, pct: { label: "error rate", fmt: fmtPct, side: 1 } });
      if (tl.vus) {
        timeChart("chart-vus", "Active VUs",
          [{ label: "vus", values: tl.vus, fmt: fmtNum, scale: "n", color: palette[3] },
           { label: "vus_max", values: tl.vus_max, fmt: fmtNum, scale: "n", color: "#94a3b8" }],
          { n: { label: "VUs", fmt: fmtNum } });
      }
      if (tl.latency) timeChart("chart-latency", "Latency over time (http_req_duration)", quantileLines(tl.latency, ""), msAxis);
      if (tl.iteration_latency) timeChart("chart-iteration-latency", "iteration_latency (from the intended start)", quantileLines(tl.iteration_latency, ""), msAxis);
      if (tl.schedule_lag) timeChart("chart-schedule-lag", "schedule_lag", quantileLines(tl.schedule_lag, ""), msAxis);
      if (tl.dropped) {
        timeChart("chart-dropped", "Dropped iterations per second",
          [{ label: "dropped/s", values: tl.dropped, fmt: fmtNum, scale: "n", color: palette[1] }], { n: { label: "dropped/s", fmt: fmtNum } });
      }
    }
  
    // The percentile spectrum: x = 1/(1-q) on a log scale, labelled as
    // percentiles (p0, p90, p99, ...).
    var sp = D.spectrum, spEl = document.getElementById("chart-spectrum");
    if (sp && spEl) {
      var pctLabel = function (x) {
        if (x <= 1) return "p0";
        var q = (1 - 1 / x) * 100;
        return "p" + +q.toFixed(Math.max(0, Math.round(Math.log10(x)) - 2));
      };
      var series = [{ label: "percentile", value: function (u, x) { return x == null ? "–" : pctLabel(x); } }];
      var data = [sp.x];
      sp.lines.forEach(function (l, i) {
        series.push({ label: l.label, stroke: palette[i % palette.length], width: i === 0 ? 2.5 : 1.2,
          value: function (u, v) { return fmtMS(v); } });
        data.push(l.y);
      });
      var u = new uPlot({
        title: "Latency percentile spectrum (http_req_duration)", width: width(spEl), height: 380,
        scales: { x: { time: false, distr: 3, log: 10 }, y: { auto: true } },
        series: series,
        axes: [
          { values: function (u, vals) { return vals.map(pctLabel); },
            splits: function () { return [1, 10, 100, 1000, 10000, 100000]; } },
          { label: "latency", size: 70, values: function (u, vals) { return vals.map(fmtMS); } }
        ],
        cursor: { drag: { x: true, y: false } }
      }, data, spEl);
      charts.push({ id: "chart-spectrum", u: u, el: spEl });
    }
  }
  try { draw(); } catch (e) { (window.__loadlineErrors || []).push("report.js: " + (e && e.stack || e)); }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.u.setSize({ width: width(c.el), height: c.u.height }); });
  });

  // Self-check for tests: each chart's canvas size and any error seen.
  function selfcheck() {
    var out = { charts: [], errors: (window.__loadlineErrors || []).slice() };
    charts.forEach(function (c) {
      var cv = c.el.querySelector("canvas");
      out.charts.push({ id: c.id, canvas: !!cv, width: cv ? cv.width : 0, height: cv ? cv.height : 0,
        points: c.u.data[0].length });
    });
    document.getElementById("selfcheck").textContent = JSON.stringify(out);
  }
  selfcheck();
  setTimeout(selfcheck, 0);
  window.addEventListener("load", function () { setTimeout(selfcheck, 50); });
})();
