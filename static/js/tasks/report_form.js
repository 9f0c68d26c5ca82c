// Autosave for the progress report form: every change is kept in localStorage at once
// (a closed tab loses nothing) and posted to the server a moment later with the
// version the form was built from, so a save from a stale tab is refused, not merged
// silently.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var timer = null;
  var inFlight = false;
  var waitingSubmit = null;
  form.addEventListener("submit", function (event) {
    // One submission per click, however fast the double click.
    if (form.dataset.sending === "1") { event.preventDefault(); return; }
    if (timer) { clearTimeout(timer); timer = null; }
    var clicked = event.submitter;
    if (inFlight) {
      // Let the autosave finish first, or the form would carry an outdated version.
      event.preventDefault();
      waitingSubmit = clicked || true;
      return;
    }
    form.dataset.sending = "1";
    // Files chosen for upload (a photo just taken, files picked) but not yet uploaded go
    // with this form, so saving or submitting never drops them: the server stores them
    // before it submits.
    Array.prototype.forEach.call(document.querySelectorAll("#evidence-upload input[type=file]"), function (chosen) {
      if (chosen.files && chosen.files.length) {
        chosen.setAttribute("form", form.id);
        show(msg("uploading"));
      }
    });
    if (clicked && clicked.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = clicked.name; hidden.value = clicked.value;
      form.appendChild(hidden);
    }
    // The buttons sit below the evidence, outside the form's markup (form="report-form").
    Array.prototype.forEach.call(form.elements, function (b) {
      if (b.type === "submit") b.disabled = true;
    });
  });
  if (form.dataset.editable !== "1") return;

  var url = form.dataset.autosaveUrl;
  var key = form.dataset.storageKey;
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var FIELDS = ["status", "percent", "progress_text", "problems", "next_steps"];
  var pending = false;
  var blocked = false;

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function collect() {
    var data = {};
    FIELDS.forEach(function (name) {
      var el = form.elements[name];
      if (el) data[name] = el.value;
    });
    var indicators = {};
    Array.prototype.forEach.call(form.querySelectorAll("[name^=ind_]"), function (el) {
      indicators[el.name.slice(4)] = el.value;
    });
    if (Object.keys(indicators).length) data.indicators = indicators;
    // A lead's choice of supporters' inputs to consolidate: the ticked boxes.
    var boxes = document.querySelectorAll("input[name=consolidated_inputs][form='" + form.id + "']");
    if (boxes.length) {
      data.consolidated_inputs = Array.prototype.filter.call(boxes, function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    }
    return data;
  }
  // Messages come worded in the page's language from the form's data-msg-* attributes.
  function msg(name) { return form.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || ""; }
  function show(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.className = "autosave-status" + (kind ? " " + kind : "");
  }
  function store() {
    try {
      localStorage.setItem(key, JSON.stringify({ version: versionInput.value, data: collect(), at: Date.now() }));
    } catch (e) { /* private mode or full storage: the server copy still saves */ }
  }
  function showWarnings(notes) {
    var list = document.getElementById("value-warnings");
    if (!list) return;
    list.textContent = "";
    notes.forEach(function (note) {
      var item = document.createElement("li");
      item.textContent = note;  // text, never markup
      list.appendChild(item);
    });
  }
  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function save() {
    timer = null;
    if (blocked) return;
    if (inFlight) { pending = true; return; }
    inFlight = true;
    var payload = collect();
    payload.version = parseInt(versionInput.value || "0", 10);
    var sent = collect();
    show(msg("saving"));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, code: response.status, body: body }; });
    }).then(function (r) {
      if (r.ok) {
        versionInput.value = r.body.version;
        show(msg("saved") + " " + r.body.saved_at, "ok");
        showWarnings(r.body.warnings || []);
        if (same(sent, collect())) forget(); else store();
      } else if (r.code === 409) {
        blocked = true;
        show(r.body.error + " " + msg("conflict"), "error");
      } else {
        show(r.body.error || msg("failed"), "error");
      }
    }).catch(function () {
      show(msg("offline"), "error");
    }).then(function () {
      inFlight = false;
      if (waitingSubmit) {
        var submitter = waitingSubmit === true ? null : waitingSubmit;
        waitingSubmit = null;
        if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
      } else if (pending) { pending = false; schedule(); }
    });
  }
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1200);
  }

  // A copy left by a closed tab, made from the same version as this page, is newer
  // than what the server sent: put it back and save it.
  try {
    var kept = JSON.parse(localStorage.getItem(key) || "null");
    if (kept && String(kept.version) === String(versionInput.value) && !same(kept.data, collect())) {
      FIELDS.forEach(function (name) {
        var el = form.elements[name];
        if (el && kept.data[name] !== undefined) el.value = kept.data[name];
      });
      Object.keys(kept.data.indicators || {}).forEach(function (id) {
        var el = form.elements["ind_" + id];
        if (el) el.value = kept.data.indicators[id];
      });
      show(msg("restored"), "ok");
      schedule();
    } else if (kept) {
      forget();
    }
  } catch (e) { forget(); }

  form.addEventListener("input", function (event) {
    if (!event.target.name || event.target.name === "version") return;
    store();
    schedule();
  });
  form.addEventListener("change", function () { store(); schedule(); });
  window.addEventListener("online", function () { if (!blocked) schedule(); });
})();

// The evidence pickers hide the browser's own file field: say which files are chosen.
(function () {
  "use strict";
  var upload = document.getElementById("evidence-upload");
  var picked = document.getElementById("evidence-picked");
  if (!upload || !picked) return;
  upload.addEventListener("change", function () {
    var names = [];
    Array.prototype.forEach.call(upload.querySelectorAll("input[type=file]"), function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { names.push(file.name); });
    });
    picked.textContent = names.length ? upload.dataset.msgPicked + names.join(upload.dataset.msgSeparator) + upload.dataset.msgTravels : "";
  });
})();
