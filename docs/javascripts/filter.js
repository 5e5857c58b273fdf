// Filters for tables marked data-filterable: a text box ([data-filter-text]), a verdict select
// ([data-filter-verdict]), selects matching a row attribute ([data-filter-attr=NAME]), a
// "paired only" box ([data-filter-paired]) and, on leaderboards, facet checkboxes
// ([data-facet=NAME] value=V) matched against each row's data-NAME. The server renders the default view (rows outside it
// carry `hidden`); this script only re-applies the form. In tables marked data-ranked the first cell (rank) is recounted over
// the rows in view, best score first.
(function () {
  function init() {
    var tables = document.querySelectorAll("table[data-filterable]");
    if (!tables.length) return;
    var text = document.querySelector("[data-filter-text]");
    var verdict = document.querySelector("[data-filter-verdict]");
    var facets = document.querySelectorAll("input[data-facet]");
    var attrs = document.querySelectorAll("select[data-filter-attr]");
    var paired = document.querySelector("[data-filter-paired]");
    var status = document.querySelector("[data-filter-status]");
    function allowed() {
      var on = {};
      facets.forEach(function (box) {
        var f = box.getAttribute("data-facet");
        on[f] = on[f] || {};
        if (box.checked) on[f][box.value] = true;
      });
      return on;
    }
    function apply() {
      var q = text ? text.value.trim().toLowerCase() : "", v = verdict ? verdict.value : "";
      var on = allowed(), shown = 0, total = 0;
      tables.forEach(function (table) {
        var rows = Array.prototype.slice.call(table.tBodies[0].rows);
        rows.forEach(function (row) {
          var ok = (!q || row.textContent.toLowerCase().indexOf(q) >= 0) &&
                   (!v || row.getAttribute("data-verdict") === v);
          Object.keys(on).forEach(function (f) {
            var val = row.getAttribute("data-" + f);
            if (val !== null && !on[f][val]) ok = false;
          });
          attrs.forEach(function (sel) {
            if (sel.value && row.getAttribute("data-" + sel.getAttribute("data-filter-attr")) !== sel.value) ok = false;
          });
          if (paired && paired.checked && row.getAttribute("data-paired") !== "yes") ok = false;
          row.hidden = !ok;
          total += 1; shown += ok ? 1 : 0;
        });
        var wrap = table.closest(".sa-table-wrap");
        var note = wrap && wrap.nextElementSibling;
        if (note && note.hasAttribute("data-empty-note")) {
          note.hidden = rows.some(function (r) { return !r.hidden; });
        }
        if (!table.hasAttribute("data-ranked")) return;
        var ranked = rows.filter(function (r) { return !r.hidden; });
        ranked.sort(function (a, b) {
          return parseFloat(b.getAttribute("data-score")) - parseFloat(a.getAttribute("data-score"));
        });
        var rank = 0, last = null;
        ranked.forEach(function (r, i) {
          var s = r.getAttribute("data-score");
          if (s !== last) { rank = i + 1; last = s; }
          var cell = r.cells[0];
          cell.textContent = String(rank);
          cell.setAttribute("data-value", String(rank));
        });
        rows.forEach(function (r) { if (r.hidden) r.cells[0].setAttribute("data-value", ""); });
      });
      if (status) status.textContent = "Showing " + shown + " of " + total + " rows.";
    }
    if (text) text.addEventListener("input", apply);
    if (verdict) verdict.addEventListener("change", apply);
    facets.forEach(function (box) { box.addEventListener("change", apply); });
    attrs.forEach(function (sel) { sel.addEventListener("change", apply); });
    if (paired) paired.addEventListener("change", apply);
    if (status) status.textContent = "";
    apply();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
