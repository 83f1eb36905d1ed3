//! Property tests: at any chunking, the incremental decoder's output equals the output of the
//! whole-input reference decoder (`tests/common/reference.rs`), with comments on and off.
#![cfg(feature = "std")]

mod common;

use std::time::Duration;

use common::{feed_sizes, reference};
use proptest::prelude::*;
use ssekit_core::line::{Line, LineDecoder};
use ssekit_core::{Decoded, Decoder, Limits, MessageEvent, Progress};

/// Pieces that make SSE-ish streams likely to hit every rule and every boundary.
const PIECES: &[&[u8]] = &[
    b"data",
    b"data:",
    b"data: ",
    b"data ",
    b"Data:",
    b": ",
    b":",
    b"event:",
    b"event: ",
    b"id:",
    b"id: ",
    b"retry:",
    b"retry: ",
    b"\r",
    b"\n",
    b"\r\n",
    b"\n",
    b"\r\n",
    b"\xEF\xBB\xBF",
    b"\xEF\xBB",
    b"\0",
    b"0",
    b"7",
    b"42",
    b"18446744073709551616",
    b"x",
    b"ab",
    b" ",
    b"\xFF",
    b"\xC3",
    b"\xC3\xA9",
    b"\xE2\x82",
    b"\xF0\x9F\x98\x80",
];

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(PIECES), 0..80).prop_map(|pieces| pieces.concat())
}

/// Chunk sizes, cycled over the input: random small sizes, or one byte at a time.
fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        1 => Just(vec![1]),
        3 => prop::collection::vec(1usize..12, 1..16),
        1 => prop::collection::vec(1usize..200, 1..4),
    ]
}

fn items(out: Vec<common::Item>) -> Vec<Decoded> {
    out.into_iter()
        .map(|item| item.expect("no limit is reached"))
        .collect()
}

fn check_against_reference(input: &[u8], sizes: &[usize]) -> Result<(), TestCaseError> {
    for comments in [false, true] {
        let want = reference::decode(input, comments);
        let mut dec = Decoder::new().with_comments(comments);
        let got = items(feed_sizes(&mut dec, input, sizes));
        prop_assert_eq!(&got, &want.items, "comments {}", comments);
        prop_assert_eq!(dec.last_event_id(), want.last_event_id.as_str());
        prop_assert_eq!(dec.reconnection_time(), want.reconnection_time);
        dec.finish();
        // The borrowing API yields the same items.
        let mut dec = Decoder::new().with_comments(comments);
        let got = items(common::feed_chunks_ref(
            &mut dec,
            common::chunks(input, sizes),
        ));
        prop_assert_eq!(&got, &want.items, "decode_ref, comments {}", comments);
        prop_assert_eq!(dec.last_event_id(), want.last_event_id.as_str());
    }
    Ok(())
}

/// With these limits, the items of `input` in chunks of `sizes` equal those of the whole
/// input, and the borrowing API yields the same items as the owning one (comments on).
fn check_limits_at_any_chunking(
    input: &[u8],
    sizes: &[usize],
    max_line: usize,
    max_event: usize,
) -> Result<(), TestCaseError> {
    let limits = Limits::default()
        .with_max_line_len(max_line)
        .with_max_event_size(max_event);
    let whole = feed_sizes(
        &mut Decoder::new().with_limits(limits),
        input,
        &[input.len().max(1)],
    );
    let chunked = feed_sizes(&mut Decoder::new().with_limits(limits), input, sizes);
    prop_assert_eq!(&chunked, &whole);
    let mut dec = Decoder::new().with_limits(limits).with_comments(true);
    let borrowed = common::feed_chunks_ref(&mut dec, common::chunks(input, sizes));
    let mut dec = Decoder::new().with_limits(limits).with_comments(true);
    prop_assert_eq!(borrowed, feed_sizes(&mut dec, input, sizes));
    Ok(())
}

/// Lines from the line layer alone, fed through a window over `input` as bytes arrive.
fn line_layer(input: &[u8], sizes: &[usize]) -> Vec<String> {
    let mut dec = LineDecoder::new();
    let mut out = Vec::new();
    let (mut pos, mut arrived, mut i) = (0, 0, 0);
    while arrived < input.len() {
        arrived = (arrived + sizes[i % sizes.len()].max(1)).min(input.len());
        i += 1;
        loop {
            let Progress { consumed, item } = dec.decode(&input[pos..arrived]);
            pos += consumed;
            match item {
                Some(line) => out.push(render(line.expect("short lines"))),
                None => break,
            }
        }
    }
    out
}

