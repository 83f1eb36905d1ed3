//! What can go wrong with an [`EventSource`](crate::EventSource): [`SetupError`] (it cannot
//! be made), [`Disconnect`] (a connection was lost; it reconnects) and [`SourceError`] (it
//! fails for good, or a limit was hit).

use std::fmt;
use std::time::Duration;

use http::header::HeaderValue;
use http::{StatusCode, Uri};
use ssekit_core::DecodeError;

use crate::check::ResponseError;
use crate::item::BoxError;
use crate::request::InvalidLastEventId;

/// Why an [`EventSource`](crate::EventSource) could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// The URL has no scheme or no host: an event source needs an absolute URL.
    NotAbsolute(Uri),
    /// The scheme is not http, nor https (with feature `rustls`, or a service that speaks it).
    UnsupportedScheme(String),
    /// The TLS configuration of the default https client could not be built.
    Tls(BoxError),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::NotAbsolute(uri) => write!(
                f,
                "the URL \"{uri}\" is not absolute: an event source needs a scheme and a host (http://host/path)"
            ),
            SetupError::UnsupportedScheme(scheme) if scheme == "https" => f.write_str(
                "https URLs need ssekit-hyper's feature `rustls` (or a service that speaks https)",
            ),
            SetupError::UnsupportedScheme(scheme) => {
                write!(
                    f,
                    "the URL scheme {scheme:?} is not supported (http or https)"
                )
            }
            SetupError::Tls(e) => write!(f, "the TLS configuration failed: {e}"),
        }
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SetupError::Tls(e) => Some(&**e),
            _ => None,
        }
    }
}

/// Why a connection ended or could not be made, when the client reconnects after it (in
/// [`Item::Reconnecting`](crate::Item::Reconnecting)) or gave up
/// ([`SourceError::RetriesExhausted`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Disconnect {
    /// The response body ended: the server closed the stream.
    Ended,
    /// The response body failed (connection reset, truncated chunked body…).
    Body(BoxError),
    /// No response: the connection could not be made or the request failed.
    Connect(BoxError),
    /// No byte arrived for this long (not even a comment); the connection was dropped.
    IdleTimeout(Duration),
    /// A 5xx or 429 response, retried as the [`Reconnect`](crate::Reconnect) policy asks.
    Status {
        /// The response status.
        status: StatusCode,
        /// The wait its `Retry-After` asked for, if any.
        retry_after: Option<Duration>,
    },
}

impl fmt::Display for Disconnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disconnect::Ended => f.write_str("the server ended the stream"),
            Disconnect::Body(e) => write!(f, "the response body failed: {}", one_line(e)),
            Disconnect::Connect(e) => write!(f, "the request failed: {}", one_line(e)),
            Disconnect::IdleTimeout(after) => {
                write!(f, "no data for {after:?}: the connection is taken as dead")
            }
            Disconnect::Status {
                status,
                retry_after: None,
            } => write!(f, "the server answered {status}"),
            Disconnect::Status {
                status,
                retry_after: Some(after),
            } => write!(f, "the server answered {status}, retry after {after:?}"),
        }
    }
}

impl std::error::Error for Disconnect {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Disconnect::Body(e) | Disconnect::Connect(e) => Some(&**e),
            _ => None,
        }
    }
}

/// An error item of an [`EventSource`](crate::EventSource). After any of them but
/// [`Decode`](Self::Decode) the source has failed for good: the stream ends.
#[derive(Debug)]
#[non_exhaustive]
pub enum SourceError {
    /// The response was not an event stream (a status other than 200 and 204, or another
    /// content type) and is not retried: what came. A browser fails the connection too.
    Response(ResponseError),
    /// More redirects in a row than allowed.
    TooManyRedirects {
        /// The limit.
        max: u32,
    },
    /// A redirect whose `Location` is not an http(s) URL.
    BadRedirect {
        /// The redirect's status.
        status: StatusCode,
        /// Its `Location`.
        location: HeaderValue,
    },
    /// The last event ID cannot be sent in a header.
    LastEventId(InvalidLastEventId),
    /// The [`Reconnect`](crate::Reconnect) policy's `max_retries` attempts in a row failed.
    RetriesExhausted {
        /// The attempts made since the last healthy connection.
        retries: u32,
        /// How the last one ended.
        last: Disconnect,
    },
    /// The decoder refused input (a limit was exceeded, see [`Limits`](ssekit_core::Limits)):
    /// that event is discarded and decoding goes on. The only error the stream goes on after.
    Decode(DecodeError),
}

impl SourceError {
    /// Whether the source has failed for good (every error but [`Decode`](Self::Decode)).
    pub fn is_fatal(&self) -> bool {
        !matches!(self, SourceError::Decode(_))
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Response(e) => e.fmt(f),
            SourceError::TooManyRedirects { max } => {
                write!(f, "more than {max} redirects in a row")
            }
            SourceError::BadRedirect { status, location } => write!(
                f,
                "the server answered {status} with an unusable Location {:?}",
                String::from_utf8_lossy(location.as_bytes())
            ),
            SourceError::LastEventId(e) => e.fmt(f),
            SourceError::RetriesExhausted { retries, last } => {
                write!(
                    f,
                    "gave up after {retries} reconnection attempts; the last: {last}"
                )
            }
            SourceError::Decode(e) => write!(f, "the event stream could not be decoded: {e}"),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Response(e) => Some(e),
            SourceError::LastEventId(e) => Some(e),
            SourceError::RetriesExhausted { last, .. } => Some(last),
            SourceError::Decode(e) => Some(e),
            SourceError::TooManyRedirects { .. } | SourceError::BadRedirect { .. } => None,
        }
    }
}

/// An error and its sources on one line (`a: b: c`), as the HTTP stacks nest them.
fn one_line(error: &BoxError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("client error (Connect)")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn messages_are_one_line_and_say_what_came() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused\nnow");
        let lost = Disconnect::Connect(Box::new(Outer(refused)));
        assert_eq!(
            lost.to_string(),
            "the request failed: client error (Connect): refused now"
        );
        let error = SourceError::RetriesExhausted {
            retries: 3,
            last: lost,
        };
        assert!(error.is_fatal());
        assert!(
            error
                .to_string()
                .starts_with("gave up after 3 reconnection attempts")
        );
        let status = Disconnect::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(
            status.to_string(),
            "the server answered 503 Service Unavailable, retry after 2s"
        );
        let bad = SourceError::BadRedirect {
            status: StatusCode::FOUND,
            location: HeaderValue::from_static("ftp://x"),
        };
        assert_eq!(
            bad.to_string(),
            "the server answered 302 Found with an unusable Location \"ftp://x\""
        );
    }

    #[test]
    fn only_decode_errors_are_not_fatal() {
        let limit = DecodeError::LimitExceeded {
            limit: ssekit_core::Limit::LineLength,
            max: 8,
        };
        assert!(!SourceError::Decode(limit).is_fatal());
        assert!(SourceError::TooManyRedirects { max: 20 }.is_fatal());
    }

    #[test]
    fn setup_errors_say_what_to_do() {
        let https = SetupError::UnsupportedScheme("https".into()).to_string();
        assert!(https.contains("rustls"), "{https}");
        let relative = SetupError::NotAbsolute(Uri::from_static("/events")).to_string();
        assert!(relative.contains("\"/events\""), "{relative}");
    }
}
