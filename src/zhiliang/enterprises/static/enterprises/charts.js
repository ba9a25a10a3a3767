/* Zhiliang charts: every element with data-chart="ID" is drawn (SVG) with Apache
   ECharts from the JSON options in <script type="application/json" id="ID">
   (Django's json_script), in the page's Chinese font.  Redrawn after htmx swaps
   and on resize.  No network access: ECharts is vendored (core/static/vendor). */
(function () {
  "use strict";

  function pageFont() {
    var font = window.getComputedStyle(document.body).fontFamily;
    return font || '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  }

  function draw(el) {
    if (!window.echarts) return;
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    var options = JSON.parse(source.textContent);
    options.textStyle = Object.assign({ fontFamily: pageFont() }, options.textStyle || {});
    options.animation = false;
    var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg", locale: "ZH" });
    chart.setOption(options, true);
    el.setAttribute("data-chart-ready", "1");
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
  window.zhiliangCharts = { drawAll: drawAll };
})();
