//! Client side: what a response means for an event source, [`verdict`]. A plain function of
//! the response head: no I/O.

use std::time::SystemTime;

use http::header::LOCATION;
use http::{Response, Uri};

use crate::check::{ResponseError, check_response};
use crate::reconnect::{Reconnect, retry_after};
use crate::redirect;
use crate::source_error::{Disconnect, SourceError};

/// What to do after a response.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// An event stream: read it.
    Open,
    /// 204: stop for good, cleanly.
    Stop,
    /// Request this URL instead.
    Redirect(Uri),
    /// Retry later (a 5xx or 429 that the policy retries).
    Retry(Disconnect),
    /// Fail for good.
    Fail(SourceError),
}

/// What `response` (to a request for `url`, after `redirects` redirects in a row) means under
/// `policy`, at `now` (for a dated `Retry-After`).
pub(crate) fn verdict<B>(
    response: &Response<B>,
    url: &Uri,
    redirects: u32,
    max_redirects: u32,
    policy: &Reconnect,
    now: SystemTime,
) -> Verdict {
    let error = match check_response(response) {
        Ok(()) => return Verdict::Open,
        Err(ResponseError::NoContent) => return Verdict::Stop,
        Err(error) => error,
    };
    let status = response.status();
    let headers = response.headers();
    if let (true, Some(location)) = (redirect::is_redirect(status), headers.get(LOCATION)) {
        if redirects >= max_redirects {
            return Verdict::Fail(SourceError::TooManyRedirects { max: max_redirects });
        }
        return match redirect::resolve(url, location) {
            Some(next) => Verdict::Redirect(next),
            None => Verdict::Fail(SourceError::BadRedirect {
                status,
                location: location.clone(),
            }),
        };
    }
    if policy.retries_status(status) {
        return Verdict::Retry(Disconnect::Status {
            status,
            retry_after: retry_after(headers, now),
        });
    }
    Verdict::Fail(SourceError::Response(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn response(status: u16, headers: &[(&'static str, &'static str)]) -> Response<()> {
        let mut builder = Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap_or_default()
    }

    fn judge(response: &Response<()>, redirects: u32, policy: Reconnect) -> Verdict {
        let url = Uri::from_static("http://127.0.0.1:1/a/events");
        verdict(
            response,
            &url,
            redirects,
            3,
            &policy,
            SystemTime::UNIX_EPOCH,
        )
    }

    const STREAM: (&str, &str) = ("content-type", "text/event-stream; charset=utf-8");

    #[test]
    fn the_whatwg_model() {
        let plain = Reconnect::new();
        assert!(matches!(
            judge(&response(200, &[STREAM]), 0, plain),
            Verdict::Open
        ));
        assert!(matches!(
            judge(&response(204, &[]), 0, plain),
            Verdict::Stop
        ));
        let html = response(200, &[("content-type", "text/html")]);
        let Verdict::Fail(SourceError::Response(error)) = judge(&html, 0, plain) else {
            panic!("200 text/html must fail");
        };
        assert!(error.to_string().contains("text/html"));
        for status in [500, 503, 429, 404, 201, 206, 300] {
            let got = judge(&response(status, &[STREAM]), 0, plain);
            assert!(
                matches!(got, Verdict::Fail(SourceError::Response(_))),
                "{status}: {got:?}"
            );
        }
    }

    #[test]
    fn server_errors_retried_on_request_with_retry_after() {
        let retrying = Reconnect::new().with_retry_server_errors(true);
        let busy = response(503, &[("retry-after", "7")]);
        let Verdict::Retry(Disconnect::Status {
            status,
            retry_after,
        }) = judge(&busy, 0, retrying)
        else {
            panic!("503 must be retried");
        };
        assert_eq!(
            (status.as_u16(), retry_after),
            (503, Some(Duration::from_secs(7)))
        );
        assert!(matches!(
            judge(&response(429, &[]), 0, retrying),
            Verdict::Retry(Disconnect::Status {
                retry_after: None,
                ..
            })
        ));
        assert!(matches!(
            judge(&response(404, &[]), 0, retrying),
            Verdict::Fail(_)
        ));
    }

    #[test]
    fn redirects_resolve_count_and_fail_cleanly() {
        let plain = Reconnect::new();
        let moved = response(307, &[("location", "../v2/events?x=1")]);
        let Verdict::Redirect(next) = judge(&moved, 0, plain) else {
            panic!("307 must redirect");
        };
        assert_eq!(next, "http://127.0.0.1:1/v2/events?x=1");
        assert!(matches!(
            judge(&moved, 3, plain),
            Verdict::Fail(SourceError::TooManyRedirects { max: 3 })
        ));
        let bad = response(302, &[("location", "gopher://x/")]);
        assert!(matches!(
            judge(&bad, 0, plain),
            Verdict::Fail(SourceError::BadRedirect { .. })
        ));
        let nowhere = response(301, &[]);
        assert!(matches!(
            judge(&nowhere, 0, plain),
            Verdict::Fail(SourceError::Response(_))
        ));
        let not_a_redirect = response(300, &[("location", "/x")]);
        assert!(matches!(
            judge(&not_a_redirect, 0, plain),
            Verdict::Fail(SourceError::Response(_))
        ));
    }
}
