// Tianyan: the little behaviour the sanitised Data Docs pages need (tianyan.ingest.data_docs), in
// place of jQuery, Bootstrap's script and bootstrap-table from CDNs. Served from the same origin
// (Content-Security-Policy script-src 'self'); it reads element ids and classes only, never inserts
// markup, so no delivered value can become code through it.
(function () {
  "use strict";
  document.documentElement.classList.add("tianyan-js");
  function targetOf(el) {
    var sel = el.getAttribute("data-target") || el.getAttribute("href") || "";
    return sel.charAt(0) === "#" ? document.getElementById(sel.slice(1)) : null;
  }
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-toggle='collapse'], [data-tianyan-action]") : null;
    if (!el) { return; }
    var action = el.getAttribute("data-tianyan-action");
    if (action) {
      var hide = action === "hide-succeeded";
      document.querySelectorAll(".hide-succeeded-validation-target, .hide-succeeded-validation-target-child")
        .forEach(function (n) {
          var node = n.classList.contains("hide-succeeded-validation-target-child") ? n.parentElement : n;
          if (node) { node.style.display = hide ? "none" : ""; }
        });
      ev.preventDefault();
      return;
    }
    var target = targetOf(el);
    if (target) {
      target.classList.toggle("show");
      el.setAttribute("aria-expanded", target.classList.contains("show") ? "true" : "false");
      ev.preventDefault();
    }
  });
})();
