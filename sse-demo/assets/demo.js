// The demo's one script of its own (htmx, its SSE extension and ssekit-htmx's sse-live.js do
// the rest). A reset event means the missed events are gone: start again from a fresh
// page. The event's name comes from the page (`data-reset-event` on <body>), so it is
// written in one place: the catalogue.
document.addEventListener("htmx:sseBeforeMessage", function (e) {
  if (e.detail.type === document.body.dataset.resetEvent) location.reload();
});
