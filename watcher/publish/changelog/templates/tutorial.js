// Optional: ← / → (or p / n) move from one tutorial step to the next. Links do the same without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var steps = Array.prototype.slice.call(document.querySelectorAll(".tutorial-step"));
  if (!steps.length) { return; }
  function current() {
    var index = steps.findIndex(function (s) { return "#" + s.id === location.hash; });
    return index;
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (event.altKey || event.ctrlKey || event.metaKey || tag === "INPUT" || tag === "TEXTAREA") { return; }
    var move = { ArrowRight: 1, n: 1, ArrowLeft: -1, p: -1 }[event.key];
    if (!move) { return; }
    var next = Math.min(steps.length - 1, Math.max(0, current() + move));
    if (current() === -1 && move < 0) { next = 0; }
    location.hash = "#" + steps[next].id;
    steps[next].focus();
    event.preventDefault();
  });
});
