//! Client side: [`EventSource`], a reconnecting client that follows the WHATWG `EventSource`
//! processing model.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, Request, Uri};
use http_body::Body;
use http_body_util::Empty;
use ssekit_core::{Decoded, Decoder};
use tokio::time::Sleep;
use tower_service::Service;

use crate::backoff::Backoff;
use crate::client::{ClientError, EventStream};
use crate::connect::{self, Connect, ResponseFuture, SourceBody};
use crate::idle::{Deadline, IdleBody, IdleTimedOut};
use crate::item::BoxError;
use crate::reconnect::Reconnect;
use crate::redirect;
use crate::request::set_request_headers;
use crate::source_error::{Disconnect, SetupError, SourceError};
use crate::source_item::Item;
use crate::verdict::{Verdict, verdict};

/// The headers callback.
type HeadersFn = Arc<dyn Fn() -> HeaderMap + Send + Sync>;

/// A reconnecting event-stream client, as a browser's `EventSource`: a
/// [`Stream`] of [`Item`]s (connection opened, events, comments when asked for, `retry`
/// fields, reconnections) and [`SourceError`]s.
///
/// It follows the WHATWG processing model:
/// - Each request is a GET with `Accept: text/event-stream`, `Cache-Control: no-cache` and,
///   unless it is empty, `Last-Event-ID` ([`set_request_headers`](crate::set_request_headers)).
///   Redirects (301, 302, 303, 307, 308) are followed, up to 20 in a row by default; the
///   headers that carry credentials (`Authorization`, `Cookie`, `Proxy-Authorization`) are
///   not sent to another origin. A reconnection starts again from the URL given here.
/// - Status 200 with `text/event-stream` (any case, any parameters) opens the stream
///   ([`Item::Open`]). 204 ends the stream cleanly, for good. Anything else fails for good
///   with an error that says what came ([`SourceError::Response`]), unless the
///   [`Reconnect`] policy retries 5xx and 429.
/// - When the body ends or fails, or nothing arrives for the idle timeout, it reconnects
///   after the reconnection time ([`Item::Reconnecting`]): the server's last `retry`, or 3 s,
///   with exponential backoff and jitter while attempts keep failing, reset once a
///   connection delivers an event ([`Backoff`](crate::Backoff)). No wait is longer than the
///   policy's maximum delay (5 minutes by default), however large the server's `retry`.
/// - Every byte is decoded by ssekit-core's [`Decoder`], with its limits. An event cut off by a
///   lost connection is never dispatched; the last event ID changes only when an event is
///   dispatched, persists across reconnections and is sent with each one.
///
/// Nothing happens until it is polled. It is cancellation-safe: a `next()` dropped before it
/// completes loses nothing (all state stays in the source), and dropping the source drops its
/// connection. It must be polled inside a tokio runtime (its timers are tokio's, and so is
/// the default client).
///
/// ```no_run
/// use futures_util::StreamExt;
/// use ssekit_hyper::{Decoder, EventSource, Item, Reconnect};
/// use std::time::Duration;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let mut source = EventSource::new("http://127.0.0.1:3000/events".parse()?)?
///     .with_decoder(Decoder::new().with_last_event_id("41")) // resume where we left off
///     .with_reconnect(Reconnect::new().with_max_retries(10))
///     .with_idle_timeout(Duration::from_secs(45)) // the server sends a comment every 15 s
///     .with_headers(|| {
///         let mut headers = http::HeaderMap::new(); // called before each request
///         headers.insert("authorization", http::HeaderValue::from_static("Bearer fresh"));
///         headers
///     });
/// while let Some(item) = source.next().await {
///     match item? {
///         Item::Event(event) => println!("{}: {}", event.event_type(), event.data()),
///         Item::Reconnecting { delay, cause, .. } => eprintln!("{cause}; again in {delay:?}"),
///         _ => {}
///     }
/// }
/// // The server answered 204: done. `source.last_event_id()` is where to resume next time.
/// # Ok(())
/// # }
/// ```
pub struct EventSource {
    client: Box<dyn Connect>,
    url: Uri,
    headers: Option<HeadersFn>,
    reconnect: Reconnect,
    idle_timeout: Duration,
    max_redirects: u32,
    backoff: Backoff,
    /// The decoder, between connections (while one is open, its stream has it).
    decoder: Option<Decoder>,
    state: State,
    /// Attempts so far, mixed into the jitter.
    attempts: u64,
}

/// Where the loop is.
enum State {
    /// Waiting before the next attempt (`None`: none to wait for).
    Waiting(Option<Pin<Box<Sleep>>>),
    /// A request on its way (`None`: the client was not ready yet).
    Connecting {
        url: Uri,
        redirects: u32,
        response: Option<ResponseFuture>,
        deadline: Option<Deadline>,
    },
    /// Reading an event stream.
    Open(Box<EventStream<IdleBody<SourceBody>>>),
    /// Stopped for good.
    Done,
}

