//! Allocations per event for every implementation, counted by a counting global allocator
//! and printed as markdown tables.
//!
//! `cargo run --release -p sse-benches --bin alloc_report`
//!
//! Every implementation is run once to warm up (reused buffers reach their size, axum's
//! body is built), then measured over many events; a cell is allocations per event (plus
//! reallocations, if any) and the bytes those allocations asked for.
//!
//! Last, the heap each idle subscriber holds: ssekit-hub's `Subscription` against a tokio
//! broadcast receiver in a `BroadcastStream` (what the `hub_load` broadcast server keeps per
//! connection).

use std::hint::black_box;

use stats_alloc::{Region, Stats, StatsAlloc};

use sse_benches::inputs::{decode_inputs, encode_inputs};
use sse_benches::{check, decode, encode};

#[global_allocator]
static GLOBAL: StatsAlloc<std::alloc::System> = StatsAlloc::system();

/// Events measured per encode cell.
const ENCODE_ROUNDS: usize = 1000;

/// Counts what `work` allocates.
fn count(work: impl FnOnce()) -> Stats {
    let region = Region::new(&GLOBAL);
    work();
    region.change()
}

fn cell(stats: &Stats, per: usize) -> String {
    let per = per as f64;
    let allocs = stats.allocations as f64 / per;
    let reallocs = stats.reallocations as f64 / per;
    let bytes = (stats.bytes_allocated as f64 + stats.bytes_reallocated.max(0) as f64) / per;
    // Whole numbers without decimals; anything else with two.
    let num = |x: f64| {
        let text = format!("{x:.2}");
        match text.strip_suffix(".00") {
            Some(whole) => whole.to_owned(),
            None => text,
        }
    };
    let mut text = num(allocs);
    if reallocs >= 0.005 {
        text.push_str(&format!(" + {} realloc", num(reallocs)));
    }
    format!("{text} ({} B)", bytes.round())
}

fn encode_cell(name: &str, input: &'static sse_benches::inputs::EncodeInput) -> Stats {
    let capacity = 2 * encode::run("sse_core_vec", input).len();
    match name {
        "sse_core_vec" | "floor_memchr" => {
            let f = if name == "sse_core_vec" {
                encode::sse_core_vec
            } else {
                encode::floor_memchr
            };
            let mut out = Vec::with_capacity(capacity);
            f(input, &mut out);
            count(|| {
                for _ in 0..ENCODE_ROUNDS {
                    f(black_box(input), &mut out);
                    black_box(out.as_slice());
                }
            })
        }
        "sse_core_bytes" => count(|| {
            for _ in 0..ENCODE_ROUNDS {
                black_box(encode::sse_core_bytes(black_box(input)));
            }
        }),
        "sse_hyper_body" => {
            let mut body = encode::HyperBody::new(input);
            black_box(body.next_frame());
            count(|| {
                for _ in 0..ENCODE_ROUNDS {
                    black_box(body.next_frame());
                }
            })
        }
        "sse_core_split" => count(|| {
            for _ in 0..ENCODE_ROUNDS {
                black_box(encode::sse_core_split(black_box(input)));
            }
        }),
        "axum" => {
            let mut body = encode::AxumBody::new(input);
            black_box(body.next_frame());
            count(|| {
                for _ in 0..ENCODE_ROUNDS {
                    black_box(body.next_frame());
                }
            })
        }
        "warp" => {
            let mut out = String::with_capacity(capacity);
            encode::warp(input, &mut out);
            count(|| {
                for _ in 0..ENCODE_ROUNDS {
                    encode::warp(black_box(input), &mut out);
                    black_box(out.as_str());
                }
            })
        }
        "sse_stream" => count(|| {
            for _ in 0..ENCODE_ROUNDS {
                black_box(encode::sse_stream(black_box(input)));
            }
        }),
        "sse_stream_body" => {
            let mut body = encode::SseStreamBody::new(input);
            black_box(body.next_frame());
            count(|| {
                for _ in 0..ENCODE_ROUNDS {
                    black_box(body.next_frame());
                }
            })
        }
        other => panic!("unknown encoder {other}"),
    }
}

/// Subscribers in the per-subscriber memory table.
const SUBSCRIBERS: usize = 10_000;

