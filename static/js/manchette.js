// Manchette: progressive enhancement only. Every feature works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // On phones the section bar scrolls sideways: bring the current section into view.
  document.addEventListener("DOMContentLoaded", function () {
    var current = document.querySelector('.sections-nav a[aria-current="page"]');
    if (current && current.scrollIntoView) {
      current.scrollIntoView({ block: "nearest", inline: "center" });
    }
  });
})();
