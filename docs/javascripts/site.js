// Small fixes to the theme's page chrome: the search dialog gets an accessible name, and a page
// opened from file:// says why search is off (the theme's search worker needs a web server)
// instead of failing silently.
(function () {
  function init() {
    var dialog = document.querySelector(".md-search[role=dialog]");
    if (dialog) dialog.setAttribute("aria-label", "Search");
    // Badge Markdown on paper pages: absolute urls, from this page's own address.
    document.querySelectorAll("code[data-badge-img]").forEach(function (code) {
      var img = new URL(code.getAttribute("data-badge-img"), window.location.href).href;
      var page = new URL(code.getAttribute("data-badge-page"), window.location.href).href.split(/[?#]/)[0];
      code.textContent = "[![SegAtlas: " + code.getAttribute("data-badge-what") + "](" + img + ")](" + page + ")";
    });
    if (window.location.protocol === "file:") {
      var input = document.querySelector(".md-search__input");
      if (input) {
        input.disabled = true;
        input.placeholder = "Search needs a web server";
        input.title = "Search does not work from file://; run `mkdocs serve` or open the site from a web server.";
      }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
