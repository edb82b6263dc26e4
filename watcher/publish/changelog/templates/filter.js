// Optional: filter the timeline by a word as you type. The site works fully without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("[data-filterable]");
  if (!list) { return; }
  var items = Array.prototype.slice.call(list.querySelectorAll(".entry"));
  var box = document.createElement("p");
  box.className = "word-filter";
  var label = document.createElement("label");
  label.htmlFor = "filtre-mot";
  label.textContent = list.getAttribute("data-placeholder") || "";
  var input = document.createElement("input");
  input.type = "search";
  input.id = "filtre-mot";
  box.appendChild(label);
  box.appendChild(input);
  list.parentNode.insertBefore(box, list);
  input.addEventListener("input", function () {
    var words = input.value.toLocaleLowerCase().trim();
    items.forEach(function (item) {
      item.hidden = words !== "" && item.textContent.toLocaleLowerCase().indexOf(words) === -1;
    });
  });
});
