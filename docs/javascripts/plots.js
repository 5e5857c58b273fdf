// Draws every <div class="sa-plot" id="X"> from the figure JSON in <script id="X-data">, when it
// comes near the viewport. Colours follow the site's theme, live: the header toggle changes
// body[data-md-color-scheme], and a MutationObserver re-styles every drawn plot.
// No outbound modebar buttons (no "Share chart"/Chart Studio); clicking a point opens
// customdata[0], a relative link to the paper page.
(function () {
  var CONFIG = { responsive: true, displaylogo: false, showSendToCloud: false,
                 showEditInChartStudio: false, showLink: false,
                 modeBarButtonsToRemove: ["sendChartToCloud", "sendDataToCloud", "editInChartStudio", "select2d", "lasso2d"] };
  function colours() {
    var css = getComputedStyle(document.body);
    var fg = css.getPropertyValue("--md-typeset-color").trim() || "#000";
    var dark = document.body.getAttribute("data-md-color-scheme") === "slate";
    return { fg: fg, grid: dark ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.10)",
             line: dark ? "rgba(255,255,255,0.35)" : "rgba(0,0,0,0.35)",
             accent: dark ? "#8fa8ff" : "#3949ab", bg: dark ? "#1e2129" : "#ffffff" };
  }
  function themed(layout) {
    var c = colours();
    var axis = { gridcolor: c.grid, linecolor: c.line, zerolinecolor: c.grid,
                 tickfont: { color: c.fg }, title: { font: { color: c.fg } } };
    return { "font.color": c.fg, "legend.font.color": c.fg,
             "xaxis.gridcolor": axis.gridcolor, "yaxis.gridcolor": axis.gridcolor,
             "xaxis.linecolor": axis.linecolor, "yaxis.linecolor": axis.linecolor,
             "xaxis.zerolinecolor": axis.zerolinecolor, "yaxis.zerolinecolor": axis.zerolinecolor,
             "xaxis.color": c.fg, "yaxis.color": c.fg,
             "hoverlabel.bgcolor": c.bg, "hoverlabel.font.color": c.fg };
  }
  function apply(layout, update) {
    Object.keys(update).forEach(function (path) {
      var parts = path.split("."), o = layout;
      for (var i = 0; i < parts.length - 1; i++) { o[parts[i]] = o[parts[i]] || {}; o = o[parts[i]]; }
      o[parts[parts.length - 1]] = update[path];
    });
    return layout;
  }
  function draw(div) {
    if (div.getAttribute("data-drawn") || typeof Plotly === "undefined") return;
    var src = document.getElementById(div.id + "-data");
    if (!src) return;
    div.setAttribute("data-drawn", "1");
    var fig = JSON.parse(src.textContent);
    var layout = apply(fig.layout || {}, themed());
    Plotly.newPlot(div, fig.data, layout, CONFIG).then(function () {
      declutter(div);
      div.on("plotly_afterplot", function () { declutter(div); });
      div.on("plotly_click", function (ev) {
        var p = ev.points && ev.points[0];
        if (p && p.customdata && p.customdata[0]) window.location.href = p.customdata[0];
      });
    });
  }
  // Labels (the Pareto front, the state-of-the-art steps) never collide and never leave the
  // plot: the best-scoring points keep theirs, a label that would overlap a kept one or cross
  // the plot's edge is hidden (its point still names itself on hover and in the data table).
  function declutter(div) {
    var area = div.querySelector(".nsewdrag") || div.querySelector(".bglayer rect");
    if (!area) return;
    var box = area.getBoundingClientRect(), kept = [];
    var labels = Array.prototype.slice.call(div.querySelectorAll(".scatterlayer .trace .textpoint text"));
    labels.forEach(function (t) { t.style.display = ""; });
    labels.map(function (t) {
      var d = t.parentNode.__data__ || (t.__data__) || {};
      return { el: t, y: typeof d.y === "number" ? d.y : 0 };
    }).sort(function (a, b) { return b.y - a.y; }).forEach(function (l) {
      var r = l.el.getBoundingClientRect();
      var inside = r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      var clash = kept.some(function (k) {
        return !(r.right < k.left || r.left > k.right || r.bottom < k.top || r.top > k.bottom);
      });
      if (!inside || clash) l.el.style.display = "none"; else kept.push(r);
    });
  }
  function restyle() {
    document.querySelectorAll("div.sa-plot[data-drawn]").forEach(function (div) {
      Plotly.relayout(div, themed());
    });
  }
  function init() {
    var divs = document.querySelectorAll("div.sa-plot");
    if (!divs.length || typeof Plotly === "undefined") return;
    if ("IntersectionObserver" in window) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) { io.unobserve(e.target); draw(e.target); } });
      }, { rootMargin: "600px 0px" });
      divs.forEach(function (d) { io.observe(d); });
    } else {
      divs.forEach(draw);
    }
    new MutationObserver(restyle).observe(document.body, { attributes: true,
      attributeFilter: ["data-md-color-scheme"] });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
