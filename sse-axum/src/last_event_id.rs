//! [`LastEventId`]: the `Last-Event-ID` of a reconnecting client, as an axum extractor.

use std::fmt;

use axum_core::body::Body;
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use ssekit_hyper::LastEventIdError;

/// The request's `Last-Event-ID` header: `None` when absent, else the id the client last
/// received (checked by [`ssekit_hyper::last_event_id`]).
///
/// A malformed header (not UTF-8, or not a valid id) rejects the request with
/// [`LastEventIdRejection`]: 400 Bad Request with a plain-text reason.
///
/// ```
/// use axum::{Router, routing::get};
/// use ssekit_axum::LastEventId;
///
/// async fn resume(LastEventId(id): LastEventId) -> String {
///     format!("resuming after {}", id.as_deref().unwrap_or("the start"))
/// }
///
/// let app: Router = Router::new().route("/events", get(resume));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastEventId(pub Option<String>);

/// A malformed `Last-Event-ID` header; answers 400 with the reason as plain text.
#[derive(Debug)]
pub struct LastEventIdRejection(pub LastEventIdError);

impl fmt::Display for LastEventIdRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LastEventIdRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl IntoResponse for LastEventIdRejection {
    fn into_response(self) -> Response {
        self.0.to_response().map(Body::from)
    }
}

impl<St: Send + Sync> FromRequestParts<St> for LastEventId {
    type Rejection = LastEventIdRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &St) -> Result<Self, Self::Rejection> {
        match ssekit_hyper::last_event_id(&parts.headers) {
            Ok(id) => Ok(LastEventId(id.map(str::to_owned))),
            Err(e) => Err(LastEventIdRejection(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{CONTENT_TYPE, HeaderValue};
    use http::{Request, StatusCode};

    async fn extract(value: Option<&[u8]>) -> Result<LastEventId, LastEventIdRejection> {
        let mut request = Request::new(());
        if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v).ok()) {
            request.headers_mut().insert("last-event-id", value);
        }
        let (mut parts, ()) = request.into_parts();
        LastEventId::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn absent_present_and_malformed() {
        assert_eq!(extract(None).await.ok(), Some(LastEventId(None)));
        let id = extract(Some(b"42")).await.ok();
        assert_eq!(id, Some(LastEventId(Some("42".into()))));
        let rejection = extract(Some(b"\xc3(")).await.err();
        let response = rejection.map(IntoResponse::into_response);
        assert_eq!(
            response.as_ref().map(Response::status),
            Some(StatusCode::BAD_REQUEST)
        );
        let content_type = response.as_ref().map(|r| r.headers()[CONTENT_TYPE].clone());
        assert_eq!(
            content_type,
            Some(HeaderValue::from_static("text/plain; charset=utf-8"))
        );
    }
}