/// Net heap bytes a region kept (allocated − freed, reallocations included).
fn net_bytes(stats: &Stats) -> i128 {
    stats.bytes_allocated as i128 - stats.bytes_deallocated as i128
        + stats.bytes_reallocated as i128
}

/// One row of the per-subscriber table.
fn subscriber_row(name: &str, handle: usize, idle: &Stats, after_event: &Stats) {
    let per = SUBSCRIBERS as f64;
    println!(
        "| {name} | {handle} B | {:.2} ({:.0} B) | {:.0} B |",
        idle.allocations as f64 / per,
        net_bytes(idle) as f64 / per,
        net_bytes(after_event) as f64 / per,
    );
}

/// Heap held per idle subscriber: ssekit-hub's `Subscription` against what the broadcast app
/// keeps per connection (a `tokio::sync::broadcast::Receiver` in a `BroadcastStream`).
fn subscriber_memory() {
    use futures_util::{FutureExt as _, StreamExt as _};

    println!("\n### Heap per subscriber\n");
    println!(
        "{SUBSCRIBERS} subscribers of one topic or channel; allocations per subscriber (net bytes \
         held per subscriber) when idle, and what one event delivered to each adds for good \
         (queue buffers). The handle is what the connection's future holds inline.\n"
    );
    println!("| subscriber | handle | idle | + after one event |");
    println!("|---|---:|---:|---:|");

    let hub: ssekit_hub::Hub = ssekit_hub::Hub::default();
    let mut subscriptions = Vec::with_capacity(SUBSCRIBERS);
    let idle = count(|| {
        subscriptions.extend((0..SUBSCRIBERS).map(|_| hub.subscribe(["t"], None).expect("open")));
    });
    let after_event = count(|| {
        hub.publish("t", "x").expect("open");
        for subscription in &mut subscriptions {
            black_box(
                subscription
                    .next()
                    .now_or_never()
                    .flatten()
                    .expect("delivered"),
            );
        }
    });
    subscriber_row(
        "ssekit-hub `Subscription`",
        size_of::<ssekit_hub::Subscription>(),
        &idle,
        &after_event,
    );
    drop(subscriptions);

    let (sender, _) = tokio::sync::broadcast::channel::<String>(256);
    let mut receivers = Vec::with_capacity(SUBSCRIBERS);
    let idle = count(|| {
        receivers.extend(
            (0..SUBSCRIBERS)
                .map(|_| tokio_stream::wrappers::BroadcastStream::new(sender.subscribe())),
        );
    });
    let after_event = count(|| {
        sender.send("x".to_owned()).expect("receivers");
        for receiver in &mut receivers {
            black_box(
                receiver
                    .next()
                    .now_or_never()
                    .flatten()
                    .expect("delivered")
                    .ok(),
            );
        }
    });
    subscriber_row(
        "tokio `broadcast::Receiver` in a `BroadcastStream`",
        size_of::<tokio_stream::wrappers::BroadcastStream<String>>(),
        &idle,
        &after_event,
    );
}

fn main() {
    let notes = check::check_encoders();
    check::check_decoders();

    println!("### Allocations per event, encoding\n");
    println!("allocations per event (bytes requested per event); reused buffers pre-sized.\n");
    println!("| group | {} |", encode::IMPLS.join(" | "));
    println!("|---|{}", "---:|".repeat(encode::IMPLS.len()));
    for input in encode_inputs() {
        let cells: Vec<String> = encode::IMPLS
            .iter()
            .map(|name| cell(&encode_cell(name, input), ENCODE_ROUNDS))
            .collect();
        println!("| `{}` | {} |", input.group, cells.join(" | "));
    }

    println!("\n### Allocations per event, decoding\n");
    println!(
        "allocations per decoded event (bytes requested per event), whole stream decoded from a new decoder.\n"
    );
    println!("| group | {} |", decode::IMPLS.join(" | "));
    println!("|---|{}", "---:|".repeat(decode::IMPLS.len()));
    for input in decode_inputs() {
        let cells: Vec<String> = decode::IMPLS
            .iter()
            .map(|name| {
                black_box(decode::run(name, &input.chunks));
                let stats = count(|| {
                    black_box(decode::run(name, &input.chunks));
                });
                cell(&stats, input.events)
            })
            .collect();
        println!("| `{}` | {} |", input.group, cells.join(" | "));
    }

    subscriber_memory();

    for note in notes {
        println!("\nnote: {note}");
    }
}
