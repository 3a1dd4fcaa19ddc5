// Draws the who-pays chart from the figure the page carries as JSON (no inline script, so
// the page works under the Content-Security-Policy).
const figure = JSON.parse(document.getElementById("who-pays-figure").textContent);
Plotly.newPlot("who-pays-chart", figure.data, figure.layout, {
  responsive: true,
  displaylogo: false,
});
