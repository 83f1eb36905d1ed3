// sse-live.js, from the ssekit-htmx crate: what a live region (ssekit_htmx::LiveRegion) needs on
// top of htmx 2 and htmx-ext-sse 2. Load it after both. No build step, no dependency.
//
// 1. The resume id follows the stream. After each event, the region's `sse-connect` URL
//    carries the id of the last event received (`last_event_id=`). When the extension has
//    to make a new EventSource (after an HTTP error such as a proxy's 502, or its own
//    503), it resumes there: never from the id the page was rendered with, so nothing is
//    replayed twice.
// 2. The back/forward cache. A page left behind closes its streams (`pagehide`), so a tab
//    holds one stream per visible page; shown again from the cache (`pageshow`), it
//    reconnects the way the extension does after an error, from its last event.
// 3. A status. `data-sse-state` on the region: `connecting`, `connected`, `reconnecting`
//    or `closed`, for CSS (`[data-sse-state=reconnecting] { opacity: .6 }`).
// 4. Quiet reconnects. htmx logs every error event of the extension as the one line
//    "[object Event]", an expected reconnect included; that line alone is dropped (the
//    browser itself still reports what went wrong on the network).
(function () {
  "use strict";
  var LIVE = "[data-sse-live]";

  var consoleError = console.error;
  console.error = function () {
    if (arguments.length === 1 && arguments[0] === "[object Event]") {
      return;
    }
    return consoleError.apply(console, arguments);
  };

  function regionOf(node) {
    return node && node.closest ? node.closest(LIVE) : null;
  }

  // The EventSource htmx-ext-sse keeps for a region (htmx's internal data).
  function sourceOf(region) {
    var data = region["htmx-internal-data"];
    return data ? data.sseEventSource : null;
  }

  function setState(region, state) {
    if (region.getAttribute("data-sse-state") !== state) {
      region.setAttribute("data-sse-state", state);
    }
  }

  function follow(region, id) {
    var url = new URL(region.getAttribute("sse-connect"), document.baseURI);
    if (url.searchParams.get("last_event_id") === id) {
      return;
    }
    url.searchParams.set("last_event_id", id);
    region.setAttribute("sse-connect", url.pathname + url.search);
  }

  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    var region = regionOf(e.target);
    if (region && e.detail && e.detail.lastEventId) {
      follow(region, e.detail.lastEventId);
    }
  });
  document.addEventListener("htmx:sseOpen", function (e) {
    var region = regionOf(e.target);
    if (region) setState(region, "connected");
  });
  document.addEventListener("htmx:sseError", function (e) {
    var region = regionOf(e.target);
    if (region) setState(region, "reconnecting");
  });
  document.addEventListener("htmx:sseClose", function (e) {
    var region = regionOf(e.target);
    if (region) setState(region, "closed");
  });

  window.addEventListener("pagehide", function () {
    document.querySelectorAll(LIVE).forEach(function (region) {
      var source = sourceOf(region);
      if (source) source.close();
      setState(region, "closed");
    });
  });

  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    document.querySelectorAll(LIVE).forEach(function (region) {
      var source = sourceOf(region);
      // The extension's own error handler reconnects a closed source from the region's
      // `sse-connect` (now the last event's id) and registers its listeners again.
      if (source && typeof source.onerror === "function") {
        setState(region, "connecting");
        source.onerror(new Event("error"));
      }
    });
  });
})();
