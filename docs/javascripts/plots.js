// Draws every <div class="sa-plot" id="X"> from the figure JSON in <script id="X-data">.
// Clicking a point opens customdata[0], a relative link to the paper page.
(function () {
  function draw() {
    if (typeof Plotly === "undefined") return;
    var color = getComputedStyle(document.body).getPropertyValue("--md-typeset-color").trim();
    document.querySelectorAll("div.sa-plot").forEach(function (div) {
      var src = document.getElementById(div.id + "-data");
      if (!src) return;
      var fig = JSON.parse(src.textContent);
      fig.layout = fig.layout || {};
      if (color) fig.layout.font = Object.assign({}, fig.layout.font, { color: color });
      Plotly.newPlot(div, fig.data, fig.layout, { responsive: true, displaylogo: false })
        .then(function () {
          div.on("plotly_click", function (ev) {
            var p = ev.points && ev.points[0];
            if (p && p.customdata && p.customdata[0]) window.location.href = p.customdata[0];
          });
        });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