fn render(line: Line<'_>) -> String {
    match line {
        Line::Blank => "blank".into(),
        Line::Comment(c) => format!("comment {}", String::from_utf8_lossy(c)),
        Line::Field { name, value } => format!(
            "field {:?}={:?}",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        ),
    }
}

/// The reference's view of the lines (same splitting rules, on the decoded text).
fn reference_lines(input: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(input);
    let text = text
        .strip_prefix('\u{FEFF}')
        .unwrap_or(&text)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines.pop(); // the unterminated remainder (possibly empty)
    lines
        .into_iter()
        .map(|line| {
            if line.is_empty() {
                "blank".into()
            } else if let Some(c) = line.strip_prefix(':') {
                format!("comment {c}")
            } else {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                format!(
                    "field {:?}={:?}",
                    name,
                    value.strip_prefix(' ').unwrap_or(value)
                )
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2500))]

    #[test]
    fn sse_ish_streams_match_reference(input in stream(), sizes in sizes()) {
        check_against_reference(&input, &sizes)?;
    }

    #[test]
    fn line_layer_matches_reference_lines(input in stream(), sizes in sizes()) {
        prop_assert_eq!(line_layer(&input, &sizes), reference_lines(&input));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2500))]

    #[test]
    fn arbitrary_bytes_match_reference(
        input in prop::collection::vec(prop::sample::select(b"data:id:evnt ry\r\n\0\xFF\xEF\xBB\xBF19".to_vec()), 0..200),
        sizes in sizes(),
    ) {
        check_against_reference(&input, &sizes)?;
    }

    /// With tight limits there is no reference, but the output must not depend on chunking.
    #[test]
    fn limits_are_chunking_independent(input in stream(), sizes in sizes(), max_line in 0usize..24, max_event in 0usize..24) {
        check_limits_at_any_chunking(&input, &sizes, max_line, max_event)?;
    }
}

/// Runs of text longer than the decoder's text-mode threshold (1 KiB): ASCII; 2-, 3- and
/// 4-byte characters (so chunks cut characters); text with invalid bytes in it; and text
/// that ends an event with a cut character.
fn long_runs() -> Vec<Vec<u8>> {
    let mut invalid = b"a\xFF\xC3".repeat(500);
    invalid.extend_from_slice(b"\xE2\x82");
    vec![
        b"x".repeat(1500),
        "é".repeat(800).into_bytes(),
        "€".repeat(600).into_bytes(),
        "😀".repeat(400).into_bytes(),
        invalid,
        // Ends with a character that never gets its last byte.
        [&"é".repeat(700).into_bytes()[..], b"\xF0\x9F\x98\n\n"].concat(),
    ]
}

/// SSE-ish streams with long data lines, which span chunks in long pieces.
fn long_stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(<[u8]>::to_vec),
        1 => prop::sample::select(long_runs()),
    ];
    prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
}

/// Chunk sizes for long lines: mostly over 1 KiB, sometimes mixed with tiny ones.
fn long_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        3 => prop::collection::vec(1000usize..5000, 1..4),
        1 => prop::collection::vec(prop_oneof![1usize..8, 1000usize..3000], 1..6),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn long_data_lines_match_reference(input in long_stream(), sizes in long_sizes()) {
        check_against_reference(&input, &sizes)?;
    }

    /// Text mode counts raw bytes against the limits as raw data does, at any chunking.
    #[test]
    fn long_data_lines_limits_are_chunking_independent(
        input in long_stream(),
        sizes in long_sizes(),
        max_line in 0usize..4000,
        max_event in 0usize..6000,
    ) {
        check_limits_at_any_chunking(&input, &sizes, max_line, max_event)?;
    }
}

#[test]
fn reference_sanity() {
    let out = reference::decode(
        b"\xEF\xBB\xBFretry: 10\r\nid: 1\rdata: a\n: c\ndata\n\nid: 2\n\ndata: x",
        true,
    );
    assert_eq!(
        out.items,
        vec![
            Decoded::Retry(Duration::from_millis(10)),
            Decoded::Comment(" c".into()),
            Decoded::Event(MessageEvent::new("message", "a\n", "1")),
        ]
    );
    assert_eq!(out.last_event_id, "2");
    assert_eq!(reference::decode(b"data: a\n", false).items, vec![]);
}
