// Edition dashboard: refresh the sending figures while an edition is sending.
(function () {
  "use strict";
  var root = document.querySelector("[data-nl-progress-url]");
  if (!root) return;
  var url = root.getAttribute("data-nl-progress-url");
  var bar = document.getElementById("nl-progress-bar");
  var labels = { draft: "brouillon", scheduled: "programmée", sending: "en cours d’envoi", paused: "en pause", sent: "envoyée" };
  function show(data) {
    Object.keys(data).forEach(function (key) {
      var field = root.querySelector('[data-nl-field="' + key + '"]');
      if (!field) return;
      var value = data[key];
      if (key === "status") value = labels[value] || value;
      field.textContent = value === null ? "—" : String(value);
    });
    if (bar) { bar.max = data.total || 1; bar.value = data.sent; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        show(data);
        if (data.status === "sending" || data.status === "scheduled") setTimeout(poll, 2000);
        else if (root.getAttribute("data-nl-status") !== data.status) window.location.reload();
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (["sending", "scheduled"].indexOf(root.getAttribute("data-nl-status")) !== -1) setTimeout(poll, 1000);
})();
