//! The page shell every page shares: the vendored htmx scripts, the stylesheet
//! (`assets/demo.css`), the menu, and the reload on a reset event.

use axum::response::Html;
use ssekit_htmx::{LiveRegion, escape};

use crate::catalogue::RESET;

/// The pages, for the menu: path and title.
const PAGES: [(&str, &str); 6] = [
    ("/notifications", "Notifications"),
    ("/chat/lobby", "Chat"),
    ("/progress", "Progress"),
    ("/dashboard", "Dashboard"),
    ("/todo", "Todo"),
    ("/connections", "Connections"),
];

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> Html<String> {
    let menu: String = PAGES
        .iter()
        .map(|(path, name)| {
            let current = if *name == title || title.starts_with(&format!("{name}:")) {
                r#" aria-current="page""#
            } else {
                ""
            };
            format!(r#"<a href="{path}"{current}>{name}</a>"#)
        })
        .collect();
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · sse-demo</title>
<link rel="stylesheet" href="/assets/demo.css">
<script src="/assets/htmx.min.js"></script>
<script src="/assets/sse.js"></script>
<script src="/assets/sse-live.js"></script>
<script src="/assets/demo.js"></script>
</head>
<body data-reset-event="{reset}">
<header><nav><a href="/">Home</a>{menu}</nav></header>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
        reset = RESET.name(),
    ))
}

/// The element that connects to `channel`, resuming after `last_event_id` (the hub's
/// latest id when the page was rendered, so no event falls between the page and the
/// stream), with `inner` inside; it also listens for reset events. ssekit-htmx's
/// `LiveRegion`, kept right by `/assets/sse-live.js` across reconnects and the
/// back/forward cache.
pub fn live(channel: &str, last_event_id: &str, inner: &str) -> String {
    let reset = format!("<template {}></template>", RESET.sse_swap());
    LiveRegion::new(channel, last_event_id).wrap(&format!("\n{reset}\n{inner}\n"))
}
