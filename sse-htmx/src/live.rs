//! [`LiveRegion`]: the element of a page that htmx's SSE extension keeps live, and
//! [`LIVE_SCRIPT`], the small script that keeps it right across reconnects and the
//! back/forward cache.

use std::fmt;

use crate::escape;

/// The query parameter that carries the first connection's resume point:
/// `?last_event_id=…`. A reconnecting browser sends `Last-Event-ID`, which should win.
pub const LAST_EVENT_ID_PARAM: &str = "last_event_id";

/// The script live regions need, served as JavaScript (e.g. at `/assets/sse-live.js`) and
/// loaded after htmx and htmx-ext-sse: no build step, nothing else to install.
///
/// What it does (each tested in a real Chromium by the demo):
/// - **The resume id follows the stream**: the region's `sse-connect` carries the id of the
///   last event received, so an EventSource that the extension makes anew (after an HTTP
///   error: a proxy's 502 during a deploy, a 503) resumes there, never from the id the
///   page was rendered with. Nothing is replayed twice.
/// - **The back/forward cache**: a page left behind closes its streams (`pagehide`); shown
///   again, it reconnects from its last event. One tab holds one stream per visible page.
/// - **A status** on the region, `data-sse-state`: `connecting`, `connected`,
///   `reconnecting`, `closed`.
/// - **Quiet reconnects**: htmx logs each error event of the extension as the line
///   `[object Event]`, an expected reconnect included; that one line is dropped from the
///   console (the browser's own report of the network error stays).
pub const LIVE_SCRIPT: &str = include_str!("../assets/sse-live.js");

/// The response that serves [`LIVE_SCRIPT`], for any `http` stack (an axum handler can
/// return it as it is): `application/javascript`, cacheable for a day.
pub fn live_script_response() -> http::Response<String> {
    let mut response = http::Response::new(LIVE_SCRIPT.to_owned());
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/javascript; charset=utf-8"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// The attributes of an element kept live by htmx's SSE extension: `hx-ext="sse"`,
/// `sse-connect` to the page's event stream starting after `last_event_id` (the latest
/// id when the page was rendered: no event falls between the page and its stream), and
/// `data-sse-live` for [`LIVE_SCRIPT`].
///
/// Its `Display` writes the attributes, for any template (`format!`, maud, askama);
/// [`wrap`](Self::wrap) writes the whole element.
///
/// ```
/// use ssekit_htmx::LiveRegion;
///
/// let region = LiveRegion::new("/events/chat/lobby", "0000000000000abc-41");
/// assert_eq!(
///     region.wrap("<ul id=\"messages\"></ul>"),
///     "<div hx-ext=\"sse\" sse-connect=\"/events/chat/lobby?last_event_id=0000000000000abc-41\" \
///      data-sse-live data-sse-state=\"connecting\"><ul id=\"messages\"></ul></div>"
/// );
/// let tag = format!("<section id=\"feed\" {region}>");
/// assert!(tag.contains("data-sse-live"));
/// ```
///
/// What a page with a live region (and [`LIVE_SCRIPT`]) does on each failure:
///
/// | the server, or a proxy in front of it, ... | the page |
/// |---|---|
/// | drops the connection (a restart, a network blip, ssekit-hub cutting a slow tab off) | the browser reconnects after the `retry` time the stream sent (3 s if none; `ssekit_hub::Config::with_retry`) with `Last-Event-ID`, and gets exactly what it missed |
/// | answers 502, 503 or any other error (a proxy during a deploy, a closed hub's 503) | the EventSource closes; htmx-ext-sse makes a new one after 0.5 s, then 1, 2, 4 ... up to 64 s, from the region's `sse-connect`: after the last event received |
/// | answers 204 | htmx-ext-sse retries it like an error; to stop a region for good, send the event its `sse-close` attribute names |
/// | sends a reset event (ssekit-hub: the id cannot be resumed) | whatever the page does with it; the demo reloads |
///
/// Fragments appended with `beforeend` are not idempotent: an event received twice would
/// be appended twice. The resume id makes that impossible with ssekit-hub; where events may
/// come twice anyway, give each fragment an `id` and swap it out of band by id
/// (`hx-swap-oob="true"`, [`Oob::by_id`](crate::Oob::by_id)): a second copy then replaces
/// the first.
#[derive(Debug, Clone, Copy)]
pub struct LiveRegion<'a> {
    events_url: &'a str,
    last_event_id: &'a str,
}

impl<'a> LiveRegion<'a> {
    /// A region connected to `events_url`, resuming after `last_event_id` (empty: from
    /// the next event).
    pub fn new(events_url: &'a str, last_event_id: &'a str) -> Self {
        LiveRegion {
            events_url,
            last_event_id,
        }
    }

    /// The element, a `div`, with `inner` inside.
    pub fn wrap(&self, inner: &str) -> String {
        format!("<div {self}>{inner}</div>")
    }
}

impl fmt::Display for LiveRegion<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            r#"hx-ext="sse" sse-connect="{}"#,
            escape(self.events_url)
        )?;
        if !self.last_event_id.is_empty() {
            let join = if self.events_url.contains('?') {
                "&amp;"
            } else {
                "?"
            };
            write!(f, "{join}{LAST_EVENT_ID_PARAM}=")?;
            for byte in self.last_event_id.bytes() {
                if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                    write!(f, "{}", char::from(byte))?;
                } else {
                    write!(f, "%{byte:02X}")?;
                }
            }
        }
        f.write_str(r#"" data-sse-live data-sse-state="connecting""#)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_id_is_a_query_parameter_encoded_for_a_url_and_an_attribute() {
        let region = LiveRegion::new("/events?room=a&b", "a b\"<&é");
        assert_eq!(
            region.to_string(),
            "hx-ext=\"sse\" sse-connect=\"/events?room=a&amp;b&amp;last_event_id=a%20b%22%3C%26%C3%A9\" \
             data-sse-live data-sse-state=\"connecting\""
        );
        let fresh = LiveRegion::new("/events/todo", "");
        assert!(fresh.to_string().contains("sse-connect=\"/events/todo\""));
    }

    #[test]
    fn the_script_is_served_as_javascript() {
        let response = live_script_response();
        assert_eq!(
            response.headers()[http::header::CONTENT_TYPE],
            "application/javascript; charset=utf-8"
        );
        assert!(response.body().contains("last_event_id"));
        assert!(response.body().contains("pagehide"));
    }
}
