//! The axum side (feature `axum`): `HxRequest` as an extractor, `HxResponse` and
//! `VaryHxRequest` as response parts, `HtmlStream` as a response, in a real axum router.
#![cfg(feature = "axum")]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::stream;
use http_body_util::BodyExt;
use ssekit_htmx::{HtmlStream, HxRequest, HxResponse, Trigger, VaryHxRequest};
use tower::ServiceExt;

/// The fragment for htmx, the page otherwise; both say they vary on `HX-Request`.
async fn todos(hx: HxRequest) -> Response {
    let body = if hx.wants_fragment() {
        "<li>one</li>"
    } else {
        "<html><ul><li>one</li></ul></html>"
    };
    let trigger = Trigger::new()
        .with_event("todos-loaded")
        .and_then(|t| HxResponse::new().with_trigger(t));
    match trigger {
        Ok(hx_headers) => (VaryHxRequest, hx_headers, Html(body)).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

async fn report() -> HtmlStream<impl futures_util::Stream<Item = &'static str>> {
    HtmlStream::new(stream::iter(["<h1>Report</h1>", "<p>done</p>"]))
}

async fn call(request: Request<Body>) -> (Response<()>, String) {
    let app = Router::new()
        .route("/todos", get(todos))
        .route("/report", get(report));
    let response = app.oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (
        Response::from_parts(parts, ()),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn htmx_gets_the_fragment_and_a_browser_the_page() {
    let htmx = Request::get("/todos")
        .header("HX-Request", "true")
        .body(Body::empty())
        .expect("request");
    let (response, body) = call(htmx).await;
    assert_eq!(body, "<li>one</li>");
    assert_eq!(response.headers()["vary"], "HX-Request");
    assert_eq!(response.headers()["hx-trigger"], "todos-loaded");

    let browser = Request::get("/todos").body(Body::empty()).expect("request");
    let (response, body) = call(browser).await;
    assert!(body.starts_with("<html>"));
    assert_eq!(response.headers()["vary"], "HX-Request");
}

#[tokio::test]
async fn a_streamed_page_arrives_whole_with_its_headers() {
    let (response, body) = call(
        Request::get("/report")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(body, "<h1>Report</h1><p>done</p>");
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["x-accel-buffering"], "no");
}
