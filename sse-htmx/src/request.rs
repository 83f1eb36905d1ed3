//! [`HxRequest`]: what htmx says about a request in its `HX-*` headers.

use http::header::{HeaderMap, HeaderName, HeaderValue, VARY};

/// `HX-Request`: `true` on every request htmx makes.
pub const HX_REQUEST: HeaderName = HeaderName::from_static("hx-request");
/// `HX-Boosted`: `true` for a boosted link or form.
pub const HX_BOOSTED: HeaderName = HeaderName::from_static("hx-boosted");
/// `HX-Trigger`: the id of the element that triggered the request.
pub const HX_TRIGGER: HeaderName = HeaderName::from_static("hx-trigger");
/// `HX-Trigger-Name`: the name of the element that triggered the request.
pub const HX_TRIGGER_NAME: HeaderName = HeaderName::from_static("hx-trigger-name");
/// `HX-Target`: the id of the target element.
pub const HX_TARGET: HeaderName = HeaderName::from_static("hx-target");
/// `HX-Current-URL`: the browser's current URL.
pub const HX_CURRENT_URL: HeaderName = HeaderName::from_static("hx-current-url");
/// `HX-History-Restore-Request`: `true` when restoring history after a cache miss.
pub const HX_HISTORY_RESTORE_REQUEST: HeaderName =
    HeaderName::from_static("hx-history-restore-request");
/// `HX-Prompt`: the user's answer to an `hx-prompt`.
pub const HX_PROMPT: HeaderName = HeaderName::from_static("hx-prompt");

/// What htmx said about a request. Plain data read from the headers; absent or unreadable
/// headers are `false` / `None` (a non-htmx request is just `HxRequest::default()`).
///
/// A handler serves the fragment to htmx and the full page otherwise; such a response
/// varies on `HX-Request`, so caches must know ([`vary_on_hx_request`]).
///
/// ```
/// use http::HeaderMap;
/// use ssekit_htmx::HxRequest;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("hx-request", "true".parse()?);
/// headers.insert("hx-target", "messages".parse()?);
/// let hx = HxRequest::from_headers(&headers);
/// assert!(hx.request && !hx.boosted);
/// assert_eq!(hx.target.as_deref(), Some("messages"));
/// assert!(!HxRequest::from_headers(&HeaderMap::new()).request);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HxRequest {
    /// Made by htmx (`HX-Request: true`): answer with a fragment.
    pub request: bool,
    /// A boosted link or form (`HX-Boosted`).
    pub boosted: bool,
    /// The triggering element's id (`HX-Trigger`).
    pub trigger: Option<String>,
    /// The triggering element's name (`HX-Trigger-Name`).
    pub trigger_name: Option<String>,
    /// The target element's id (`HX-Target`).
    pub target: Option<String>,
    /// The browser's current URL (`HX-Current-URL`).
    pub current_url: Option<String>,
    /// A history restore after a cache miss (`HX-History-Restore-Request`): answer with
    /// the full page.
    pub history_restore: bool,
    /// The answer to an `hx-prompt` (`HX-Prompt`).
    pub prompt: Option<String>,
}

impl HxRequest {
    /// Reads the `HX-*` headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let flag = |name: &HeaderName| headers.get(name).is_some_and(|v| v == "true");
        HxRequest {
            request: flag(&HX_REQUEST),
            boosted: flag(&HX_BOOSTED),
            trigger: text(&HX_TRIGGER),
            trigger_name: text(&HX_TRIGGER_NAME),
            target: text(&HX_TARGET),
            current_url: text(&HX_CURRENT_URL),
            history_restore: flag(&HX_HISTORY_RESTORE_REQUEST),
            prompt: text(&HX_PROMPT),
        }
    }

    /// Whether to answer with a fragment: an htmx request that is not a history restore.
    pub fn wants_fragment(&self) -> bool {
        self.request && !self.history_restore
    }
}

/// Adds `HX-Request` to the response's `Vary` header (keeping what is there), for a
/// response that differs for htmx and for a full page load.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert(http::header::VARY, "Accept-Encoding".parse()?);
/// ssekit_htmx::vary_on_hx_request(&mut headers);
/// ssekit_htmx::vary_on_hx_request(&mut headers); // once is enough
/// let vary: Vec<_> = headers.get_all(http::header::VARY).iter().collect();
/// assert_eq!(vary, ["Accept-Encoding", "HX-Request"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn vary_on_hx_request(headers: &mut HeaderMap) {
    let already = headers.get_all(VARY).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|name| name.trim().eq_ignore_ascii_case("hx-request"))
        })
    });
    if !already {
        headers.append(VARY, HeaderValue::from_static("HX-Request"));
    }
}

#[cfg(feature = "axum")]
mod axum_parts {
    use std::convert::Infallible;

    use axum_core::extract::FromRequestParts;
    use axum_core::response::{IntoResponseParts, ResponseParts};
    use http::request::Parts;

    use super::{HxRequest, vary_on_hx_request};

    /// Extracts the `HX-*` headers; never rejects.
    impl<S: Send + Sync> FromRequestParts<S> for HxRequest {
        type Rejection = Infallible;

        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
            Ok(HxRequest::from_headers(&parts.headers))
        }
    }

    /// A response part adding `Vary: HX-Request` ([`vary_on_hx_request`]).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct VaryHxRequest;

    impl IntoResponseParts for VaryHxRequest {
        type Error = Infallible;

        fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Infallible> {
            vary_on_hx_request(res.headers_mut());
            Ok(res)
        }
    }
}

#[cfg(feature = "axum")]
pub use axum_parts::VaryHxRequest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_header_and_ignores_unreadable_ones() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("hx-request", "true"),
            ("hx-boosted", "true"),
            ("hx-trigger", "save"),
            ("hx-trigger-name", "title"),
            ("hx-current-url", "http://localhost/todo"),
            ("hx-history-restore-request", "true"),
            ("hx-prompt", "yes"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        headers.insert(
            "hx-target",
            HeaderValue::from_bytes(b"\xFFbad").expect("obs-text"),
        );
        let hx = HxRequest::from_headers(&headers);
        assert!(hx.request && hx.boosted && hx.history_restore);
        assert!(
            !hx.wants_fragment(),
            "a history restore needs the whole page"
        );
        assert_eq!(hx.trigger.as_deref(), Some("save"));
        assert_eq!(hx.trigger_name.as_deref(), Some("title"));
        assert_eq!(hx.target, None);
        assert_eq!(hx.current_url.as_deref(), Some("http://localhost/todo"));
        assert_eq!(hx.prompt.as_deref(), Some("yes"));
        headers.insert("hx-request", HeaderValue::from_static("false"));
        assert!(!HxRequest::from_headers(&headers).request);
    }
}
