//! [`HtmlStream`]: an HTML page sent in pieces as they are ready (progressive rendering).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use http_body::{Body, Frame};
use pin_project_lite::pin_project;

pin_project! {
    /// A response body sending each piece of a stream of HTML as soon as it is ready, so
    /// the browser renders the top of a slow page (a report) while the rest is computed.
    ///
    /// [`into_response`](Self::into_response) adds the headers that keep proxies from
    /// buffering it: `Content-Type: text/html; charset=utf-8`, `Cache-Control: no-cache`
    /// and `X-Accel-Buffering: no`. With feature `axum` it is an axum response as it is.
    ///
    /// ```
    /// use futures_util::stream;
    /// use ssekit_htmx::HtmlStream;
    ///
    /// let pieces = stream::iter(["<!doctype html><h1>Report</h1>", "<p>row 1</p>"]);
    /// let response = HtmlStream::new(pieces).into_response();
    /// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    /// assert_eq!(response.headers()["x-accel-buffering"], "no");
    /// ```
    #[derive(Debug)]
    pub struct HtmlStream<S> {
        #[pin]
        pieces: S,
    }
}

impl<S> HtmlStream<S> {
    /// A body over `pieces`: anything that converts into `Bytes` (`String`, `&'static str`).
    pub fn new(pieces: S) -> Self {
        HtmlStream { pieces }
    }

    /// The response: status 200, the headers above, this body.
    pub fn into_response(self) -> Response<Self> {
        let mut response = Response::new(self);
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            ssekit_hyper::X_ACCEL_BUFFERING,
            HeaderValue::from_static("no"),
        );
        response
    }
}

impl<S> Body for HtmlStream<S>
where
    S: Stream,
    S::Item: Into<Bytes>,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.project()
            .pieces
            .poll_next(cx)
            .map(|piece| piece.map(|piece| Ok(Frame::data(piece.into()))))
    }
}

#[cfg(feature = "axum")]
impl<S> axum_core::response::IntoResponse for HtmlStream<S>
where
    S: Stream + Send + 'static,
    S::Item: Into<Bytes>,
{
    fn into_response(self) -> axum_core::response::Response {
        HtmlStream::into_response(self).map(axum_core::body::Body::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn each_piece_is_a_frame() {
        let mut body =
            HtmlStream::new(stream::iter(["<p>a</p>".to_owned(), "<p>b</p>".to_owned()]));
        let mut frames = Vec::new();
        while let Some(Ok(frame)) = body.frame().await {
            frames.push(frame.into_data().unwrap_or_default());
        }
        assert_eq!(frames, ["<p>a</p>", "<p>b</p>"]);
    }
}
