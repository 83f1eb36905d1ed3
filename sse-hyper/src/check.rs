//! Client side: is a response an event stream? [`check_response`].

use std::fmt;

use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};

/// Why a response is not an event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// 204 No Content: the server asks the client to stop (and not to reconnect).
    NoContent,
    /// Anything but 200 with `text/event-stream`: what came instead.
    Unexpected {
        /// The response status.
        status: StatusCode,
        /// The `Content-Type`, if any.
        content_type: Option<HeaderValue>,
    },
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::NoContent => {
                f.write_str("the server answered 204 No Content: stop, do not reconnect")
            }
            ResponseError::Unexpected {
                status,
                content_type,
            } => {
                write!(f, "expected 200 with text/event-stream, got {status} with ")?;
                match content_type {
                    None => f.write_str("no content type"),
                    Some(v) => write!(
                        f,
                        "content type {:?}",
                        String::from_utf8_lossy(v.as_bytes())
                    ),
                }
            }
        }
    }
}

impl std::error::Error for ResponseError {}

/// Checks that `response` is an event stream: status 200 and a `Content-Type` of
/// `text/event-stream` (any case, parameters such as `; charset=utf-8` allowed).
///
/// ```
/// use ssekit_hyper::{ResponseError, check_response};
///
/// let ok = http::Response::builder()
///     .header("content-type", "Text/Event-Stream; charset=utf-8")
///     .body(())?;
/// assert_eq!(check_response(&ok), Ok(()));
///
/// let stop = http::Response::builder().status(204).body(())?;
/// assert_eq!(check_response(&stop), Err(ResponseError::NoContent));
/// # Ok::<(), http::Error>(())
/// ```
pub fn check_response<B>(response: &Response<B>) -> Result<(), ResponseError> {
    let status = response.status();
    if status == StatusCode::NO_CONTENT {
        return Err(ResponseError::NoContent);
    }
    let content_type = response.headers().get(CONTENT_TYPE);
    if status == StatusCode::OK
        && content_type.is_some_and(|v| ssekit_core::is_event_stream(v.as_bytes()))
    {
        return Ok(());
    }
    Err(ResponseError::Unexpected {
        status,
        content_type: content_type.cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: Option<&'static str>) -> Response<()> {
        let mut response = Response::new(());
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or_default();
        if let Some(v) = content_type {
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(v));
        }
        response
    }

    #[test]
    fn event_stream_with_parameters_and_case() {
        for ct in [
            "text/event-stream",
            "TEXT/EVENT-STREAM",
            "text/event-stream;charset=utf-8",
            " text/event-stream ; charset=UTF-8",
        ] {
            assert_eq!(check_response(&response(200, Some(ct))), Ok(()), "{ct}");
        }
    }

    #[test]
    fn anything_else_says_what_came() {
        let err = check_response(&response(200, Some("text/html")));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err(
                "expected 200 with text/event-stream, got 200 OK with content type \"text/html\""
                    .into()
            )
        );
        let err = check_response(&response(503, None)).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("expected 200 with text/event-stream, got 503 Service Unavailable with no content type".into())
        );
        assert!(check_response(&response(200, Some("text/event-streamx"))).is_err());
        assert!(check_response(&response(201, Some("text/event-stream"))).is_err());
        assert_eq!(
            check_response(&response(204, Some("text/event-stream"))),
            Err(ResponseError::NoContent)
        );
    }
}
