// Polls the status of bulletins being generated and updates their row; reloads the
// page when one finishes so the download links appear.
(function () {
  "use strict";
  var rows = document.querySelectorAll("tr[data-bulletin]");
  var pending = Array.prototype.filter.call(rows, function (row) {
    return row.dataset.state === "queued" || row.dataset.state === "running";
  });
  if (!pending.length) return;

  function update(row, data) {
    var bar = row.querySelector(".bar");
    var progress = row.querySelector(".progress");
    var message = row.querySelector(".message");
    if (bar) bar.style.width = data.progress + "%";
    if (progress) progress.setAttribute("aria-valuenow", data.progress);
    if (message) message.textContent = data.message;
    var badge = row.querySelector(".badge");
    if (badge) badge.textContent = data.state_label;
  }

  function poll() {
    var still = [];
    var requests = pending.map(function (row) {
      return fetch(row.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          update(row, data);
          if (data.state === "queued" || data.state === "running") still.push(row);
          else row.dataset.state = data.state;
        });
    });
    Promise.all(requests).then(function () {
      if (still.length < pending.length) { window.location.reload(); return; }
      pending = still;
      if (pending.length) window.setTimeout(poll, 1500);
    });
  }
  window.setTimeout(poll, 1000);
})();