/// One step of the loop: an item to yield, or go on.
enum Step {
    Yield(Option<Result<Item, SourceError>>),
    Continue,
}

impl EventSource {
    /// Redirects followed in a row by default: 20, as in the Fetch standard.
    pub const DEFAULT_MAX_REDIRECTS: u32 = 20;

    /// Like [`new`](Self::new) for https, trusting also the CA certificates in the PEM
    /// file `ca` (a private CA, or a development certificate such as ssekit-hyper's
    /// self-signed one) beside the public roots. HTTP/2 or HTTP/1.1 by ALPN.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`SetupError::Tls`] when `ca` cannot be read or holds no
    /// certificate.
    #[cfg(feature = "rustls")]
    pub fn new_trusting(url: Uri, ca: impl AsRef<std::path::Path>) -> Result<Self, SetupError> {
        check_url(&url)?;
        Ok(Self::with_client(
            connect::client_trusting(ca.as_ref())?,
            url,
        ))
    }

    /// An event source for `url` over hyper-util's client (http; https with feature
    /// `rustls`), with the defaults: [`Decoder::new`], [`Reconnect::new`], no idle timeout,
    /// no extra headers, 20 redirects.
    pub fn new(url: Uri) -> Result<Self, SetupError> {
        let scheme = check_url(&url)?;
        if !connect::default_client_speaks(scheme) {
            return Err(SetupError::UnsupportedScheme(scheme.to_owned()));
        }
        Ok(Self::with_client(connect::default_client()?, url))
    }

    /// An event source for `url` over any client: a tower `Service` from
    /// `http::Request<Empty<Bytes>>` to `http::Response` with any body (hyper-util's client
    /// built your way, a tower stack with your layers, a test double…). The request URI is
    /// absolute; the service adds `Host` if it needs one (as hyper-util's client does).
    ///
    /// Here a service answers from memory: a stream that ends, then 204 to the reconnection.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::StreamExt;
    /// use http::{Request, Response};
    /// use http_body_util::{Empty, Full};
    /// use ssekit_hyper::{EventSource, Item};
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let service = tower::service_fn(|request: Request<Empty<Bytes>>| async move {
    ///     match request.headers().get("last-event-id") {
    ///         None => Response::builder()
    ///             .header("content-type", "text/event-stream")
    ///             .body(Full::new(Bytes::from("retry: 10\nid: 1\ndata: hello\n\nid: 2\ndata: cut o"))),
    ///         Some(id) => {
    ///             assert_eq!(id, "1"); // resumes after the last whole event
    ///             Response::builder().status(204).body(Full::default())
    ///         }
    ///     }
    /// });
    /// let url = "http://example.invalid/events".parse()?;
    /// let mut source = EventSource::new_with_service(service, url)?;
    /// let mut data = Vec::new();
    /// while let Some(item) = source.next().await {
    ///     match item? {
    ///         Item::Event(event) => data.push(event.data().to_owned()),
    ///         Item::Reconnecting { delay, .. } => assert_eq!(delay, Duration::from_millis(10)),
    ///         _ => {}
    ///     }
    /// }
    /// assert_eq!(data, ["hello"]); // the event cut off is never dispatched
    /// assert_eq!(source.last_event_id(), "1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_with_service<S, B>(service: S, url: Uri) -> Result<Self, SetupError>
    where
        S: Service<Request<Empty<Bytes>>, Response = http::Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        check_url(&url)?;
        Ok(Self::with_client(Box::new(service), url))
    }

    fn with_client(client: Box<dyn Connect>, url: Uri) -> Self {
        EventSource {
            client,
            url,
            headers: None,
            reconnect: Reconnect::new(),
            idle_timeout: Duration::ZERO,
            max_redirects: Self::DEFAULT_MAX_REDIRECTS,
            backoff: Backoff::new(),
            decoder: Some(Decoder::new()),
            state: State::Waiting(None),
            attempts: 0,
        }
    }

    /// Decodes with `decoder`: its limits, whether it keeps comments (then yielded as
    /// [`Item::Comment`]), and the last event ID it starts from (sent with the first
    /// request: resume a stream a previous process followed). Set it before the first poll:
    /// once the source has started, it keeps the decoder it has.
    #[must_use]
    pub fn with_decoder(mut self, decoder: Decoder) -> Self {
        if let State::Waiting(None) = self.state {
            self.decoder = Some(decoder);
        }
        self
    }

    /// Reconnects as `policy` says.
    #[must_use]
    pub fn with_reconnect(mut self, policy: Reconnect) -> Self {
        self.reconnect = policy;
        self
    }

    /// Drops a connection on which no byte (not even a comment) arrived for `timeout`, and
    /// reconnects; the wait for a response head counts too. Off by default; zero turns it
    /// off. Pick it longer than the server's keep-alive interval.
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Adds the headers `headers` returns to every request; it is called before each one, so
    /// a token can be refreshed before a reconnection. `Accept`, `Cache-Control` and
    /// `Last-Event-ID` are the source's own and replace any it returns.
    #[must_use]
    pub fn with_headers<F>(mut self, headers: F) -> Self
    where
        F: Fn() -> HeaderMap + Send + Sync + 'static,
    {
        self.headers = Some(Arc::new(headers));
        self
    }

    /// Follows at most `max` redirects in a row (then fails with
    /// [`SourceError::TooManyRedirects`]); `0` follows none.
    #[must_use]
    pub fn with_max_redirects(mut self, max: u32) -> Self {
        self.max_redirects = max;
        self
    }
}

impl EventSource {
    /// The URL it connects (and reconnects) to.
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// The last event ID: what the next request sends as `Last-Event-ID` (`""`: none).
    pub fn last_event_id(&self) -> &str {
        match (&self.state, &self.decoder) {
            (State::Open(events), _) => events.last_event_id(),
            (_, Some(decoder)) => decoder.last_event_id(),
            (_, None) => "",
        }
    }

