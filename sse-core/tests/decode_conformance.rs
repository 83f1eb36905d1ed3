//! Conformance of the incremental decoder to the WHATWG rules restated in the project's
//! `sse-wire-format.md`: a table of named cases, each run whole, at every split point (two
//! chunks) and one byte at a time; cases within the default limits are also checked against
//! the reference decoder.
#![cfg(feature = "std")]

mod common;

use std::time::Duration;

use common::{Item, feed_chunks, reference};
use ssekit_core::{DecodeError, Decoded, Decoder, Limit, Limits, MessageEvent};

struct Case {
    name: &'static str,
    input: &'static [u8],
    expect: Vec<Item>,
    comments: bool,
    limits: Limits,
    seed: &'static str,
    last_id: &'static str,
    discards: bool,
}

fn case(name: &'static str, input: &'static [u8], expect: Vec<Item>) -> Case {
    Case {
        name,
        input,
        expect,
        comments: false,
        limits: Limits::default(),
        seed: "",
        last_id: "",
        discards: false,
    }
}

impl Case {
    fn comments(self) -> Self {
        Case {
            comments: true,
            ..self
        }
    }
    fn limits(self, max_line_len: usize, max_event_size: usize) -> Self {
        Case {
            limits: Limits::default()
                .with_max_line_len(max_line_len)
                .with_max_event_size(max_event_size),
            ..self
        }
    }
    fn seed(self, seed: &'static str) -> Self {
        Case { seed, ..self }
    }
    /// The decoder's last event ID after the input.
    fn last_id(self, last_id: &'static str) -> Self {
        Case { last_id, ..self }
    }
    /// `finish()` reports something discarded.
    fn discards(self) -> Self {
        Case {
            discards: true,
            ..self
        }
    }
}

fn ev(event_type: &str, data: &str, id: &str) -> Item {
    Ok(Decoded::Event(MessageEvent::new(event_type, data, id)))
}
fn msg(data: &str) -> Item {
    ev("message", data, "")
}
fn retry(ms: u64) -> Item {
    Ok(Decoded::Retry(Duration::from_millis(ms)))
}
fn comment(text: &str) -> Item {
    Ok(Decoded::Comment(text.to_string()))
}
fn too_long(max: usize) -> Item {
    Err(DecodeError::LimitExceeded {
        limit: Limit::LineLength,
        max,
    })
}
fn too_big(max: usize) -> Item {
    Err(DecodeError::LimitExceeded {
        limit: Limit::EventSize,
        max,
    })
}

