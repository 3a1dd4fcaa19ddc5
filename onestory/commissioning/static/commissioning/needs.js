// Draws the needs page's charts from the figures the page carries as JSON (no inline
// script, so the page works under the Content-Security-Policy). Each chart's element names
// its figure in data-figure.
document.querySelectorAll("[data-figure]").forEach((element) => {
  const figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
  Plotly.newPlot(element, figure.data, figure.layout, { responsive: true, displaylogo: false });
});
