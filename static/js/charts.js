// Draws every chart on the page from its json_script data, on load and after htmx swaps.
(function () {
  const SEVERITY_COLORS = { critical: "#8b1a1a", high: "#c2410c", medium: "#a16207", low: "#3f6212" };

  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      const source = document.getElementById(el.dataset.chart);
      if (!source) return;
      const data = JSON.parse(source.textContent);
      if (el.dataset.kind === "severity-bar") {
        Plotly.react(el, [{
          type: "bar", x: data.x, y: data.y, text: data.y, textposition: "auto",
          marker: { color: data.severity.map(function (s) { return SEVERITY_COLORS[s]; }) },
          customdata: data.severity,
          hovertemplate: "%{x}: %{y} open<extra></extra>",
        }], { margin: { t: 10, r: 10, b: 40, l: 40 }, height: 280 },
        { displayModeBar: false, responsive: true });
        el.on("plotly_click", function (event) {
          const severity = event.points[0].customdata;
          window.location.href = "/findings/?severity=" + encodeURIComponent(severity);
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
})();
