// The injection map of the session record: a click on a zone places a point there.
// Each point becomes a hidden `map_point` input ("diagram|zone|x|y", x and y as fractions
// of the drawing), so the form posts the same data the table per zone does without us.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  document.querySelectorAll("svg.injection-map[data-interactive]").forEach(function (svg) {
    var form = svg.closest("form");
    var inputs = form.querySelector("[data-map-points]");
    var status = form.querySelector("[data-map-status]");
    var layer = svg.querySelector("[data-placed]");
    var undo = form.querySelector("[data-map-undo]");
    var box = svg.viewBox.baseVal;
    form.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

    function say() {
      var n = inputs.querySelectorAll("input").length;
      status.textContent = n ? n + (n === 1 ? " point" : " points") + " placed on the map." : "";
    }

    svg.addEventListener("click", function (event) {
      var zone = event.target.closest(".zone");
      if (!zone) { return; }
      var at = svg.createSVGPoint();
      at.x = event.clientX;
      at.y = event.clientY;
      var p = at.matrixTransform(svg.getScreenCTM().inverse());
      var x = Math.min(1, Math.max(0, (p.x - box.x) / box.width));
      var y = Math.min(1, Math.max(0, (p.y - box.y) / box.height));
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "map_point";
      input.value = [svg.dataset.diagram, zone.dataset.zone, x.toFixed(4), y.toFixed(4)].join("|");
      inputs.appendChild(input);
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("class", "point new-point");
      dot.setAttribute("cx", (p.x).toFixed(1));
      dot.setAttribute("cy", (p.y).toFixed(1));
      dot.setAttribute("r", "4.5");
      layer.appendChild(dot);
      say();
    });

    if (undo) {
      undo.addEventListener("click", function () {
        var last = inputs.querySelector("input:last-child");
        var dot = layer.querySelector("circle:last-child");
        if (last) { last.remove(); }
        if (dot) { dot.remove(); }
        say();
      });
    }
  });
})();
