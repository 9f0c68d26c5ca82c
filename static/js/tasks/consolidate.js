// A lead agency gathers its supporters' inputs: "插入到本单位报告" appends an input's
// texts to the lead's own fields as 【单位简称】… paragraphs and ticks the input's box.
// Values only (textarea.value), never markup: the texts are other agencies' typing.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var PARTS = [["progress_text", "progressText"], ["problems", "problems"], ["next_steps", "nextSteps"]];
  function append(field, agency, text) {
    var el = form.elements[field];
    if (!el || !text || !text.trim()) return;
    var paragraph = "【" + agency + "】" + text.trim();
    if (el.value.indexOf(paragraph) !== -1) return;  // a second click adds nothing
    el.value = el.value.trim() ? el.value.replace(/\s+$/, "") + "\n" + paragraph : paragraph;
    // The autosave listens to the form's input events.
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }
  // The boxes sit outside the form's markup (form="report-form"): pass their changes on
  // to the form, whose autosave listens there.
  Array.prototype.forEach.call(document.querySelectorAll("input[name=consolidated_inputs]"), function (box) {
    box.addEventListener("change", function () { form.dispatchEvent(new Event("change")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.insert-input"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var agency = button.dataset.agency;
      PARTS.forEach(function (part) { append(part[0], agency, button.dataset[part[1]]); });
      var box = document.querySelector("input[name=consolidated_inputs][value='" + button.dataset.input + "']");
      if (box && !box.checked) {
        box.checked = true;
        form.dispatchEvent(new Event("change"));
      }
    });
  });
})();
