/* Count this page view: one small request, no cookie, no identifier. Only the
   referring site's domain is sent, never its full address. */
(function () {
  "use strict";
  var marker = document.querySelector("[data-audience-article]");
  if (!marker || marker.dataset.counted) return;
  marker.dataset.counted = "1";
  var referrer = "";
  try { referrer = document.referrer ? new URL(document.referrer).hostname : ""; } catch (e) { referrer = ""; }
  var data = new FormData();
  data.append("a", marker.dataset.audienceArticle);
  data.append("r", referrer);
  if (navigator.sendBeacon && navigator.sendBeacon(marker.dataset.audienceUrl, data)) return;
  if (window.fetch) fetch(marker.dataset.audienceUrl, { method: "POST", body: data, credentials: "omit", keepalive: true });
})();
