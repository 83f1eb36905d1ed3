//! Client side: when to reconnect, [`Reconnect`], and the server's `Retry-After`,
//! [`retry_after`]. Plain values and functions: no I/O, no clock of their own.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use http::header::{HeaderMap, RETRY_AFTER};

/// How a client reconnects: the reconnection time before the server sends a `retry`, the
/// longest wait, how many failed attempts in a row it makes, and whether it retries server
/// errors. Used by [`Backoff`](crate::Backoff) (and so by `EventSource`).
///
/// The defaults follow the WHATWG model: 3 s, unlimited attempts, and a response other than
/// 200 with `text/event-stream` (or 204) fails for good. One bound is ours: no wait is longer
/// than [`max_delay`](Self::max_delay) (5 minutes by default), not even one a server asks for
/// with a huge `retry` field or `Retry-After` header, so that a hostile server cannot park
/// the client for ever.
///
/// ```
/// use ssekit_hyper::Reconnect;
/// use std::time::Duration;
///
/// let policy = Reconnect::new()
///     .with_max_retries(5)                          // then give up
///     .with_max_delay(Duration::from_secs(60))      // backoff and `retry` capped at 1 min
///     .with_retry_server_errors(true);              // 5xx and 429 are retried too
/// assert_eq!(policy.reconnection_time(), Duration::from_secs(3));
/// assert!(policy.retries_status(http::StatusCode::SERVICE_UNAVAILABLE));
/// assert!(!policy.retries_status(http::StatusCode::NOT_FOUND));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    reconnection_time: Duration,
    max_delay: Duration,
    max_retries: Option<u32>,
    retry_server_errors: bool,
}

impl Reconnect {
    /// The reconnection time before the server sends a `retry` field: 3 seconds, as in
    /// browsers.
    pub const DEFAULT_RECONNECTION_TIME: Duration = Duration::from_secs(3);

    /// The longest wait before an attempt: 5 minutes.
    pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(5 * 60);

    /// The defaults: 3 s, at most 5 minutes between attempts, unlimited attempts, server
    /// errors not retried.
    pub const fn new() -> Self {
        Reconnect {
            reconnection_time: Self::DEFAULT_RECONNECTION_TIME,
            max_delay: Self::DEFAULT_MAX_DELAY,
            max_retries: None,
            retry_server_errors: false,
        }
    }

    /// Sets the reconnection time used until the server sends a `retry` field.
    #[must_use]
    pub const fn with_reconnection_time(mut self, time: Duration) -> Self {
        self.reconnection_time = time;
        self
    }

    /// Sets the longest wait before an attempt. It caps the backoff, the server's `retry`
    /// and its `Retry-After`.
    #[must_use]
    pub const fn with_max_delay(mut self, max: Duration) -> Self {
        self.max_delay = max;
        self
    }

    /// Gives up after `max` attempts in a row that did not lead to a healthy connection (one
    /// that delivered an event). `0` never reconnects. Unlimited by default, as in browsers.
    #[must_use]
    pub const fn with_max_retries(mut self, max: u32) -> Self {
        self.max_retries = Some(max);
        self
    }

    /// Also retries responses with a 5xx status or 429 Too Many Requests, honouring their
    /// `Retry-After` (off by default: as in browsers, any status but 200 and 204 fails for
    /// good).
    #[must_use]
    pub const fn with_retry_server_errors(mut self, yes: bool) -> Self {
        self.retry_server_errors = yes;
        self
    }

    /// The reconnection time used until the server sends a `retry` field.
    pub const fn reconnection_time(&self) -> Duration {
        self.reconnection_time
    }

    /// The longest wait before an attempt.
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The most attempts in a row without a healthy connection, if limited.
    pub const fn max_retries(&self) -> Option<u32> {
        self.max_retries
    }

    /// Whether responses with a 5xx status or 429 are retried.
    pub const fn retry_server_errors(&self) -> bool {
        self.retry_server_errors
    }

    /// Whether a response with `status` is retried (rather than failing for good).
    pub fn retries_status(&self, status: StatusCode) -> bool {
        self.retry_server_errors
            && (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
    }
}

impl Default for Reconnect {
    /// Same as [`Reconnect::new`].
    fn default() -> Self {
        Self::new()
    }
}

/// The wait a response's `Retry-After` header asks for, as of `now`: a number of seconds, or
/// the time until an HTTP date (zero if it has passed). `None` when absent or unreadable.
/// The first value counts if there are several. A number too large for a `Duration` is
/// [`Duration::MAX`]; cap it (as [`Backoff`](crate::Backoff) does with the policy's
/// maximum delay).
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", "120".parse()?);
/// assert_eq!(ssekit_hyper::retry_after(&headers, SystemTime::now()), Some(Duration::from_secs(120)));
/// headers.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse()?);
/// assert_eq!(ssekit_hyper::retry_after(&headers, SystemTime::now()), Some(Duration::ZERO));
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value
            .parse::<u64>()
            .map_or(Duration::MAX, Duration::from_secs);
        return Some(seconds);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn seconds_dates_and_garbage() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_400);
        let at = |v| retry_after(&headers(v), now);
        assert_eq!(at("0"), Some(Duration::ZERO));
        assert_eq!(at(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(at("99999999999999999999999"), Some(Duration::MAX));
        // 07:28:00 is 80 s after 07:26:40 (1445412400).
        assert_eq!(
            at("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::from_secs(80))
        );
        assert_eq!(at("Wed, 21 Oct 2015 07:00:00 GMT"), Some(Duration::ZERO));
        for garbage in ["", "-1", "1.5", "soon", "0x10"] {
            assert_eq!(at(garbage), None, "{garbage:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn server_errors_are_retried_only_when_asked() {
        let default = Reconnect::new();
        let opted_in = Reconnect::new().with_retry_server_errors(true);
        for status in [500, 502, 503, 599, 429] {
            let status = StatusCode::from_u16(status).unwrap_or_default();
            assert!(!default.retries_status(status), "{status}");
            assert!(opted_in.retries_status(status), "{status}");
        }
        for status in [200, 204, 301, 400, 401, 404, 428] {
            let status = StatusCode::from_u16(status).unwrap_or_default();
            assert!(!opted_in.retries_status(status), "{status}");
        }
    }

    #[test]
    fn defaults_as_in_browsers() {
        let policy = Reconnect::default();
        assert_eq!(policy.reconnection_time(), Duration::from_secs(3));
        assert_eq!(policy.max_retries(), None);
        assert!(!policy.retry_server_errors());
        assert_eq!(policy.max_delay(), Reconnect::DEFAULT_MAX_DELAY);
    }
}
