// Review page of a plan import: clicking a task (or one of its targets) marks its
// source span in the original text beside the table. Spans are code-point offsets
// into the decoded document, so the text is handled as an array of code points.
(function () {
  "use strict";
  var dataNode = document.getElementById("source-data");
  var pre = document.getElementById("source-text");
  if (!dataNode || !pre) { return; }
  var chars = Array.from(JSON.parse(dataNode.textContent));

  function spanOf(el) {
    if (!el || !el.hasAttribute("data-span-start")) { return null; }
    var start = parseInt(el.getAttribute("data-span-start"), 10);
    var end = parseInt(el.getAttribute("data-span-end"), 10);
    if (isNaN(start) || isNaN(end) || end <= start) { return null; }
    return [Math.max(0, start), Math.min(chars.length, end)];
  }

  // Spans of tasks that carry a warning stay tinted so the office sees where they are.
  var warned = [];
  document.querySelectorAll("tr.task-row.has-warning").forEach(function (row) {
    var span = spanOf(row);
    if (span) { warned.push(span); }
  });

  function render(selected) {
    var cuts = [0, chars.length];
    warned.concat(selected ? [selected] : []).forEach(function (s) { cuts.push(s[0], s[1]); });
    cuts = cuts.filter(function (v, i, all) { return all.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var frag = document.createDocumentFragment();
    var mark = null;
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1];
      var text = document.createTextNode(chars.slice(a, b).join(""));
      var isSel = selected && a >= selected[0] && b <= selected[1];
      var isWarn = warned.some(function (s) { return a >= s[0] && b <= s[1]; });
      if (isSel || isWarn) {
        var el = document.createElement("mark");
        el.className = isSel ? "source-hl" : "source-warn";
        el.appendChild(text);
        frag.appendChild(el);
        if (isSel && !mark) { mark = el; }
      } else {
        frag.appendChild(text);
      }
    }
    pre.textContent = "";
    pre.appendChild(frag);
    return mark;
  }

  function select(el) {
    var span = spanOf(el);
    document.querySelectorAll(".selected-item").forEach(function (n) { n.classList.remove("selected-item"); });
    if (!span) { render(null); return; }
    el.classList.add("selected-item");
    var mark = render(span);
    if (mark) {
      // Scroll only the source panel, never the page under the office's cursor.
      pre.scrollTop = mark.offsetTop - pre.offsetTop - 40;
    }
  }

  render(null);
  document.addEventListener("click", function (event) {
    var target = event.target.closest(".ind-edit[data-span-start], tr.task-row, tr.action-row, .warning-line[data-span-start]");
    if (target) { select(target); }
    var link = event.target.closest("[data-goto-task]");
    if (link) {
      var row = document.getElementById(link.getAttribute("data-goto-task"));
      if (row) { select(row); }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("tr.task-row")) {
      select(event.target);
    }
  });
})();
