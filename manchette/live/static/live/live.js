// live: ONE event stream per page for every live channel the page's scripts ask
// for (the banner's flashes, an article's live blog, its comments). Progressive
// enhancement: without it, pages show what they were built with.
//
//   window.ManchetteLive.subscribe(channel, onEvent, {after, onReset})
//     onEvent({id, channel, event, data}); `after` (a number or a Promise of one):
//     the last event id the caller's content already includes; onReset(): the
//     reader was away too long, reload your state.
(function () {
  "use strict";
  var subscriptions = [];
  var source = null;
  var lastId = 0;
  var retryDelay = 1000;
  var pollTimer = null;
  var reconnectTimer = null;
  var started = false;
  var domReady = false;  // DOMContentLoaded (or "load") has come

  function channelsPath() {
    var names = [];
    subscriptions.forEach(function (s) {
      if (names.indexOf(s.channel) < 0) names.push(s.channel);
    });
    return "/live/" + names.sort().join(",") + "/";
  }

  function dispatch(envelope) {
    if (envelope.event === "reset" && envelope.id === null) {
      subscriptions.forEach(function (s) { if (s.onReset) s.onReset(); });
      return;
    }
    if (envelope.id > lastId) lastId = envelope.id;
    subscriptions.forEach(function (s) {
      if (s.channel !== envelope.channel || envelope.id <= s.after) return;
      if (s.seen[envelope.id]) return;  // a replay after a reconnection
      s.seen[envelope.id] = true;
      try { s.onEvent(envelope); } catch (error) { window.console && console.error(error); }
    });
  }

  function poll() {
    pollTimer = null;
    fetch(channelsPath() + "poll?after=" + lastId, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (page) {
        if (page.reset) dispatch({ id: null, event: "reset" });
        page.events.forEach(dispatch);
        if (page.last_id > lastId) lastId = page.last_id;
      })
      .catch(function () {})
      .then(function () { if (!source) pollTimer = setTimeout(poll, 5000); });
  }

  function reconnectSoon() {
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function connect() {
    if (source) source.close();
    source = null;
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(channelsPath() + "?after=" + lastId);
    source.onopen = function () { retryDelay = 1000; };
    source.onmessage = function (message) {
      try { dispatch(JSON.parse(message.data)); } catch (error) {}
    };
    source.onerror = function () {
      // The browser retries by itself while the stream is CONNECTING; once CLOSED
      // (an error status, a network it gave up on), poll meanwhile and retry later.
      if (source && source.readyState === 2) {
        source = null;
        if (!pollTimer) poll();
        reconnectSoon();
      }
    };
  }

  function start() {
    if (started || !subscriptions.length) return;
    started = true;
    Promise.all(subscriptions.map(function (s) { return Promise.resolve(s.after); }))
      .then(function (afters) {
        afters.forEach(function (after, index) {
          subscriptions[index].after = Number(after) || 0;
        });
        lastId = Math.min.apply(null, afters.map(function (a) { return Number(a) || 0; }));
        connect();
      });
  }

  window.addEventListener("online", function () {
    if (started && (!source || source.readyState === 2)) connect();
  });

  window.ManchetteLive = {
    subscribe: function (channel, onEvent, options) {
      options = options || {};
      subscriptions.push({
        channel: channel,
        onEvent: onEvent,
        onReset: options.onReset,
        after: options.after || 0,
        seen: {}
      });
      if (started) { started = false; start(); }  // a late subscriber: one new stream
      else if (domReady) start();  // the first one, from a script added afterwards
    }
  };
  // Deferred scripts have all run (and subscribed) when DOMContentLoaded fires: wait
  // for it. This script is deferred too, so it runs while readyState is already
  // "interactive"; starting on a timer instead raced the scripts after it that were
  // still downloading (flashes.js), found no subscriber, and the page never opened
  // its stream. A script run after DOMContentLoaded (async, added later) starts at
  // "load"; a subscriber that comes after that starts the stream itself.
  function ready() {
    if (domReady) return;
    domReady = true;
    start();
  }
  if (document.readyState === "complete") {
    ready();
  } else {
    document.addEventListener("DOMContentLoaded", ready);
    window.addEventListener("load", ready);
  }
})();

// The live blog (« EN DIRECT »): new entries at the top within a second; a reader who
// has scrolled down gets a « N nouvelles entrées » button instead of a jumping page.
(function () {
  "use strict";
  var blog = document.querySelector("[data-live-blog]");
  if (!blog || !window.ManchetteLive) return;
  var list = blog.querySelector("[data-live-entries]");
  var newWrap = blog.querySelector("[data-live-new-wrap]");
  var newButton = blog.querySelector("[data-live-new]");
  var essentials = blog.querySelector("[data-live-essentials]");
  var essentialsList = blog.querySelector("[data-live-essentials-list]");
  var ended = blog.querySelector("[data-live-ended]");
  var waiting = [];

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();  // rendered and escaped by our own template
    return template.content.firstElementChild;
  }

  function readerIsAtTop() {
    return list.getBoundingClientRect().top > -40;
  }

  function showWaiting() {
    newWrap.hidden = waiting.length === 0;
    newButton.textContent = waiting.length === 1 ? "1 nouvelle entrée" : waiting.length + " nouvelles entrées";
  }

  function insert(node) {
    var empty = list.querySelector("[data-live-empty]");
    if (empty) empty.remove();
    list.insertBefore(node, list.firstElementChild);
  }

  function setEssential(data) {
    var existing = essentialsList.querySelector('[data-entry-id="' + data.id + '"]');
    if (existing) existing.remove();
    if (data.pinned && data.summary) {
      var li = document.createElement("li");
      li.setAttribute("data-entry-id", data.id);
      var link = document.createElement("a");
      link.href = "#entree-" + data.id;
      link.textContent = data.summary;
      li.appendChild(link);
      essentialsList.insertBefore(li, essentialsList.firstElementChild);
    }
    essentials.hidden = essentialsList.children.length === 0;
  }

  newButton.addEventListener("click", function () {
    waiting.splice(0).reverse().forEach(function (node) { insert(node); });
    showWaiting();
    list.firstElementChild.scrollIntoView({ block: "start" });
  });

  window.ManchetteLive.subscribe(blog.getAttribute("data-channel"), function (envelope) {
    var data = envelope.data;
    var current = document.getElementById("entree-" + data.id);
    if (envelope.event === "status") {
      ended.hidden = data.status !== "ended";
      return;
    }
    if (envelope.event === "entry-delete") {
      if (current) current.remove();
      waiting = waiting.filter(function (n) { return n.getAttribute("data-entry-id") !== String(data.id); });
      showWaiting();
      setEssential({ id: data.id, pinned: false });
      return;
    }
    var node = fromHtml(data.html);
    setEssential(data);
    if (current) { current.replaceWith(node); return; }
    if (readerIsAtTop()) { insert(node); } else { waiting.push(node); showWaiting(); }
  }, { after: Number(blog.getAttribute("data-after")) || 0 });
})();
