// The 菜单 button below the menu breakpoint is a checkbox and its label, so it works
// without this script (Space opens it, its checked state says it is open); the script
// adds what a keyboard user expects of a menu button besides: Enter opens it too, and
// Escape closes it and returns to the button.
(function () {
  "use strict";
  var toggle = document.getElementById("nav-toggle");
  if (!toggle) return;
  toggle.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); toggle.click(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.checked) {
      toggle.checked = false;
      toggle.focus();
    }
  });
})();
