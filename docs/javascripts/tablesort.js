// Sortable tables (table[data-sortable]): each header holds a <button>, so sorting works with
// the keyboard (Tab, Enter/Space); the <th> carries aria-sort. Cells may carry data-value (the
// sort key; "" = empty). Empty cells sort last in both directions.
(function () {
  function key(cell, numeric) {
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    raw = String(raw).trim();
    if (raw === "" || raw === "–" || raw === "-") return null;
    if (!numeric) return raw.toLowerCase();
    var n = parseFloat(raw.replace(/[^0-9.eE+-]/g, ""));
    return isNaN(n) ? null : n;
  }
  function sort(table, index, numeric, asc) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index], numeric), y = key(b.cells[index], numeric);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function init() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      var heads = table.tHead ? table.tHead.rows[0].cells : [];
      Array.prototype.forEach.call(heads, function (th, index) {
        var btn = th.querySelector("button.sa-sort");
        if (!btn) return;
        btn.setAttribute("title", "Sort by this column");
        btn.addEventListener("click", function () {
          var asc = th.getAttribute("aria-sort") !== "ascending";
          Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          sort(table, index, th.getAttribute("data-sort") === "num", asc);
        });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
