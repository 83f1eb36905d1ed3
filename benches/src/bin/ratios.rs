//! Interleaved timing of every implementation, for machines whose speed drifts.
//!
//! `cargo run --release -p sse-benches --bin ratios [-- ROUNDS]` (default 30 rounds, about
//! 10 seconds; 60 rounds about 20)
//!
//! Criterion measures one implementation after another: on a shared VM whose speed drifts
//! by tens of percent within a minute, the ratios within a group then drift too. Here every
//! implementation of a group is timed once per round, in turn, round after round, so a slow
//! spell slows them all alike; each prints the median of its rounds, and ratios of medians.
//! A decode sample is one whole stream; an encode sample is 1,000 events (ns per event).
//! The same sanity checks as the criterion benchmark run first.

use std::hint::black_box;
use std::time::Instant;

use sse_benches::inputs::{decode_inputs, encode_inputs};
use sse_benches::{check, decode, encode};

/// Events per encode sample.
const BATCH: u32 = 1000;

/// One implementation: its name and a function that takes one sample (in its unit).
type Timed<'a> = (&'static str, Box<dyn FnMut() -> f64 + 'a>);

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    for note in check::check_encoders() {
        eprintln!("note: {note}");
    }
    check::check_decoders();
    println!("{rounds} interleaved rounds; medians; ratios of medians.\n");
    for input in encode_inputs() {
        print_group(
            input.group,
            "ns/event",
            &interleave(rounds, encoders(input)),
        );
    }
    for input in decode_inputs() {
        let chunks = input.chunks.as_slice();
        let mut impls: Vec<Timed<'_>> = Vec::new();
        for name in decode::DECODERS {
            impls.push((
                name,
                Box::new(move || {
                    let start = Instant::now();
                    let mut sum = 0usize;
                    decode::decode_with(name, black_box(chunks), |t, data, id| {
                        sum += t.len() + data.len() + id.len();
                    });
                    black_box(sum);
                    start.elapsed().as_secs_f64() * 1e6
                }),
            ));
        }
        for name in decode::FLOORS {
            impls.push((
                name,
                Box::new(move || {
                    let start = Instant::now();
                    black_box(decode::floor(name, black_box(chunks)));
                    start.elapsed().as_secs_f64() * 1e6
                }),
            ));
        }
        print_group(input.group, "µs/stream", &interleave(rounds, impls));
    }
}

/// The encoders of `input`, each timing a batch of events (ns per event). Their state
/// (reused buffers, bodies) is set up here, outside the samples.
fn encoders(input: &'static sse_benches::inputs::EncodeInput) -> Vec<Timed<'static>> {
    fn per_event(mut one: impl FnMut()) -> f64 {
        let start = Instant::now();
        for _ in 0..BATCH {
            one();
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(BATCH)
    }
    let len = encode::run("sse_core_vec", input).len();
    let mut vec = Vec::with_capacity(2 * len);
    let mut floor = Vec::with_capacity(2 * len);
    let mut string = String::with_capacity(2 * len);
    let mut hyper = encode::HyperBody::new(input);
    let mut axum = encode::AxumBody::new(input);
    let mut sse_stream_body = encode::SseStreamBody::new(input);
    vec![
        (
            "sse_core_vec",
            Box::new(move || {
                per_event(|| {
                    encode::sse_core_vec(black_box(input), &mut vec);
                    black_box(vec.as_slice());
                })
            }),
        ),
        (
            "sse_core_bytes",
            Box::new(move || per_event(|| drop(black_box(encode::sse_core_bytes(input))))),
        ),
        (
            "sse_core_split",
            Box::new(move || per_event(|| drop(black_box(encode::sse_core_split(input))))),
        ),
        (
            "sse_hyper_body",
            Box::new(move || per_event(|| drop(black_box(hyper.next_frame())))),
        ),
        (
            "axum",
            Box::new(move || per_event(|| drop(black_box(axum.next_frame())))),
        ),
        (
            "warp",
            Box::new(move || {
                per_event(|| {
                    encode::warp(black_box(input), &mut string);
                    black_box(string.as_str());
                })
            }),
        ),
        (
            "sse_stream",
            Box::new(move || per_event(|| drop(black_box(encode::sse_stream(input))))),
        ),
        (
            "sse_stream_body",
            Box::new(move || per_event(|| drop(black_box(sse_stream_body.next_frame())))),
        ),
        (
            "floor_memchr",
            Box::new(move || {
                per_event(|| {
                    encode::floor_memchr(black_box(input), &mut floor);
                    black_box(floor.as_slice());
                })
            }),
        ),
    ]
}

/// Takes one sample of each implementation per round, in turn (after one warm-up round);
/// returns each one's median.
fn interleave(rounds: usize, mut impls: Vec<Timed<'_>>) -> Vec<(&'static str, f64)> {
    let mut samples = vec![Vec::with_capacity(rounds); impls.len()];
    for round in 0..=rounds {
        for ((_, sample), taken) in impls.iter_mut().zip(&mut samples) {
            let value = sample();
            if round > 0 {
                taken.push(value);
            }
        }
    }
    impls
        .iter()
        .zip(&mut samples)
        .map(|((name, _), taken)| {
            taken.sort_by(f64::total_cmp);
            (
                *name,
                taken.get(taken.len() / 2).copied().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

/// One markdown table: each implementation's median, and its ratio to the floor (decoding:
/// to both floors) and to the hand-written decoder (decoding) or to `sse_core_vec`
/// (encoding).
fn print_group(group: &str, unit: &str, medians: &[(&'static str, f64)]) {
    let of = |name: &str| medians.iter().find(|(n, _)| *n == name).map(|(_, m)| *m);
    let floor = of("floor_memchr").unwrap_or(f64::NAN);
    let (base_name, base) = match of("hand_written") {
        Some(hand) => ("hand_written", hand),
        None => ("sse_core_vec", of("sse_core_vec").unwrap_or(f64::NAN)),
    };
    // Decoding has a second floor, which checks the text as UTF-8 too.
    let utf8_floor = of("floor_utf8");
    let (utf8_head, utf8_rule) = match utf8_floor {
        Some(_) => (" x floor_utf8 |", "---:|"),
        None => ("", ""),
    };
    println!("**`{group}`**\n");
    println!("| implementation | median ({unit}) | x floor |{utf8_head} x {base_name} |");
    println!("|---|---:|---:|{utf8_rule}---:|");
    for (name, median) in medians {
        let utf8_cell = utf8_floor.map_or(String::new(), |f| format!(" {:.2}x |", median / f));
        println!(
            "| {name} | {median:.1} | {:.2}x |{utf8_cell} {:.2}x |",
            median / floor,
            median / base
        );
    }
    println!();
}
