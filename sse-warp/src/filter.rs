//! [`last_event_id`]: the `Last-Event-ID` of a reconnecting client, as a warp filter, and
//! [`recover`], which answers a malformed one with 400.

use std::fmt;

use ssekit_hyper::LastEventIdError;
use warp::Filter;
use warp::http::header::HeaderMap;
use warp::reject::{Reject, Rejection};
use warp::reply::{Reply, Response};

/// Extracts the request's `Last-Event-ID`: `None` when absent, else the id the client last
/// received (checked by [`ssekit_hyper::last_event_id`]).
///
/// A malformed header (not UTF-8, or not a valid id) rejects the request with
/// [`InvalidLastEventId`]. warp answers custom rejections with 500 unless they are recovered:
/// chain [`.recover(ssekit_warp::recover)`](recover) to answer 400 with the reason instead.
///
/// ```
/// use futures_util::stream;
/// use warp::Filter;
///
/// let events = warp::path("events")
///     .and(ssekit_warp::last_event_id())
///     .map(|last: Option<String>| {
///         let from = last.and_then(|id| id.parse::<u64>().ok()).map_or(1, |n| n + 1);
///         ssekit_warp::reply(stream::iter((from..from + 3).map(|n| n.to_string())))
///     })
///     .recover(ssekit_warp::recover);
/// ```
pub fn last_event_id() -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone {
    warp::header::headers_cloned().and_then(|headers: HeaderMap| async move {
        match ssekit_hyper::last_event_id(&headers) {
            Ok(id) => Ok(id.map(str::to_owned)),
            Err(e) => Err(warp::reject::custom(InvalidLastEventId(e))),
        }
    })
}

/// The rejection of a malformed `Last-Event-ID` header.
#[derive(Debug)]
pub struct InvalidLastEventId(pub LastEventIdError);

impl Reject for InvalidLastEventId {}

impl fmt::Display for InvalidLastEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for InvalidLastEventId {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// For `Filter::recover`: answers [`InvalidLastEventId`] with 400 Bad Request and the reason
/// as plain text; passes every other rejection on.
pub async fn recover(rejection: Rejection) -> Result<Response, Rejection> {
    match rejection.find::<InvalidLastEventId>() {
        Some(InvalidLastEventId(error)) => Ok(error.to_response().into_response()),
        None => Err(rejection),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warp::http::StatusCode;
    use warp::http::header::{CONTENT_TYPE, HeaderValue};

    #[tokio::test]
    async fn malformed_header_is_recovered_as_400() {
        let route = last_event_id().map(|id: Option<String>| id.unwrap_or_default());
        let route = route.recover(recover);
        let ok = warp::test::request()
            .header("last-event-id", "7")
            .reply(&route)
            .await;
        assert_eq!(
            (ok.status(), ok.body().as_ref()),
            (StatusCode::OK, &b"7"[..])
        );
        let bad = warp::test::request()
            .header(
                "last-event-id",
                HeaderValue::from_bytes(b"\xff").unwrap_or(HeaderValue::from_static("")),
            )
            .reply(&route)
            .await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert_eq!(bad.headers()[CONTENT_TYPE], "text/plain; charset=utf-8");
        let reason = String::from_utf8_lossy(bad.body());
        assert!(reason.contains("not valid UTF-8"), "{reason}");
    }
}
