//! What every response gets, and what every form post must be: headers that keep the pages
//! from being sniffed or framed, and a same-origin check on every POST (a cross-site form
//! cannot post to the demo).

use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What a page may load: scripts, styles (htmx adds a small inline one), images and
/// streams from the demo itself, no inline script, never in a frame.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// The headers every response carries: no MIME sniffing, the content security policy.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

/// Refuses a POST from another site (403): the browser says where a request comes from
/// (`Sec-Fetch-Site`, else `Origin`). A client that sends neither (curl, a script) is let
/// through: it is not a browser carrying someone's cookies.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !same_site(request.headers()) {
        return (StatusCode::FORBIDDEN, "cross-site requests are refused\n").into_response();
    }
    next.run(request).await
}

fn same_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let host = headers
        .get(HOST)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let origin = origin.as_bytes();
    let without_scheme = origin
        .strip_prefix(b"https://")
        .or_else(|| origin.strip_prefix(b"http://"));
    without_scheme.is_some_and(|origin_host| !host.is_empty() && origin_host == host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    axum::http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn only_the_same_origin_or_no_browser_at_all_may_post() {
        assert!(same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!same_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example")
        ])));
        assert!(
            !same_site(&headers(&[("origin", "http://127.0.0.1:3000")])),
            "no host"
        );
        assert!(!same_site(&headers(&[("host", "a"), ("origin", "null")])));
        assert!(same_site(&headers(&[("host", "a")])), "curl");
    }
}
