//! [`HxResponse`]: the `HX-*` response headers, checked as they are set; and [`Trigger`]
//! for `HX-Trigger`.

use std::fmt;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::swap::Swap;

/// Why a header value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    header: &'static str,
    reason: &'static str,
}

impl HeaderError {
    /// The header it was for.
    pub fn header(&self) -> &'static str {
        self.header
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} value: {}", self.header, self.reason)
    }
}

impl std::error::Error for HeaderError {}

/// `value` as a header value: visible ASCII and spaces only (percent-encode URLs first).
fn value(header: &'static str, value: &str) -> Result<HeaderValue, HeaderError> {
    if value.is_empty() {
        return Err(HeaderError {
            header,
            reason: "empty",
        });
    }
    if !value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Err(HeaderError {
            header,
            reason: "only visible ASCII and spaces (percent-encode URLs, escape JSON)",
        });
    }
    HeaderValue::from_str(value).map_err(|_| HeaderError {
        header,
        reason: "not a header value",
    })
}

/// JSON with every non-ASCII character written as `\uXXXX`, so it is a valid header value.
fn ascii_json(json: &Value) -> String {
    let mut out = String::new();
    for c in json.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// When htmx fires the events of an `HX-Trigger` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Timing {
    #[default]
    Received,
    AfterSwap,
    AfterSettle,
}

/// Client-side events for htmx to fire: `HX-Trigger` (as soon as the response arrives),
/// `HX-Trigger-After-Swap` or `HX-Trigger-After-Settle`. Names only give
/// `HX-Trigger: a, b`; any detail gives the JSON form.
///
/// ```
/// use serde_json::json;
/// use ssekit_htmx::{HxResponse, Trigger};
///
/// let plain = Trigger::new().with_event("saved")?.with_event("refresh-list")?;
/// let detailed = Trigger::new()
///     .with_detail("showMessage", json!({"level": "info", "text": "Enregistré ✓"}))?
///     .after_settle();
/// let headers = HxResponse::new().with_trigger(plain)?.with_trigger(detailed)?.into_headers();
/// assert_eq!(headers["hx-trigger"], "saved, refresh-list");
/// assert_eq!(
///     headers["hx-trigger-after-settle"],
///     r#"{"showMessage":{"level":"info","text":"Enregistr\u00e9 \u2713"}}"#
/// );
/// # Ok::<(), ssekit_htmx::HeaderError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trigger {
    timing: Timing,
    events: Vec<(String, Option<Value>)>,
}

impl Trigger {
    /// No events yet, fired as soon as the response arrives.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires event `name`.
    ///
    /// # Errors
    ///
    /// When the name is empty or holds a comma, a quote or anything but visible ASCII.
    pub fn with_event(self, name: impl Into<String>) -> Result<Self, HeaderError> {
        self.with(name.into(), None)
    }

    /// Fires event `name` with `detail` (the event's `detail` in the page).
    ///
    /// # Errors
    ///
    /// As [`with_event`](Self::with_event).
    pub fn with_detail(self, name: impl Into<String>, detail: Value) -> Result<Self, HeaderError> {
        self.with(name.into(), Some(detail))
    }

    fn with(mut self, name: String, detail: Option<Value>) -> Result<Self, HeaderError> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b',' && b != b'"')
        {
            return Err(HeaderError {
                header: "HX-Trigger",
                reason: "event names are visible ASCII, without commas or quotes",
            });
        }
        self.events.push((name, detail));
        Ok(self)
    }

    /// Fires the events after htmx swapped the content in (`HX-Trigger-After-Swap`).
    pub fn after_swap(mut self) -> Self {
        self.timing = Timing::AfterSwap;
        self
    }

    /// Fires the events after the settle step (`HX-Trigger-After-Settle`).
    pub fn after_settle(mut self) -> Self {
        self.timing = Timing::AfterSettle;
        self
    }

    fn header(&self) -> (HeaderName, &'static str) {
        match self.timing {
            Timing::Received => (HeaderName::from_static("hx-trigger"), "HX-Trigger"),
            Timing::AfterSwap => (
                HeaderName::from_static("hx-trigger-after-swap"),
                "HX-Trigger-After-Swap",
            ),
            Timing::AfterSettle => (
                HeaderName::from_static("hx-trigger-after-settle"),
                "HX-Trigger-After-Settle",
            ),
        }
    }

    fn header_value(&self, header: &'static str) -> Result<HeaderValue, HeaderError> {
        if self.events.iter().all(|(_, detail)| detail.is_none()) {
            let names: Vec<&str> = self.events.iter().map(|(n, _)| n.as_str()).collect();
            return value(header, &names.join(", "));
        }
        let object: Map<String, Value> = self
            .events
            .iter()
            .map(|(name, detail)| (name.clone(), detail.clone().unwrap_or(Value::Null)))
            .collect();
        value(header, &ascii_json(&Value::Object(object)))
    }
}

