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
    }
  };
  // Deferred scripts have all run (and subscribed) when DOMContentLoaded fires.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    setTimeout(start, 0);
  }
})();