    /// The reconnection time in force: the server's last `retry` (capped by the policy's
    /// maximum delay), or the policy's. Failing attempts back off from it.
    pub fn reconnection_time(&self) -> Duration {
        let server = match (&self.state, &self.decoder) {
            (State::Open(events), _) => events.reconnection_time(),
            (_, Some(decoder)) => decoder.reconnection_time(),
            (_, None) => None,
        };
        server
            .unwrap_or(self.reconnect.reconnection_time())
            .min(self.reconnect.max_delay())
    }

    /// The attempts since the last healthy connection.
    pub fn retries(&self) -> u32 {
        self.backoff.retries()
    }

    /// One step of the loop.
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<Step> {
        match &mut self.state {
            State::Done => Poll::Ready(Step::Yield(None)),
            State::Waiting(sleep) => {
                if sleep
                    .as_mut()
                    .is_some_and(|sleep| sleep.as_mut().poll(cx).is_pending())
                {
                    return Poll::Pending;
                }
                self.state = State::Connecting {
                    url: self.url.clone(),
                    redirects: 0,
                    response: None,
                    deadline: Deadline::after(self.idle_timeout),
                };
                Poll::Ready(Step::Continue)
            }
            State::Connecting {
                response: None,
                url,
                ..
            } => {
                let url = url.clone();
                match self.client.poll_ready(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => return Poll::Ready(self.lost(Disconnect::Connect(e))),
                    Poll::Ready(Ok(())) => {}
                }
                let request = match self.request(url) {
                    Ok(request) => request,
                    Err(error) => return Poll::Ready(self.fail(error)),
                };
                self.attempts = self.attempts.wrapping_add(1);
                let future = self.client.call(request);
                if let State::Connecting { response, .. } = &mut self.state {
                    *response = Some(future);
                }
                Poll::Ready(Step::Continue)
            }
            State::Connecting {
                response: Some(future),
                url,
                redirects,
                deadline,
            } => {
                let response = match future.as_mut().poll(cx) {
                    Poll::Ready(Ok(response)) => response,
                    Poll::Ready(Err(e)) => return Poll::Ready(self.lost(Disconnect::Connect(e))),
                    Poll::Pending => {
                        if let Some(Poll::Ready(IdleTimedOut(after))) =
                            deadline.as_mut().map(|d| d.poll_expired(cx))
                        {
                            return Poll::Ready(self.lost(Disconnect::IdleTimeout(after)));
                        }
                        return Poll::Pending;
                    }
                };
                let (url, redirects) = (url.clone(), *redirects);
                let judged = verdict(
                    &response,
                    &url,
                    redirects,
                    self.max_redirects,
                    &self.reconnect,
                    SystemTime::now(),
                );
                Poll::Ready(match judged {
                    Verdict::Open => {
                        let decoder = self.decoder.take().unwrap_or_default();
                        let body =
                            IdleBody::new(response.into_body(), Deadline::after(self.idle_timeout));
                        let events = EventStream::new(body).with_decoder(decoder);
                        self.state = State::Open(Box::new(events));
                        Step::Yield(Some(Ok(Item::Open)))
                    }
                    Verdict::Stop => {
                        self.state = State::Done;
                        Step::Yield(None)
                    }
                    Verdict::Redirect(next) => {
                        self.state = State::Connecting {
                            url: next,
                            redirects: redirects.saturating_add(1),
                            response: None,
                            deadline: Deadline::after(self.idle_timeout),
                        };
                        Step::Continue
                    }
                    Verdict::Retry(cause) => self.lost(cause),
                    Verdict::Fail(error) => self.fail(error),
                })
            }
            State::Open(events) => {
                let item = match Pin::new(&mut **events).poll_next(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(item) => item,
                };
                Poll::Ready(match item {
                    Some(Ok(Decoded::Event(event))) => {
                        self.backoff.reset(); // a healthy connection
                        Step::Yield(Some(Ok(Item::Event(event))))
                    }
                    Some(Ok(Decoded::Retry(time))) => Step::Yield(Some(Ok(Item::Retry(time)))),
                    Some(Ok(Decoded::Comment(text))) => Step::Yield(Some(Ok(Item::Comment(text)))),
                    Some(Ok(_)) => Step::Continue,
                    Some(Err(ClientError::Decode(e))) => {
                        Step::Yield(Some(Err(SourceError::Decode(e))))
                    }
                    Some(Err(ClientError::Body(e))) => {
                        let cause = match e.downcast::<IdleTimedOut>() {
                            Ok(timed_out) => Disconnect::IdleTimeout(timed_out.0),
                            Err(e) => Disconnect::Body(e),
                        };
                        self.lost(cause)
                    }
                    None => self.lost(Disconnect::Ended),
                })
            }
        }
    }

