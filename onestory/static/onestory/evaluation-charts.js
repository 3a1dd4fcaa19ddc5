// Draws the evaluation report's charts from the figures the page carries as JSON (no inline
// script, so the page works under the Content-Security-Policy).
const figures = JSON.parse(document.getElementById("evaluation-figures").textContent);
for (const [name, figure] of Object.entries(figures)) {
  const target = document.getElementById(`chart-${name}`);
  if (target && figure.data.length) {
    Plotly.newPlot(target, figure.data, figure.layout, { responsive: true, displaylogo: false });
  }
}
