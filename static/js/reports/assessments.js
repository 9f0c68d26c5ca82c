// Polls a round whose scores are being computed, and the result notices being
// generated; reloads the page when one finishes so the scores or the file appear.
(function () {
  "use strict";
  var watched = [];
  var round = document.getElementById("round-status");
  if (round && (round.dataset.state === "queued" || round.dataset.state === "running")) watched.push(round);
  document.querySelectorAll("tr[data-notice]").forEach(function (row) {
    if (row.dataset.state === "queued" || row.dataset.state === "running") watched.push(row);
  });
  if (!watched.length) return;

  function poll() {
    var requests = watched.map(function (el) {
      return fetch(el.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return false;
          var message = el.querySelector(".message, .compute");
          if (message) message.textContent = data.message || data.state_label;
          return data.state !== "queued" && data.state !== "running";
        });
    });
    Promise.all(requests).then(function (finished) {
      if (finished.some(Boolean)) { window.location.reload(); return; }
      window.setTimeout(poll, 1500);
    });
  }
  window.setTimeout(poll, 1000);
})();