fn cases() -> Vec<Case> {
    vec![
        // Dispatch.
        case("blank_line_dispatches", b"data: a\n\n", vec![msg("a")]),
        case("no_blank_line_no_event", b"data: a\n", vec![]).discards(),
        case("two_events", b"data: a\n\ndata: b\n\n", vec![msg("a"), msg("b")]),
        case("blank_lines_alone_dispatch_nothing", b"\n\n\r\n\r", vec![]),
        // The colon and space rule, and data.
        case("data_without_colon_is_empty_data", b"data\n\n", vec![msg("")]),
        case("data_colon_no_space", b"data:a\n\n", vec![msg("a")]),
        case("data_colon_space", b"data: a\n\n", vec![msg("a")]),
        case("data_only_one_space_removed", b"data:  a\n\n", vec![msg(" a")]),
        case("data_trailing_space_kept", b"data: a \n\n", vec![msg("a ")]),
        case("data_value_with_colon", b"data: a: b\n\n", vec![msg("a: b")]),
        case("data_empty_value_colon_space", b"data: \n\n", vec![msg("")]),
        case("two_data_lines_joined_with_lf", b"data: line1\ndata: line2\n\n", vec![msg("line1\nline2")]),
        case("two_empty_data_lines", b"data\ndata\n\n", vec![msg("\n")]),
        case("trailing_empty_data_line_keeps_lf", b"data: a\ndata:\n\n", vec![msg("a\n")]),
        case("data_tab_not_stripped", b"data:\ta\n\n", vec![msg("\ta")]),
        // Line endings.
        case("cr_line_ends", b"data: a\rdata: b\r\r", vec![msg("a\nb")]),
        case("crlf_line_ends", b"data: a\r\ndata: b\r\n\r\n", vec![msg("a\nb")]),
        case("lf_line_ends", b"data: a\ndata: b\n\n", vec![msg("a\nb")]),
        case(
            "mixed_line_ends_become_lf",
            b"data: a\rdata: b\ndata: c\r\ndata: d\n\r\n",
            vec![msg("a\nb\nc\nd")],
        ),
        case("cr_cr_is_a_blank_line", b"data: a\r\rdata: b\n\n", vec![msg("a"), msg("b")]),
        case("lf_cr_is_a_blank_line", b"data: a\n\rdata: b\r\n\n", vec![msg("a"), msg("b")]),
        case("final_lone_cr_ends_the_stream_line", b"data: a\n\r", vec![msg("a")]),
        // BOM.
        case("bom_skipped", b"\xEF\xBB\xBFdata: a\n\n", vec![msg("a")]),
        case("bom_then_blank_line", b"\xEF\xBB\xBF\ndata: a\n\n", vec![msg("a")]),
        case(
            "second_bom_is_content",
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n",
            vec![msg("b")],
        ),
        case("bom_after_start_is_content", b"data: a\n\n\xEF\xBB\xBFdata: b\n\n", vec![msg("a")]),
        case("bom_in_value_kept", b"data: \xEF\xBB\xBFx\n\n", vec![msg("\u{FEFF}x")]),
        case("partial_bom_is_content", b"\xEF\xBBdata: a\n\ndata: b\n\n", vec![msg("b")]),
        case("partial_bom_then_line_end", b"\xEF\xBB\ndata: b\n\n", vec![msg("b")]),
        // id.
        case("id_sets_last_event_id", b"id: 1\ndata: a\n\n", vec![ev("message", "a", "1")])
            .last_id("1"),
        case(
            "id_sticky_across_events",
            b"id: 1\ndata: a\n\ndata: b\n\n",
            vec![ev("message", "a", "1"), ev("message", "b", "1")],
        )
        .last_id("1"),
        case(
            "empty_id_resets",
            b"id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\n\nid:\ndata: c\n\n",
            vec![ev("message", "a", "1"), msg("b"), msg("c")],
        ),
        case(
            "id_with_nul_ignored",
            b"id: 1\n\nid: a\0b\ndata: x\n\n",
            vec![ev("message", "x", "1")],
        )
        .last_id("1"),
        case("id_only_nul_ignored", b"id: \0\ndata: x\n\n", vec![msg("x")]),
        case(
            "id_only_event_dispatches_nothing_but_sticks",
            b"id: 7\n\ndata: a\n\n",
            vec![ev("message", "a", "7")],
        )
        .last_id("7"),
        case("id_only_event_sets_last_event_id", b"id: 7\n\n", vec![]).last_id("7"),
        case("id_before_unterminated_event_not_dispatched", b"id: 7\n", vec![]).discards(),
        case("id_last_wins", b"id: 1\nid: 2\ndata: a\n\n", vec![ev("message", "a", "2")])
            .last_id("2"),
        case("id_value_keeps_spaces", b"id:  x \ndata: a\n\n", vec![ev("message", "a", " x ")])
            .last_id(" x "),
        case("seeded_id_used", b"data: a\n\n", vec![ev("message", "a", "41")])
            .seed("41")
            .last_id("41"),
        case("seeded_id_reset_by_empty_id", b"id\ndata: a\n\n", vec![msg("a")]).seed("41"),
        // retry.
        case("retry_valid", b"retry: 1500\n", vec![retry(1500)]),
        case("retry_zero_and_leading_zeros", b"retry: 0\nretry:007\n", vec![retry(0), retry(7)]),
        case("retry_u64_max", b"retry: 18446744073709551615\n", vec![retry(u64::MAX)]),
        case(
            "retry_overflowing_u64_ignored",
            b"retry: 18446744073709551616\nretry: 99999999999999999999999\n",
            vec![],
        ),
        case(
            "retry_non_digits_ignored",
            b"retry: 1a\nretry: -1\nretry: +1\nretry: 1.5\nretry:  15\nretry: 15 \nretry: \xEF\xBC\x91\n",
            vec![],
        ),
        case("retry_empty_ignored", b"retry\nretry:\nretry: \n", vec![]),
        case(
            "retry_before_event_of_same_block",
            b"data: a\nretry: 5\n\n",
            vec![retry(5), msg("a")],
        ),
        case("retry_only_block_dispatches_nothing", b"retry: 5\n\n", vec![retry(5)]),
        case("retry_unterminated_not_applied", b"retry: 5", vec![]).discards(),
        // Unknown fields.
        case(
            "unknown_fields_ignored",
            b"Data: a\ndata : b\nDATA: c\ndatas: d\n data: e\nfoo\n\n",
            vec![],
        ),
        case("data_with_trailing_space_no_colon_unknown", b"data \n\n", vec![]),
        case("unknown_field_between_data", b"foo: bar\ndata: a\nbar\ndata: b\n\n", vec![msg("a\nb")]),
        case("event_spelled_otherwise_unknown", b"Event: x\nevent : y\ndata: a\n\n", vec![msg("a")]),
        // event type.
        case(
            "event_type_set_then_reset_after_dispatch",
            b"event: add\ndata: a\n\ndata: b\n\n",
            vec![ev("add", "a", ""), msg("b")],
        ),
        case("event_type_last_wins", b"event: a\nevent: b\ndata: x\n\n", vec![ev("b", "x", "")]),
        case("empty_event_type_is_message", b"event: a\nevent:\ndata: x\n\n", vec![msg("x")]),
        case(
            "event_type_cleared_by_empty_dispatch",
            b"event: a\n\ndata: x\n\n",
            vec![msg("x")],
        ),
        case("event_type_keeps_spaces", b"event:  a \ndata: x\n\n", vec![ev(" a ", "x", "")]),
        // End of stream.
        case("unterminated_final_event_discarded", b"data: a\n\ndata: b\n", vec![msg("a")])
            .discards(),
        case("unterminated_final_line_discarded", b"data: a\n\ndata: b", vec![msg("a")])
            .discards(),
        case("event_without_blank_line_discarded", b"event: x\ndata: b\r\n", vec![]).discards(),
        case("nothing_pending_at_end", b"data: a\n\n: bye\n", vec![msg("a")]),
        // UTF-8.
        case("invalid_utf8_replaced", b"data: a\xFFb\xC3\n\n", vec![msg("a\u{FFFD}b\u{FFFD}")]),
        case(
            "invalid_utf8_maximal_subparts",
            b"data: \xE2\x82x\xF0\x9F\x98\xED\xA0\x80\n\n",
            vec![msg("\u{FFFD}x\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")],
        ),
        case(
            "invalid_utf8_in_type_and_id",
            b"event: \xFF\nid: \xC3(\ndata: x\n\n",
            vec![ev("\u{FFFD}", "x", "\u{FFFD}(")],
        )
        .last_id("\u{FFFD}("),
        case("invalid_utf8_in_name_makes_it_unknown", b"dat\xE1: x\n\n", vec![]),
        case("valid_utf8_kept", "data: h\u{e9}llo \u{1F600}\n\n".as_bytes(), vec![msg("h\u{e9}llo \u{1F600}")]),
        case("nul_in_data_kept", b"data: a\0b\n\n", vec![msg("a\0b")]),
        // Comments.
        case("comments_ignored_by_default", b": hi\n:\ndata: a\n\n", vec![msg("a")]),
        case(
            "comments_yielded_when_enabled",
            b": hi\n:\ndata: a\n::x\n\n",
            vec![comment(" hi"), comment(""), comment(":x"), msg("a")],
        )
        .comments(),
        case("comment_invalid_utf8", b":\xFF\r\n", vec![comment("\u{FFFD}")]).comments(),
        case("comment_does_not_dispatch", b"data: a\n: x\n", vec![]).discards(),
        // Limits.
        case(
            "line_too_long_then_recovery",
            b"data: 0123456789abcdef\n\ndata: ok\n\n",
            vec![too_long(16), msg("ok")],
        )
        .limits(16, 1024),
        case("line_at_max_accepted", b"data: 0123456789\n\n", vec![msg("0123456789")])
            .limits(16, 1024),
        case(
            "line_too_long_mid_event_discards_event",
            b"id: 5\ndata: a\ndata: 0123456789abcdef\r\ndata: b\nid: 6\n\ndata: ok\n\n",
            vec![too_long(16), msg("ok")],
        )
        .limits(16, 1024),
        case(
            "two_long_lines_in_one_event_one_error",
            b"data: 0123456789abcdef\ndata: 0123456789abcdef\n\ndata: ok\n\n",
            vec![too_long(16), msg("ok")],
        )
        .limits(16, 1024),
        case(
            "long_comment_counts_too",
            b": 0123456789abcdefghij\n\ndata: ok\n\n",
            vec![too_long(16), msg("ok")],
        )
        .limits(16, 1024),
        case("long_unterminated_line", b"data: ok\n\ndata: 0123456789abcdef", vec![msg("ok"), too_long(16)])
            .limits(16, 1024),
        case(
            "event_too_big_then_recovery",
            b"data: 12345\ndata: 678\n\ndata: ok\n\n",
            vec![too_big(8), msg("ok")],
        )
        .limits(1024, 8),
        case("event_at_max_size_accepted", b"event: abc\ndata: 1234\n\n", vec![ev("abc", "1234", "")])
            .limits(1024, 8),
        case(
            "event_type_counts_toward_size",
            b"event: abcdef\ndata: 12\n\ndata: ok\n\n",
            vec![too_big(8), msg("ok")],
        )
        .limits(1024, 8),
        case(
            "replacement_chars_count_toward_size",
            b"data: \xFF\xFF\xFF\n\ndata: ok\n\n",
            vec![too_big(8), msg("ok")],
        )
        .limits(1024, 8),
        case(
            "oversized_event_id_discarded",
            b"id: 1\ndata: 0123456789\nid: 2\nretry: 9\n\ndata: ok\n\n",
            vec![too_big(8), msg("ok")],
        )
        .limits(1024, 8),
    ]
}

