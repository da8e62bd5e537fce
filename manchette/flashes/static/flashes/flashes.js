// flashes: the « FLASH INFO » banner. The cached page carries an empty banner; this
// fills it from /flashs/actifs.json and keeps it live through the page's stream.
(function () {
  "use strict";
  var banner = document.querySelector("[data-flash-banner]");
  if (!banner || !window.fetch) return;
  var list = banner.querySelector("[data-flash-list]");
  var DISMISSED_KEY = "manchette.flashes.dismissed";
  var flashes = {};

  function dismissed() {
    try { return JSON.parse(localStorage.getItem(DISMISSED_KEY) || "[]"); } catch (e) { return []; }
  }

  function dismiss(id) {
    var ids = dismissed().filter(function (x) { return x !== id; });
    ids.push(id);
    try { localStorage.setItem(DISMISSED_KEY, JSON.stringify(ids.slice(-100))); } catch (e) {}
    render();
  }

  function clock(iso) {
    var date = new Date(iso);
    var minutes = ("0" + date.getMinutes()).slice(-2);
    return date.getHours() + "\u00a0h\u00a0" + minutes;
  }

  function item(flash) {
    var li = document.createElement("li");
    li.className = "flash flash--" + flash.level;
    li.setAttribute("data-flash-id", flash.id);
    var time = document.createElement("time");
    time.className = "flash__time";
    time.dateTime = flash.published_at;
    time.textContent = clock(flash.published_at);
    li.appendChild(time);
    li.appendChild(document.createTextNode(" "));
    var text = document.createElement(flash.url ? "a" : "span");
    text.className = "flash__text";
    if (flash.url) text.href = flash.url;
    text.textContent = flash.text;
    li.appendChild(text);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "flash__dismiss";
    button.setAttribute("aria-label", "Masquer ce flash\u00a0: " + flash.text);
    button.textContent = "\u00d7";
    button.addEventListener("click", function () { dismiss(flash.id); });
    li.appendChild(button);
    return li;
  }

  function render() {
    var hidden = dismissed();
    var now = Date.now();
    var shown = Object.keys(flashes).map(function (k) { return flashes[k]; })
      .filter(function (f) {
        return hidden.indexOf(f.id) < 0 && (!f.expire_at || Date.parse(f.expire_at) > now);
      })
      .sort(function (a, b) { return Date.parse(b.published_at) - Date.parse(a.published_at) || b.id - a.id; });
    // Keep the nodes that did not change, so that screen readers announce only news.
    var existing = {};
    Array.prototype.forEach.call(list.children, function (li) { existing[li.getAttribute("data-flash-id")] = li; });
    var wanted = {};
    shown.forEach(function (flash, index) {
      var key = String(flash.id);
      var signature = JSON.stringify(flash);
      var li = existing[key];
      if (!li || li.getAttribute("data-signature") !== signature) {
        var fresh = item(flash);
        fresh.setAttribute("data-signature", signature);
        if (li) list.replaceChild(fresh, li);
        li = fresh;
      }
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
      wanted[key] = true;
    });
    Object.keys(existing).forEach(function (key) { if (!wanted[key]) existing[key].remove(); });
    banner.hidden = shown.length === 0;
  }

  function load() {
    return fetch(banner.getAttribute("data-active-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        flashes = {};
        state.flashes.forEach(function (f) { flashes[f.id] = f; });
        render();
        return state.last_event_id;
      });
  }

  var after = load().catch(function () { return 0; });
  setInterval(render, 30000);  // flashes leave at their end time, even offline
  if (window.ManchetteLive) {
    window.ManchetteLive.subscribe("flashes", function (envelope) {
      if (envelope.event === "flash") flashes[envelope.data.id] = envelope.data;
      if (envelope.event === "withdraw") delete flashes[envelope.data.id];
      render();
    }, { after: after, onReset: load });
  }
})();
