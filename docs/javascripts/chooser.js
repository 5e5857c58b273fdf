// The model chooser (chooser.html): filters the inline data (#chooser-data) by the budget in the
// form, ranks best score first, marks the Pareto front (★), and mirrors the choices in the URL.
// Runs offline; nothing is fetched.
(function () {
  var Q = ["params", "gflops", "latency"];
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(v) { return v === "" || v === null || isNaN(parseFloat(v)) ? null : parseFloat(v); }
  function fmt(x) { return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : String(+x.toPrecision(3)); }
  // Exposed for the browser test: the same function the page uses. The Pareto front is the
  // catalog's (catalog.compare.choose.fronts), looked up, never recomputed here.
  window.segatlasChoose = function (models, budget, measuredOnly, includeUnstable, front) {
    var fit = [], missing = 0, over = 0;
    models.forEach(function (m) {
      var ok = true, unknown = false;
      Q.forEach(function (q) {
        if (budget[q] === null || budget[q] === undefined) return;
        var v = m[q];
        if (!v || (measuredOnly && v.how !== "measured") || (q === "latency" && v.unstable && !includeUnstable)) {
          unknown = true; ok = false;
        } else if (v.value > budget[q]) ok = false;
      });
      if (ok) fit.push(m); else if (unknown) missing += 1; else over += 1;
    });
    fit.forEach(function (m) { m.pareto = front.indexOf(m.index) >= 0; });
    fit.sort(function (a, b) { return b.score - a.score || (a.name < b.name ? -1 : 1); });
    return { fit: fit, missing: missing, over: over };
  };
  function cost(v, q, size) {
    if (!v) return '<span class="sa-muted">–</span>';
    var how = v.how === "measured" ? "measured" : '<span class="sa-claimed">claimed</span>';
    var tip = q === "params" ? fmt(v.value) + " M parameters, " + v.how
      : q === "gflops" ? fmt(v.value) + " GFLOPs at " + size + ", " + v.how +
        (v.how === "claimed" ? " (a multiply-add claim counts 2 FLOPs)" : "")
      : fmt(v.value) + " ms median at " + size + " on " + v.device + ", batch 1, measured by the bench" +
        (v.unstable ? "; the timings never settled (unstable)" : "");
    var verdict = v.verdict && v.verdict !== "no claim" && v.verdict !== "no run"
      ? ' <span class="sa-badge sa-badge--v-' + esc(v.verdict.replace(/[^a-z-]/g, "")) + '" title="the verdict on this claim">claim ' + esc(v.verdict) + "</span>" : "";
    var unstable = v.unstable ? ' <span class="sa-badge sa-badge--unknown">unstable</span>' : "";
    return '<span title="' + esc(tip) + '">' + esc(fmt(v.value)) + "</span> <small>" + how + "</small>" + verdict + unstable;
  }
  function init() {
    var form = document.getElementById("chooser"), src = document.getElementById("chooser-data");
    if (!form || !src) return;
    var data = JSON.parse(src.textContent), select = form.elements.ranking;
    data.rankings.forEach(function (r, i) {
      var o = document.createElement("option");
      o.value = r.ds + "|" + r.proto;
      o.textContent = r.name + " — " + r.protocol + " (" + r.fair.length + " models)";
      r.list = function (all) {
        return (all ? r.all : r.fair).map(function (i) { return Object.assign({ index: i }, r.models[i]); });
      };
      select.appendChild(o);
    });
    var params = new URLSearchParams(window.location.search);
    if (params.get("ds")) select.value = params.get("ds") + "|" + (params.get("proto") || "");
    if (!params.get("ds") || select.selectedIndex < 0) select.selectedIndex = data.default || 0;
    Q.forEach(function (q) { if (params.get(q)) form.elements[q].value = params.get(q); });
    form.elements.measured.checked = params.get("measured") === "1";
    form.elements.all.checked = params.get("all") === "1";
    form.elements.unstable.checked = params.get("unstable") === "1";
    function update() {
      var r = data.rankings[select.selectedIndex];
      if (!r) return;
      var budget = {};
      Q.forEach(function (q) { budget[q] = num(form.elements[q].value); });
      var measuredOnly = form.elements.measured.checked, all = form.elements.all.checked;
      var includeUnstable = form.elements.unstable.checked;
      var qs = Q.filter(function (q) { return budget[q] !== null; });
      var axes = qs.length ? qs.join("+") : data.default_axes;
      var front = r.fronts[all ? "all" : "fair"]["m" + (measuredOnly ? 1 : 0) + "u" + (includeUnstable ? 1 : 0)][axes];
      var res = window.segatlasChoose(r.list(all), budget, measuredOnly, includeUnstable, front);
      form.querySelector("[data-size]").textContent = r.size ? "at " + r.size : "";
      var rows = res.fit.map(function (m, i) {
        var tags = (m.pareto ? ' <span class="sa-badge sa-badge--pareto" title="Pareto front">★ Pareto</span>' : "") +
          (m.reimpl ? ' <span class="sa-badge sa-badge--reimpl">re-impl.</span>' : "");
        // data-label: on a phone each row is a card, one labelled line per cost (extra.css)
        return '<tr data-model="' + esc(m.id) + '"' + (m.pareto ? ' class="sa-pareto"' : "") + '><td class="sa-lead">' + (i + 1) +
          '</td><td class="sa-lead"><a href="' + esc(m.url) + '">' + esc(m.name) + "</a>" + tags +
          '</td><td class="sa-lead">' + esc(m.score) +
          '</td><td data-label="Params (M)">' + cost(m.params, "params", r.size) +
          '</td><td data-label="GFLOPs">' + cost(m.gflops, "gflops", r.size) +
          '</td><td data-label="Latency (ms)">' + cost(m.latency, "latency", r.size) +
          '</td><td data-label="Paper">' + esc(m.paper) + " (" + m.year + ")</td></tr>";
      });
      document.querySelector("#ch-results tbody").innerHTML = rows.join("") ||
        '<tr><td colspan="7">No model fits this budget.</td></tr>';
      document.getElementById("ch-summary").textContent = res.fit.length + " of " +
        (all ? r.all : r.fair).length + " models fit; " + res.over + " over budget; " + res.missing +
        " without a " + (measuredOnly ? "measured " : "") + "value for a budgeted quantity.";
      var q = new URLSearchParams();
      q.set("ds", r.ds); q.set("proto", r.proto);
      Q.forEach(function (k) { if (budget[k] !== null) q.set(k, form.elements[k].value); });
      if (measuredOnly) q.set("measured", "1");
      if (all) q.set("all", "1");
      if (includeUnstable) q.set("unstable", "1");
      var url = window.location.pathname + "?" + q.toString();
      try { history.replaceState(null, "", url); } catch (e) { /* file:// may refuse */ }
      document.getElementById("ch-link").setAttribute("href", "?" + q.toString());
      document.getElementById("ch-board").setAttribute("href", r.board);
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
