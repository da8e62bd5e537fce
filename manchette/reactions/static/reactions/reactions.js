// reactions: progressive enhancement; the page works without it.
// - reactions under an article: counts and "my reaction" fetched from the uncached
//   etat.json (the page itself is cached for everyone), reactions posted inline;
// - share links: copy the link, the Web Share API, Mastodon's instance remembered.
(function () {
  "use strict";

  var MASTODON_KEY = "manchette:mastodon-instance";
  var HOSTNAME = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  // Reactions ------------------------------------------------------------------
  function Reactions(block) {
    this.block = block;
    this.form = block.querySelector("form");
    this.status = block.querySelector(".reactions__status");
    this.total = block.querySelector(".reactions__total");
    this.remove = block.querySelector(".reactions__remove");
    this.resultsLink = block.querySelector(".reactions__results-link");
    this.showResults = block.classList.contains("reactions--results");
    this.busy = false;
    this.form.addEventListener("submit", this.onSubmit.bind(this));
    if (this.resultsLink) {
      this.resultsLink.addEventListener("click", this.onShowResults.bind(this));
    }
    this.load();
  }

  Reactions.prototype.request = function (options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    // getAttribute: the form holds a button named "action", which shadows form.action.
    return fetch(options.url || this.form.getAttribute("action"), options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "Une erreur est survenue. Réessayez.");
        }
        return data;
      });
    });
  };

  Reactions.prototype.load = function () {
    var self = this;
    this.request({ url: this.block.getAttribute("data-state-url") })
      .then(function (state) { self.render(state, false); })
      .catch(function () { /* the buttons still work as a plain form */ });
  };

  Reactions.prototype.onShowResults = function (event) {
    if (!event.target.closest("a")) { return; }
    event.preventDefault();
    this.showResults = true;
    if (this.state) { this.render(this.state, false); }
  };

  Reactions.prototype.render = function (state, announce) {
    this.state = state;
    var visible = this.showResults || Boolean(state.mine);
    var byKind = {};
    state.kinds.forEach(function (kind) { byKind[kind.slug] = kind; });
    this.block.querySelectorAll("[data-kind]").forEach(function (item) {
      var kind = byKind[item.getAttribute("data-kind")] || { count: 0, percent: 0 };
      var mine = state.mine === item.getAttribute("data-kind");
      item.classList.toggle("reaction--mine", mine);
      item.querySelector("button").setAttribute("aria-pressed", mine ? "true" : "false");
      var result = item.querySelector(".reaction__result");
      result.hidden = !visible;
      item.querySelector(".reaction__fill").style.width = kind.percent + "%";
      item.querySelector(".reaction__percent").textContent = kind.percent + "\u00a0%";
      item.querySelector(".reaction__count").textContent = "(" + kind.count + ")";
    });
    if (this.total) {
      var template = state.total === 1 ? this.total.getAttribute("data-one") : this.total.getAttribute("data-many");
      this.total.textContent = (template || "%s").replace("%s", state.total);
      this.total.hidden = !visible;
    }
    if (this.remove) { this.remove.hidden = !state.mine; }
    if (this.resultsLink) { this.resultsLink.hidden = visible; }
    if (announce) {
      this.say(state.mine ? this.block.getAttribute("data-saved") : this.block.getAttribute("data-removed"));
    }
  };

  Reactions.prototype.say = function (message, isError) {
    this.status.textContent = message || "";
    this.status.classList.toggle("reactions__status--error", Boolean(isError));
  };

  Reactions.prototype.onSubmit = function (event) {
    var button = event.submitter;
    if (!button || !window.fetch) { return; } // the plain form goes on
    event.preventDefault();
    if (this.busy) { return; }
    var body = new URLSearchParams();
    var removing = button.name === "action" || button.getAttribute("aria-pressed") === "true";
    if (removing) {
      body.set("action", "remove");
    } else {
      body.set("kind", button.value);
    }
    // Instant feedback; the server's answer then gives the exact counts.
    this.block.querySelectorAll(".reaction__button").forEach(function (other) {
      other.setAttribute("aria-pressed", !removing && other === button ? "true" : "false");
    });
    var self = this;
    this.busy = true;
    this.block.setAttribute("aria-busy", "true");
    this.request({
      method: "POST",
      body: body,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    })
      .then(function (state) { self.render(state, true); })
      .catch(function (error) {
        self.say(error.message, true);
        if (self.state) { self.render(self.state, false); }
      })
      .then(function () {
        self.busy = false;
        self.block.removeAttribute("aria-busy");
      });
  };

  // Sharing -----------------------------------------------------------------------
  function mastodonHost(value) {
    var text = (value || "").trim().toLowerCase().replace(/^https?:\/\//, "");
    text = text.split("/")[0];
    if (text.indexOf("@") !== -1) { text = text.slice(text.lastIndexOf("@") + 1); }
    return HOSTNAME.test(text) ? text : null;
  }

  function Share(nav) {
    var url = nav.getAttribute("data-share-url");
    var title = nav.getAttribute("data-share-title");
    var status = nav.querySelector("[data-share-status]");
    var copy = nav.querySelector("[data-share-copy]");
    var native = nav.querySelector("[data-share-native]");
    if (navigator.clipboard && window.isSecureContext !== false && copy) {
      copy.closest("li").hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(function () {
          status.textContent = nav.getAttribute("data-copied");
          copy.classList.add("share__button--done");
          window.setTimeout(function () { copy.classList.remove("share__button--done"); }, 2000);
        }, function () {
          status.textContent = nav.getAttribute("data-copy-failed");
        });
      });
    }
    if (navigator.share && native) {
      native.closest("li").hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () { /* dismissed */ });
      });
    }
    var mastodon = nav.querySelector("[data-share-mastodon]");
    if (mastodon) {
      mastodon.addEventListener("click", function (event) {
        var host = mastodonHost(storageGet(MASTODON_KEY));
        if (!host) { return; } // the small page asks for the instance
        event.preventDefault();
        var text = mastodon.getAttribute("data-share-text");
        window.open("https://" + host + "/share?text=" + encodeURIComponent(text), "_blank", "noopener");
      });
    }
  }

  function MastodonForm(form) {
    var input = form.querySelector("input[name=instance]");
    var stored = mastodonHost(storageGet(MASTODON_KEY));
    if (stored && !input.value) { input.value = stored; }
    form.addEventListener("submit", function (event) {
      var host = mastodonHost(input.value);
      if (!host) { return; } // the server explains what is wrong
      event.preventDefault();
      storageSet(MASTODON_KEY, host);
      var text = form.getAttribute("data-share-text");
      window.location.assign("https://" + host + "/share?text=" + encodeURIComponent(text));
    });
  }

  function start() {
    if (window.fetch) {
      document.querySelectorAll("[data-reactions]").forEach(function (block) { new Reactions(block); });
    }
    document.querySelectorAll("[data-share]").forEach(function (nav) { new Share(nav); });
    document.querySelectorAll("[data-mastodon-form]").forEach(function (form) { new MastodonForm(form); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
