// A drawn signature on a canvas (pointer: finger, pen or mouse). The strokes go into the
// form's hidden `strokes` field as "x,y x,y;x,y ..." in a 600 x 200 box; the server writes
// the SVG from those numbers. Without this script the typed name alone signs.
(function () {
  "use strict";
  var W = 600, H = 200;
  document.querySelectorAll("[data-signature-pad]").forEach(function (box) {
    var canvas = box.querySelector("canvas");
    var field = document.getElementById(box.getAttribute("data-field"));
    var clear = box.querySelector("[data-clear]");
    var status = box.querySelector("[data-status]");
    if (!canvas || !field) return;
    box.hidden = false;
    var ctx = canvas.getContext("2d");
    var strokes = [], current = null;

    function size() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.width * H / W * ratio);
      draw();
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var x = (event.clientX - rect.left) / rect.width * W;
      var y = (event.clientY - rect.top) / rect.height * H;
      return [Math.max(0, Math.min(W, Math.round(x))), Math.max(0, Math.min(H, Math.round(y)))];
    }
    function draw() {
      var k = canvas.width / W;
      ctx.setTransform(k, 0, 0, k, 0, 0);
      ctx.clearRect(0, 0, W, H);
      ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
      strokes.forEach(function (s) {
        ctx.beginPath();
        ctx.moveTo(s[0][0], s[0][1]);
        s.forEach(function (p) { ctx.lineTo(p[0], p[1]); });
        ctx.stroke();
      });
    }
    function save() {
      field.value = strokes.map(function (s) {
        return s.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      }).join(";");
      if (status) status.textContent = strokes.length ? "Signature drawn." : "";
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      draw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) return;
      var p = point(event), last = current[current.length - 1];
      if (p[0] !== last[0] || p[1] !== last[1]) { current.push(p); draw(); }
    });
    function end() { if (current) { current = null; save(); } }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    if (clear) clear.addEventListener("click", function () { strokes = []; draw(); save(); });
    window.addEventListener("resize", size);
    size();
  });

  // The relationship field matters only when someone signs for the patient.
  document.querySelectorAll("[data-representative]").forEach(function (block) {
    var form = block.closest("form");
    function sync() {
      var chosen = form.querySelector("input[name=who]:checked");
      block.hidden = !(chosen && chosen.value === "representative");
    }
    form.querySelectorAll("input[name=who]").forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  });
})();
