// newsletter: progressive enhancement; the page works without it.
// The sign-up forms answer in place instead of leaving the page.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-nl-form]") || !window.fetch) return;
    event.preventDefault();
    var status = form.querySelector("[data-nl-status]");
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (status) status.textContent = data.ok ? data.message : (data.errors || []).join(" ");
        if (data.ok) form.reset();
      })
      .catch(function () { form.submit(); })
      .then(function () { if (button) button.disabled = false; });
  });
})();
