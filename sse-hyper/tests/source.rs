//! The reconnecting client's scenarios (shared with ssekit-cli's `sse get` tests, in
//! `support/scenarios.rs`) through the library: `EventSource` against scripted loopback
//! servers.

#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/script.rs"]
mod script;

use std::time::Duration;

use futures_util::StreamExt;
use scenarios::{ClientConfig, End, Expect, SCENARIO_LIMIT, Scenario};
use ssekit_hyper::ssekit_core::Limits;
use ssekit_hyper::{Decoder, EventSource, Item, Reconnect, SourceError};

/// The source a scenario's client settings describe.
pub fn source_for(url: &str, config: &ClientConfig) -> EventSource {
    let mut limits = Limits::default();
    if let Some(max) = config.max_line_len {
        limits = limits.with_max_line_len(max);
    }
    if let Some(max) = config.max_event_size {
        limits = limits.with_max_event_size(max);
    }
    let mut decoder = Decoder::new()
        .with_limits(limits)
        .with_comments(config.comments);
    if let Some(id) = config.last_event_id {
        decoder = decoder.with_last_event_id(id);
    }
    let mut policy = Reconnect::new();
    if let Some(max) = config.max_retries {
        policy = policy.with_max_retries(max);
    }
    if let Some(max) = config.max_delay {
        policy = policy.with_max_delay(max);
    }
    let url = url.parse().expect("a URL");
    EventSource::new(url)
        .expect("an http URL")
        .with_decoder(decoder)
        .with_reconnect(policy)
        .with_idle_timeout(config.idle_timeout.unwrap_or_default())
}

/// What a source reported, as the scenarios describe it.
#[derive(Debug, Default)]
struct Seen {
    items: Vec<Expect>,
    opens: usize,
    delays: Vec<Duration>,
    fatal: Option<SourceError>,
}

async fn follow(mut source: EventSource) -> Seen {
    let mut seen = Seen::default();
    while let Some(item) = source.next().await {
        match item {
            Ok(Item::Open) => seen.opens += 1,
            Ok(Item::Event(e)) => seen.items.push(Expect::Event(
                e.event_type().into(),
                e.data().into(),
                e.last_event_id().into(),
            )),
            Ok(Item::Retry(time)) => seen.items.push(Expect::Retry(time.as_millis())),
            Ok(Item::Comment(text)) => seen.items.push(Expect::Comment(text)),
            Ok(Item::Reconnecting { delay, .. }) => seen.delays.push(delay),
            Ok(other) => panic!("an item no scenario expects: {other:?}"),
            Err(SourceError::Decode(_)) => seen.items.push(Expect::DecodeError),
            Err(error) => {
                assert!(error.is_fatal());
                seen.fatal = Some(error);
                assert!(
                    source.next().await.is_none(),
                    "the stream ends after {:?}",
                    seen.fatal
                );
                break;
            }
        }
    }
    seen
}

/// Runs a scenario through `EventSource` and checks everything it pins down.
async fn run(scenario: Scenario) {
    let source = source_for(&scenario.server.url("/events"), &scenario.client);
    let seen = match tokio::time::timeout(SCENARIO_LIMIT, follow(source)).await {
        Ok(seen) => seen,
        Err(_) => panic!("the scenario took longer than {SCENARIO_LIMIT:?}"),
    };
    assert_eq!(seen.items, scenario.expect);
    match (&scenario.end, &seen.fatal) {
        (End::Stop, None) => {}
        (End::Fail(what), Some(error)) => {
            assert!(
                error.to_string().contains(what),
                "{error} should say {what:?}"
            );
        }
        (end, fatal) => panic!("expected {end:?}, got {fatal:?}"),
    }
    if let Some(delays) = &scenario.delays {
        assert_eq!(&seen.delays, delays);
    }
    // One reconnection per request after the first; an open per stream.
    assert_eq!(seen.delays.len() + 1, scenario.sent.len(), "{seen:?}");
    assert!(seen.opens <= scenario.sent.len());
    scenario.check_requests();
}

#[tokio::test]
async fn dropped_mid_event_resumes_after_the_last_whole_event() {
    run(scenarios::dropped_mid_event()).await;
}

#[tokio::test]
async fn chunked_body_cut_mid_event_resumes_after_the_last_whole_event() {
    run(scenarios::dropped_mid_chunk()).await;
}

#[tokio::test]
async fn last_event_id_persists_across_reconnects_and_an_empty_id_resets_it() {
    run(scenarios::last_event_id_persists_and_resets()).await;
}

#[tokio::test]
async fn retry_is_followed_including_a_later_shorter_one() {
    run(scenarios::retry_followed()).await;
}

#[tokio::test]
async fn no_content_at_the_start_ends_cleanly() {
    run(scenarios::no_content_at_start()).await;
}

#[tokio::test]
async fn no_content_after_events_ends_cleanly() {
    run(scenarios::no_content_after_events()).await;
}

#[tokio::test]
async fn server_error_fails_for_good_saying_what_came() {
    run(scenarios::server_error()).await;
}

#[tokio::test]
async fn wrong_content_type_fails_for_good_saying_what_came() {
    run(scenarios::wrong_content_type()).await;
}

#[tokio::test]
async fn byte_at_a_time_with_a_bom_crlf_and_a_comment() {
    run(scenarios::byte_at_a_time()).await;
}

#[tokio::test]
async fn chunks_cutting_a_crlf_and_a_utf8_character() {
    run(scenarios::chunks_cut_crlf_and_utf8()).await;
}

#[tokio::test]
async fn twenty_reconnects_in_a_row_without_a_duplicate() {
    run(scenarios::twenty_reconnects()).await;
}

#[tokio::test]
async fn a_server_that_stops_sending_is_dropped_after_the_idle_timeout() {
    run(scenarios::idle_timeout()).await;
}

#[tokio::test]
async fn the_idle_timeout_covers_the_wait_for_the_response_head() {
    run(scenarios::idle_before_the_head()).await;
}

#[tokio::test]
async fn keep_alive_comments_keep_the_idle_timeout_away() {
    run(scenarios::keep_alive_is_not_idle()).await;
}

#[tokio::test]
async fn retries_exhausted_fails_for_good() {
    run(scenarios::retries_exhausted()).await;
}

#[tokio::test]
async fn an_initial_last_event_id_resumes_a_previous_stream() {
    run(scenarios::initial_last_event_id()).await;
}

#[tokio::test]
async fn hostile_endless_line_gets_the_line_limit() {
    run(scenarios::endless_line()).await;
}

#[tokio::test]
async fn hostile_huge_retry_is_capped_by_the_max_delay() {
    run(scenarios::huge_retry()).await;
}

#[tokio::test]
async fn hostile_binary_garbage_is_decoded_within_limits() {
    run(scenarios::binary_garbage()).await;
}

#[tokio::test]
async fn hostile_slow_drip_gets_the_line_limit() {
    run(scenarios::slow_drip()).await;
}