    /// The request for `url`: the caller's headers (credentials only to the source's own
    /// origin), then the source's.
    fn request(&self, url: Uri) -> Result<Request<Empty<Bytes>>, SourceError> {
        let mut headers = self.headers.as_ref().map(|f| f()).unwrap_or_default();
        if !redirect::same_origin(&url, &self.url) {
            redirect::strip_credentials(&mut headers);
        }
        set_request_headers(&mut headers, self.last_event_id())
            .map_err(SourceError::LastEventId)?;
        let mut request = Request::new(Empty::new());
        *request.uri_mut() = url;
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// The connection is lost: wait and reconnect, or give up.
    fn lost(&mut self, cause: Disconnect) -> Step {
        let mut decoder = match std::mem::replace(&mut self.state, State::Done) {
            State::Open(events) => events.into_decoder(),
            _ => self.decoder.take().unwrap_or_default(),
        };
        decoder.finish(); // an event cut off is never dispatched
        self.decoder = Some(decoder);
        let retry_after = match &cause {
            Disconnect::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        let time = self.reconnection_time();
        let random = self.random();
        match self
            .backoff
            .next_delay(&self.reconnect, time, retry_after, random)
        {
            Some(delay) => {
                self.state = State::Waiting(Some(Box::pin(tokio::time::sleep(delay))));
                Step::Yield(Some(Ok(Item::Reconnecting {
                    delay,
                    retry: self.backoff.retries(),
                    cause,
                })))
            }
            None => Step::Yield(Some(Err(SourceError::RetriesExhausted {
                retries: self.backoff.retries(),
                last: cause,
            }))),
        }
    }

    /// Fail for good.
    fn fail(&mut self, error: SourceError) -> Step {
        if let State::Open(events) = std::mem::replace(&mut self.state, State::Done) {
            self.decoder = Some(events.into_decoder());
        }
        Step::Yield(Some(Err(error)))
    }

    /// A random number for the jitter (std's randomly keyed hasher over a counter and the
    /// time: no generator needed).
    fn random(&self) -> u64 {
        let mut hasher = RandomState::new().build_hasher();
        self.attempts.hash(&mut hasher);
        Instant::now().hash(&mut hasher);
        hasher.finish()
    }
}

impl Stream for EventSource {
    type Item = Result<Item, SourceError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match this.step(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Step::Continue) => {}
                Poll::Ready(Step::Yield(item)) => return Poll::Ready(item),
            }
        }
    }
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Waiting(_) => "waiting",
            State::Connecting { .. } => "connecting",
            State::Open(_) => "open",
            State::Done => "done",
        };
        f.debug_struct("EventSource")
            .field("url", &self.url)
            .field("state", &state)
            .field("last_event_id", &self.last_event_id())
            .field("reconnect", &self.reconnect)
            .field("retries", &self.backoff.retries())
            .finish_non_exhaustive()
    }
}

/// The URL's scheme, if it is absolute (scheme and host) and http(s).
fn check_url(url: &Uri) -> Result<&str, SetupError> {
    let (Some(scheme), Some(_)) = (url.scheme_str(), url.authority()) else {
        return Err(SetupError::NotAbsolute(url.clone()));
    };
    match scheme {
        "http" | "https" => Ok(scheme),
        other => Err(SetupError::UnsupportedScheme(other.to_owned())),
    }
}
