// Draws every chart on the page from the figure it carries as JSON: an element with
// data-figure="ID" is drawn from <script type="application/json" id="ID"> (no inline
// script, so pages work under the Content-Security-Policy).
document.querySelectorAll("[data-figure]").forEach((element) => {
  const figure = JSON.parse(document.getElementById(element.dataset.figure).textContent);
  Plotly.newPlot(element, figure.data, figure.layout, { responsive: true, displaylogo: false });
});
