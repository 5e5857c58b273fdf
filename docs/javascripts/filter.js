// Text and verdict filter for tables marked data-filterable (the verification report).
(function () {
  function init() {
    var text = document.querySelector("[data-filter-text]");
    var verdict = document.querySelector("[data-filter-verdict]");
    var table = document.querySelector("table[data-filterable]");
    if (!table || !text || !verdict) return;
    function apply() {
      var q = text.value.trim().toLowerCase(), v = verdict.value;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var ok = (!q || row.textContent.toLowerCase().indexOf(q) >= 0) &&
                 (!v || row.getAttribute("data-verdict") === v);
        row.style.display = ok ? "" : "none";
      });
    }
    text.addEventListener("input", apply);
    verdict.addEventListener("change", apply);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