/// The `HX-*` headers of a response, each checked as it is set; with feature `axum` it is a
/// response part (`(HxResponse, html)` is a response).
///
/// ```
/// use ssekit_htmx::{HxResponse, Swap};
///
/// let headers = HxResponse::new()
///     .with_retarget("#errors")?
///     .with_reswap(Swap::InnerHtml)
///     .with_push_url("/todo?filter=done")?
///     .into_headers();
/// assert_eq!(headers["hx-retarget"], "#errors");
/// assert_eq!(headers["hx-reswap"], "innerHTML");
/// assert!(HxResponse::new().with_redirect("/a\r\nSet-Cookie: x").is_err());
/// # Ok::<(), ssekit_htmx::HeaderError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "apply the headers to a response"]
pub struct HxResponse {
    headers: HeaderMap,
}

impl HxResponse {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(
        mut self,
        name: &'static str,
        header: &'static str,
        text: &str,
    ) -> Result<Self, HeaderError> {
        self.headers
            .insert(HeaderName::from_static(name), value(header, text)?);
        Ok(self)
    }

    /// Client-side events ([`Trigger`]); a second trigger of the same timing replaces the first.
    ///
    /// # Errors
    ///
    /// When the trigger has no event.
    pub fn with_trigger(mut self, trigger: Trigger) -> Result<Self, HeaderError> {
        let (name, header) = trigger.header();
        let value = trigger.header_value(header)?;
        self.headers.insert(name, value);
        Ok(self)
    }

    /// `HX-Redirect`: a full page load of `url`.
    ///
    /// # Errors
    ///
    /// When `url` is empty or not visible ASCII (percent-encode it).
    pub fn with_redirect(self, url: &str) -> Result<Self, HeaderError> {
        self.set("hx-redirect", "HX-Redirect", url)
    }

    /// `HX-Location`: an htmx navigation to `path`, without a full page load.
    ///
    /// # Errors
    ///
    /// As [`with_redirect`](Self::with_redirect).
    pub fn with_location(self, path: &str) -> Result<Self, HeaderError> {
        self.set("hx-location", "HX-Location", path)
    }

    /// `HX-Location` in its JSON form (`{"path": "/x", "target": "#main"}`).
    ///
    /// # Errors
    ///
    /// When `location` is not an object with a `path`.
    pub fn with_location_json(self, location: &Value) -> Result<Self, HeaderError> {
        if !location.get("path").is_some_and(Value::is_string) {
            return Err(HeaderError {
                header: "HX-Location",
                reason: "the JSON form needs a \"path\" string",
            });
        }
        self.set("hx-location", "HX-Location", &ascii_json(location))
    }

    /// `HX-Refresh: true`: a full refresh of the page.
    pub fn with_refresh(mut self) -> Self {
        let name = HeaderName::from_static("hx-refresh");
        self.headers.insert(name, HeaderValue::from_static("true"));
        self
    }

    /// `HX-Retarget`: swap into the elements `selector` matches instead.
    ///
    /// # Errors
    ///
    /// When `selector` is empty or not visible ASCII.
    pub fn with_retarget(self, selector: &str) -> Result<Self, HeaderError> {
        self.set("hx-retarget", "HX-Retarget", selector)
    }

    /// `HX-Reswap`: swap this way instead.
    pub fn with_reswap(mut self, swap: Swap) -> Self {
        let name = HeaderName::from_static("hx-reswap");
        self.headers
            .insert(name, HeaderValue::from_static(swap.as_str()));
        self
    }

