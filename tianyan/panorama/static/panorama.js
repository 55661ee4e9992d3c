// Draws every chart of a panorama page: each <script type="application/json" class="vega-spec">
// holds a Vega-Lite spec for the element named by its data-target. Expressions run through Vega's
// interpreter (vega-interpreter), so the page needs no 'unsafe-eval' and no inline script.
(function () {
  "use strict";
  var blocks = document.querySelectorAll("script.vega-spec");
  Array.prototype.forEach.call(blocks, function (block) {
    var target = document.getElementById(block.getAttribute("data-target"));
    if (!target) { return; }
    var spec;
    try { spec = JSON.parse(block.textContent); } catch (e) { target.textContent = "chart spec unreadable"; return; }
    vegaEmbed(target, spec, {
      actions: false, renderer: "svg", ast: true, expr: vega.expressionInterpreter, defaultStyle: false
    }).then(function () {
      target.setAttribute("data-rendered", "true");
    }).catch(function (err) {
      target.setAttribute("data-rendered", "failed");
      target.textContent = "chart failed: " + err;
    });
  });
})();
