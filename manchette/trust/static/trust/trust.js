/* Trust: « Signaler une erreur » sent without leaving the page, the passage taken
   from the reader's selection; external embeds loaded only after consent. Everything
   works without this file (plain form POST; a link to the external content). */
(function () {
  "use strict";

  // Signaler une erreur ---------------------------------------------------------------
  var lastSelection = "";
  document.addEventListener("selectionchange", function () {
    var selection = document.getSelection();
    var text = selection ? String(selection).trim() : "";
    var body = document.querySelector(".article__body");
    if (text && body && selection.anchorNode && body.contains(selection.anchorNode)) {
      lastSelection = text.slice(0, 1000);
    }
  });

  document.querySelectorAll("details.trust-report").forEach(function (details) {
    details.addEventListener("toggle", function () {
      var passage = details.querySelector("textarea[name=passage]");
      if (details.open && passage && !passage.value && lastSelection) {
        passage.value = lastSelection;
      }
    });
  });

  document.querySelectorAll("form[data-trust-report]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) return;
      event.preventDefault();
      var status = form.querySelector(".trust-report__status");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.ok) {
            form.querySelectorAll("p:not(.trust-report__status)").forEach(function (p) { p.hidden = true; });
            status.textContent = data.message;
          } else {
            status.textContent = (data.errors || []).join(" ");
            button.disabled = false;
          }
        })
        .catch(function () {
          // The network failed: send the form the ordinary way.
          form.submit();
        });
    });
  });

  // Contenus externes : rien n'est chargé avant l'accord -----------------------------------
  var COOKIE = "manchette_consentement";
  var SIX_MONTHS = 183 * 24 * 3600;

  function choice() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]*)"));
    return match ? match[1] : "";
  }

  function remember(value) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = COOKIE + "=" + value + "; Max-Age=" + SIX_MONTHS + "; Path=/; SameSite=Lax" + secure;
  }

  function load(figure) {
    var template = figure.querySelector("template.trust-embed__content");
    var placeholder = figure.querySelector(".trust-embed__placeholder");
    if (!template) return;
    figure.appendChild(template.content.cloneNode(true));
    template.remove();
    if (placeholder) placeholder.remove();
    figure.classList.add("trust-embed--loaded");
  }

  function refuse(figure) {
    var choices = figure.querySelector(".trust-embed__choices");
    var text = figure.querySelector(".trust-embed__text");
    // The reader may still change their mind: « Accepter » stays.
    if (choices) choices.querySelector(".trust-embed__refuse").hidden = true;
    if (text) text.classList.add("trust-embed__text--refused");
    figure.classList.add("trust-embed--refused");
  }

  var figures = document.querySelectorAll("figure[data-trust-embed]");
  figures.forEach(function (figure) {
    var choices = figure.querySelector(".trust-embed__choices");
    if (choices) choices.hidden = false;
    if (choice() === "accepte") {
      load(figure);
      return;
    }
    if (choice() === "refuse") refuse(figure);
    figure.addEventListener("click", function (event) {
      var button = event.target.closest("[data-trust-consent]");
      if (!button) return;
      var value = button.getAttribute("data-trust-consent");
      remember(value);
      document.querySelectorAll("figure[data-trust-embed]").forEach(function (other) {
        if (value === "accepte") load(other); else refuse(other);
      });
    });
  });
})();
