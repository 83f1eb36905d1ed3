//! The client side against a real server: telling an event stream from a "stop" or an error
//! page, and reading what the server asks of a reconnecting client.

mod common;
mod support;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use futures_util::stream;
use http::{Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use ssekit_hyper::{Decoded, Event, ResponseError, Sse, check_response};
use support::*;

async fn route(
    request: Request<Incoming>,
) -> Result<Response<impl http_body::Body<Data = Bytes, Error = ssekit_hyper::BoxError>>, Infallible>
{
    let plain = |status: StatusCode, content_type: &'static str, body: &'static str| {
        let mut response = Response::new(Either::Right(http_body_util::BodyExt::map_err(
            Full::from(body),
            |never| match never {},
        )));
        *response.status_mut() = status;
        if !content_type.is_empty() {
            response
                .headers_mut()
                .insert("content-type", content_type.parse().expect("valid"));
        }
        response
    };
    Ok(match request.uri().path() {
        "/gone" => plain(StatusCode::NO_CONTENT, "", ""),
        "/missing" => plain(StatusCode::NOT_FOUND, "text/html", "<h1>Not Found</h1>"),
        _ => {
            let event = Event::new()
                .with_retry(Duration::from_millis(1500))
                .with_data("hello");
            Sse::new(stream::iter([event]))
                .into_response()
                .map(Either::Left)
        }
    })
}

#[tokio::test]
async fn check_response_tells_streams_stops_and_errors_apart() {
    let addr = serve(service_fn(route)).await;
    let (response, _conn) = get(addr, "/events", &[]).await;
    assert_eq!(check_response(&response), Ok(()));
    let (response, _conn) = get(addr, "/gone", &[]).await;
    assert_eq!(check_response(&response), Err(ResponseError::NoContent));
    let (response, _conn) = get(addr, "/missing", &[]).await;
    let error = check_response(&response).map_err(|e| e.to_string());
    assert_eq!(
        error,
        Err("expected 200 with text/event-stream, got 404 Not Found with content type \"text/html\"".into())
    );
}

#[tokio::test]
async fn reconnection_time_is_reported() {
    let addr = serve(service_fn(route)).await;
    let (response, _conn) = get(addr, "/events", &[]).await;
    let mut events = decode(response, false);
    let mut data = Vec::new();
    while let Some(item) = next(&mut events).await {
        match item {
            Ok(Decoded::Event(event)) => data.push(event.data().to_owned()),
            Ok(_) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(data, ["hello"]);
    assert_eq!(
        events.reconnection_time(),
        Some(Duration::from_millis(1500))
    );
}