/// Runs `case` with `input` cut into `chunks`, checking items, last event ID and `finish`.
fn check(case: &Case, chunks: &[&[u8]], how: &str) {
    let mut dec = Decoder::new()
        .with_limits(case.limits)
        .with_comments(case.comments)
        .with_last_event_id(case.seed);
    let got = feed_chunks(&mut dec, chunks.iter().copied());
    assert_eq!(got, case.expect, "case {} ({how})", case.name);
    assert_eq!(
        dec.last_event_id(),
        case.last_id,
        "last event ID: case {} ({how})",
        case.name
    );
    assert_eq!(
        dec.finish(),
        case.discards,
        "finish(): case {} ({how})",
        case.name
    );
    assert!(!dec.finish(), "second finish(): case {}", case.name);
}

#[test]
fn conformance_table() {
    let cases = cases();
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        let input = case.input;
        check(case, &[input], "whole");
        for split in 0..=input.len() {
            let (a, b) = input.split_at(split);
            check(case, &[a, b], &format!("split at {split}"));
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        check(case, &bytes, "one byte at a time");
    }
    println!("{} conformance cases", cases.len());
}

#[test]
fn reference_agrees_with_table() {
    for case in cases() {
        if case.limits != Limits::default() || !case.seed.is_empty() {
            continue;
        }
        let out = reference::decode(case.input, case.comments);
        let want: Vec<Decoded> = case
            .expect
            .iter()
            .map(|i| i.clone().expect("no errors"))
            .collect();
        assert_eq!(out.items, want, "reference on case {}", case.name);
        assert_eq!(
            out.last_event_id, case.last_id,
            "reference last id on case {}",
            case.name
        );
    }
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    let chunks: [&[u8]; 4] = [b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"];
    let mut dec = Decoder::new();
    assert_eq!(feed_chunks(&mut dec, chunks), vec![msg("a\nb")]);
    // Had the split CRLF counted twice, "a" would have been dispatched alone.
    let chunks: [&[u8]; 2] = [b"data: a\r", b"\n\n"];
    assert_eq!(feed_chunks(&mut Decoder::new(), chunks), vec![msg("a")]);
}

#[test]
fn bom_split_across_chunks_skipped() {
    let chunks: [&[u8]; 3] = [b"\xEF", b"\xBB", b"\xBFdata: a\n\n"];
    assert_eq!(feed_chunks(&mut Decoder::new(), chunks), vec![msg("a")]);
    let chunks: [&[u8]; 2] = [b"\xEF\xBB", b"\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n"];
    assert_eq!(feed_chunks(&mut Decoder::new(), chunks), vec![msg("b")]);
}

#[test]
fn finish_starts_a_new_stream() {
    let mut dec = Decoder::new();
    assert_eq!(
        feed_chunks(&mut dec, [&b"id: 3\ndata: a\n\ndata: b"[..]]),
        vec![ev("message", "a", "3")]
    );
    assert!(dec.finish());
    // A reconnection: BOM skipped again, last event ID kept.
    let got = feed_chunks(&mut dec, [&b"\xEF\xBB\xBFdata: c\n\n"[..]]);
    assert_eq!(got, vec![ev("message", "c", "3")]);
}

#[test]
fn errors_display() {
    assert_eq!(
        too_long(16).expect_err("an error").to_string(),
        "SSE line length limit of 16 bytes exceeded; event discarded"
    );
}
