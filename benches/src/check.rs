//! Sanity checks run by the benchmark and the allocation report before anything is measured
//! (so `cargo bench -p sse-benches -- --test` runs them too). Each panics on a mismatch
//! nobody expected, and returns notes on the known, documented ones.

use crate::inputs::{decode_inputs, encode_inputs};
use crate::reference::{self, RefEvent};
use crate::{decode, encode};

/// Mismatches that are the peers' own behaviour, not a harness bug: (group, implementation,
/// why). They are printed, not fatal. A listed one that stops happening is fatal, so that
/// this list cannot go stale.
pub const KNOWN_ENCODE_DIVERGENCES: &[(&str, &str, &str)] = &[(
    "encode/crlf_1k",
    "axum",
    "axum 0.8 splits data on CR and on LF separately, so each CRLF becomes `CR` + `data: ` + \
     `LF`: a client sees an extra empty line at every CRLF",
)];

/// Checks every encoder on every input: its bytes, decoded by the reference parser, must be
/// exactly the input event; ssekit-core (both ways) and the floor must be byte-identical.
pub fn check_encoders() -> Vec<String> {
    let mut notes = Vec::new();
    for input in encode_inputs() {
        let expected = vec![RefEvent {
            event_type: input.event_type.to_owned(),
            data: input.decoded_data(),
            last_event_id: input.id.to_owned(),
        }];
        let core = encode::run("sse_core_vec", input);
        for name in encode::IMPLS {
            let bytes = encode::run(name, input);
            let decoded = reference::parse(&bytes);
            let known = KNOWN_ENCODE_DIVERGENCES
                .iter()
                .find(|(g, n, _)| *g == input.group && *n == name);
            match (decoded == expected, known) {
                (true, None) => {}
                (false, Some((_, _, why))) => notes.push(format!(
                    "{}/{name}: output decodes differently ({} data bytes instead of {}): {why}",
                    input.group,
                    decoded.first().map_or(0, |e| e.data.len()),
                    expected[0].data.len(),
                )),
                (false, None) => panic!(
                    "{}/{name} encodes a different event:\n{:?}\nexpected\n{:?}\nbytes: {:?}",
                    input.group,
                    decoded,
                    expected,
                    String::from_utf8_lossy(&bytes),
                ),
                (true, Some(_)) => panic!(
                    "{}/{name} is listed as diverging but now matches: update the list",
                    input.group
                ),
            }
            if matches!(
                name,
                "sse_core_bytes" | "sse_core_split" | "sse_hyper_body" | "floor_memchr"
            ) {
                assert_eq!(bytes, core, "{}/{name}: not byte-identical", input.group);
            }
        }
    }
    notes
}

/// Checks every decoder on every input: the same events (type, data, last event ID) as the
/// reference parser; each floor counts as many line ends as the stream holds.
pub fn check_decoders() {
    for input in decode_inputs() {
        let expected = reference::parse(input.stream);
        assert_eq!(expected.len(), input.events, "{}", input.group);
        let line_ends = input
            .stream
            .iter()
            .filter(|&&b| b == b'\n' || b == b'\r')
            .count();
        for floor in decode::FLOORS {
            assert_eq!(decode::floor(floor, &input.chunks), line_ends, "{floor}");
        }
        for name in decode::DECODERS {
            let mut got = Vec::new();
            decode::decode_with(name, &input.chunks, |t, d, id| {
                got.push(RefEvent {
                    event_type: t.to_owned(),
                    data: d.to_owned(),
                    last_event_id: id.to_owned(),
                });
            });
            if got != expected {
                let first = got.iter().zip(&expected).position(|(a, b)| a != b);
                panic!(
                    "{}/{name}: {} events instead of {}; first difference at {first:?}",
                    input.group,
                    got.len(),
                    expected.len()
                );
            }
            let (events, data_len) = decode::run(name, &input.chunks);
            assert_eq!(events, expected.len());
            assert_eq!(
                data_len,
                expected.iter().map(|e| e.data.len()).sum::<usize>()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn encoders_agree() {
        for note in super::check_encoders() {
            println!("note: {note}");
        }
    }

    #[test]
    fn decoders_agree() {
        super::check_decoders();
    }
}