    /// `HX-Reswap` with modifiers (`"innerHTML scroll:top"`).
    ///
    /// # Errors
    ///
    /// When `spec` is empty or not visible ASCII.
    pub fn with_reswap_spec(self, spec: &str) -> Result<Self, HeaderError> {
        self.set("hx-reswap", "HX-Reswap", spec)
    }

    /// `HX-Push-Url`: push `url` into the history (`"false"` pushes nothing).
    ///
    /// # Errors
    ///
    /// As [`with_redirect`](Self::with_redirect).
    pub fn with_push_url(self, url: &str) -> Result<Self, HeaderError> {
        self.set("hx-push-url", "HX-Push-Url", url)
    }

    /// `HX-Replace-Url`: replace the current URL in the location bar.
    ///
    /// # Errors
    ///
    /// As [`with_redirect`](Self::with_redirect).
    pub fn with_replace_url(self, url: &str) -> Result<Self, HeaderError> {
        self.set("hx-replace-url", "HX-Replace-Url", url)
    }

    /// `HX-Reselect`: swap only the part of the response `selector` matches.
    ///
    /// # Errors
    ///
    /// When `selector` is empty or not visible ASCII.
    pub fn with_reselect(self, selector: &str) -> Result<Self, HeaderError> {
        self.set("hx-reselect", "HX-Reselect", selector)
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to put into any `http` response.
    pub fn into_headers(self) -> HeaderMap {
        self.headers
    }
}

#[cfg(feature = "axum")]
impl axum_core::response::IntoResponseParts for HxResponse {
    type Error = std::convert::Infallible;

    fn into_response_parts(
        self,
        mut res: axum_core::response::ResponseParts,
    ) -> Result<axum_core::response::ResponseParts, Self::Error> {
        res.headers_mut().extend(self.headers);
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_values_are_errors_not_panics() {
        for bad in ["", "a\nb", "caf\u{e9}", "\u{7f}", "tab\there"] {
            assert!(HxResponse::new().with_redirect(bad).is_err(), "{bad:?}");
            assert!(HxResponse::new().with_retarget(bad).is_err(), "{bad:?}");
        }
        for bad in ["", "a,b", "a b", "q\"", "é"] {
            assert!(Trigger::new().with_event(bad).is_err(), "{bad:?}");
        }
        assert!(
            HxResponse::new().with_trigger(Trigger::new()).is_err(),
            "no event"
        );
        assert!(
            HxResponse::new()
                .with_location_json(&json!({"target": "#x"}))
                .is_err()
        );
    }

    #[test]
    fn every_header_has_its_name() -> Result<(), HeaderError> {
        let headers = HxResponse::new()
            .with_trigger(Trigger::new().with_event("a")?.after_swap())?
            .with_redirect("/r")?
            .with_location_json(&json!({"path": "/p", "target": "#t"}))?
            .with_refresh()
            .with_retarget("#x")?
            .with_reswap_spec("outerHTML swap:1s")?
            .with_push_url("false")?
            .with_replace_url("/u")?
            .with_reselect(".part")?
            .into_headers();
        let got: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("?")))
            .collect();
        for want in [
            ("hx-trigger-after-swap", "a"),
            ("hx-redirect", "/r"),
            ("hx-location", r##"{"path":"/p","target":"#t"}"##),
            ("hx-refresh", "true"),
            ("hx-retarget", "#x"),
            ("hx-reswap", "outerHTML swap:1s"),
            ("hx-push-url", "false"),
            ("hx-replace-url", "/u"),
            ("hx-reselect", ".part"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
        Ok(())
    }

    #[test]
    fn json_detail_mixes_with_plain_names() -> Result<(), HeaderError> {
        let trigger = Trigger::new()
            .with_event("a")?
            .with_detail("b", json!([1, "😀"]))?;
        let headers = HxResponse::new().with_trigger(trigger)?.into_headers();
        assert_eq!(
            headers["hx-trigger"],
            r#"{"a":null,"b":[1,"\ud83d\ude00"]}"#
        );
        Ok(())
    }
}
