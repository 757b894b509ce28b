// Draws every chart on the page from its json_script data, on load and after htmx swaps.
// Bars drill down: a click opens the findings explorer filtered to what the bar counts.
(function () {
  const SEVERITIES = ["critical", "high", "medium", "low"];
  const SEVERITY_COLORS = { critical: "#8b1a1a", high: "#c2410c", medium: "#a16207", low: "#3f6212" };
  const CONFIG = { displayModeBar: false, responsive: true };

  function addDays(isoDay, days) {
    const day = new Date(isoDay + "T00:00:00Z");
    day.setUTCDate(day.getUTCDate() + days);
    return day.toISOString().slice(0, 10);
  }

  function weeklyFlow(el, data) {
    // New above the axis, fixed below it, each stacked by severity; severity is in the
    // legend and the hover text too, never only in the color.
    const traces = [];
    SEVERITIES.forEach(function (severity) {
      traces.push({
        type: "bar", name: "New " + severity, x: data.weeks, y: data.new[severity],
        marker: { color: SEVERITY_COLORS[severity] }, legendgroup: severity,
        customdata: data.weeks.map(function (week) { return [severity, week, "new"]; }),
        hovertemplate: "Week of %{x}: %{y} new " + severity + "<extra></extra>",
      });
      traces.push({
        type: "bar", name: "Fixed " + severity, x: data.weeks,
        y: data.fixed[severity].map(function (n) { return -n; }),
        marker: { color: SEVERITY_COLORS[severity], opacity: 0.45,
                  pattern: { shape: "/" } }, legendgroup: severity, showlegend: true,
        customdata: data.weeks.map(function (week) { return [severity, week, "fixed"]; }),
        text: data.fixed[severity].map(String), textposition: "none",
        hovertemplate: "Week of %{x}: %{text} fixed " + severity + "<extra></extra>",
      });
    });
    Plotly.react(el, traces, {
      barmode: "relative", height: 320, margin: { t: 10, r: 10, b: 40, l: 50 },
      yaxis: { title: { text: "fixed ↓   new ↑" }, zeroline: true },
      xaxis: { type: "category" }, legend: { orientation: "h", y: -0.2 },
    }, CONFIG);
    el.on("plotly_click", function (event) {
      const [severity, week, change] = event.points[0].customdata;
      const params = new URLSearchParams({ severity: severity, status: change === "fixed" ? "fixed" : "all" });
      params.set(change === "fixed" ? "fixed_from" : "from", week);
      params.set(change === "fixed" ? "fixed_to" : "to", addDays(week, 6));
      window.location.href = "/findings/?" + params.toString();
    });
  }

  function trend(el, data) {
    Plotly.react(el, [
      { type: "bar", name: "New", x: data.weeks, y: data.new, marker: { color: "#8b1a1a" } },
      { type: "bar", name: "Fixed", x: data.weeks, y: data.fixed, marker: { color: "#3f6212" } },
    ], { barmode: "group", height: 260, margin: { t: 10, r: 10, b: 40, l: 40 },
         xaxis: { type: "category" }, legend: { orientation: "h", y: -0.25 } }, CONFIG);
  }

  function sparkline(el, data) {
    const values = data[el.dataset.key] || [];
    Plotly.react(el, [{ type: "scatter", mode: "lines", y: values, line: { width: 2, color: "#334155" },
                        hoverinfo: "y" }],
      { height: 28, width: 120, margin: { t: 2, r: 2, b: 2, l: 2 }, xaxis: { visible: false },
        yaxis: { visible: false, rangemode: "tozero" }, showlegend: false },
      { displayModeBar: false, staticPlot: true });
  }

  function severityBar(el, data) {
    Plotly.react(el, [{
      type: "bar", x: data.x, y: data.y, text: data.y, textposition: "auto",
      marker: { color: data.severity.map(function (s) { return SEVERITY_COLORS[s]; }) },
      customdata: data.severity, hovertemplate: "%{x}: %{y} open<extra></extra>",
    }], { margin: { t: 10, r: 10, b: 40, l: 40 }, height: 280 }, CONFIG);
    el.on("plotly_click", function (event) {
      window.location.href = "/findings/?severity=" + encodeURIComponent(event.points[0].customdata);
    });
  }

  const KINDS = { "weekly-flow": weeklyFlow, "trend": trend, "sparkline": sparkline,
                  "severity-bar": severityBar };

  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      const source = document.getElementById(el.dataset.chart);
      const kind = KINDS[el.dataset.kind];
      if (source && kind) kind(el, JSON.parse(source.textContent));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
})();
