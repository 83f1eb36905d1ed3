//! The inputs: built once, deterministic, identical for every implementation.

use std::sync::LazyLock;

use bytes::Bytes;

/// One event to encode. The strings live for the whole process, so that implementations
/// that need `'static` inputs (axum's body stream) can borrow them too.
#[derive(Debug, Clone, Copy)]
pub struct EncodeInput {
    /// The criterion group name, e.g. `encode/small_json`.
    pub group: &'static str,
    /// The `event` field.
    pub event_type: &'static str,
    /// The `id` field.
    pub id: &'static str,
    /// The data, possibly with line breaks.
    pub data: &'static str,
}

impl EncodeInput {
    /// The data as a client decodes it: CRLF and CR become LF.
    pub fn decoded_data(&self) -> String {
        self.data.replace("\r\n", "\n").replace('\r', "\n")
    }
}

/// The pre-serialized JSON of the small event (30 bytes).
pub const SMALL_JSON: &str = r#"{"n":1234,"status":"ok","v":1}"#;

/// The four encode inputs, in group order.
pub fn encode_inputs() -> &'static [EncodeInput; 4] {
    static INPUTS: LazyLock<[EncodeInput; 4]> = LazyLock::new(|| {
        [
            EncodeInput {
                group: "encode/small_json",
                event_type: "tick",
                id: "42",
                data: SMALL_JSON,
            },
            EncodeInput {
                group: "encode/html_1k_20_lines",
                event_type: "update",
                id: "1001",
                data: html_1k_20_lines().leak(),
            },
            EncodeInput {
                group: "encode/payload_64k",
                event_type: "blob",
                id: "1002",
                data: single_line(64 * 1024).leak(),
            },
            EncodeInput {
                group: "encode/crlf_1k",
                event_type: "log",
                id: "1003",
                data: crlf_1k().leak(),
            },
        ]
    });
    &INPUTS
}

/// A 1024-byte HTML fragment: 20 lines joined by LF (no trailing break).
fn html_1k_20_lines() -> String {
    let lines = fixed_lines(20, 1024 - 19, |i| {
        format!(r#"<li id="item-{i:02}" class="row"><b>Item {i:02}</b> saved"#)
    });
    let text = lines.join("\n");
    debug_assert_eq!(text.len(), 1024);
    text
}

/// 1024 bytes of log lines joined by CRLF (no trailing break).
fn crlf_1k() -> String {
    let lines = fixed_lines(16, 1024 - 2 * 15, |i| {
        format!("2025-01-01T00:00:{i:02}Z INFO request handled status=200")
    });
    let text = lines.join("\r\n");
    debug_assert_eq!(text.len(), 1024);
    text
}

/// `count` lines from `make`, padded or cut so that they add up to exactly `total` bytes.
fn fixed_lines(count: usize, total: usize, make: impl Fn(usize) -> String) -> Vec<String> {
    let base = total / count;
    let extra = total % count;
    (0..count)
        .map(|i| {
            let want = base + usize::from(i < extra);
            let mut line = make(i);
            line.truncate(want);
            while line.len() < want {
                line.push(char::from(b'a' + (line.len() % 26) as u8));
            }
            line
        })
        .collect()
}

/// `len` bytes of printable ASCII with no line break (base64-like).
fn single_line(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(ALPHABET[(x % 64) as usize])
        })
        .collect()
}

/// One decode input: a stream and the chunks it arrives in.
#[derive(Debug, Clone)]
pub struct DecodeInput {
    /// The criterion group name, e.g. `decode/small_4k_chunks`.
    pub group: &'static str,
    /// The whole stream.
    pub stream: &'static [u8],
    /// The stream cut into chunks (zero-copy slices of `stream`: cloning one is free).
    pub chunks: Vec<Bytes>,
    /// How many events the stream holds.
    pub events: usize,
}

/// Number of events in the small-event streams.
pub const SMALL_EVENTS: usize = 10_000;
/// Number of events in the 40 KiB payload stream.
pub const PAYLOAD_EVENTS: usize = 50;
/// Data size of each payload event.
pub const PAYLOAD_LEN: usize = 40 * 1024;
/// Number of events in the HTML stream.
pub const HTML_EVENTS: usize = 2_000;
/// The repeating pattern of chunk sizes for `decode/small_1to7_chunks`.
pub const SMALL_CHUNK_PATTERN: [usize; 7] = [1, 5, 2, 7, 3, 6, 4];

/// The four decode inputs, in group order.
pub fn decode_inputs() -> &'static [DecodeInput; 4] {
    static INPUTS: LazyLock<[DecodeInput; 4]> = LazyLock::new(|| {
        let small = small_stream().leak();
        let payload = payload_stream().leak();
        let html = html_stream().leak();
        [
            DecodeInput {
                group: "decode/small_4k_chunks",
                stream: small,
                chunks: chunk(small, &[4096]),
                events: SMALL_EVENTS,
            },
            DecodeInput {
                group: "decode/small_1to7_chunks",
                stream: small,
                chunks: chunk(small, &SMALL_CHUNK_PATTERN),
                events: SMALL_EVENTS,
            },
            DecodeInput {
                group: "decode/payload_40k_16k_chunks",
                stream: payload,
                chunks: chunk(payload, &[16 * 1024]),
                events: PAYLOAD_EVENTS,
            },
            DecodeInput {
                group: "decode/html_2k_4k_chunks",
                stream: html,
                chunks: chunk(html, &[4096]),
                events: HTML_EVENTS,
            },
        ]
    });
    &INPUTS
}

/// `event: tick\nid: N\ndata: {json}\n\n`, [`SMALL_EVENTS`] times.
fn small_stream() -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..SMALL_EVENTS {
        let json = format!(r#"{{"n":{n:05},"status":"ok","v":1}}"#);
        out.extend_from_slice(format!("event: tick\nid: {n}\ndata: {json}\n\n").as_bytes());
    }
    out
}

/// `event: blob\nid: N\ndata: <40 KiB>\n\n`, [`PAYLOAD_EVENTS`] times.
fn payload_stream() -> Vec<u8> {
    let data = single_line(PAYLOAD_LEN);
    let mut out = Vec::new();
    for n in 0..PAYLOAD_EVENTS {
        out.extend_from_slice(format!("event: blob\nid: {n}\ndata: {data}\n\n").as_bytes());
    }
    out
}

/// `event: swap\nid: N\n`, a 2,000-byte HTML fragment of 20 lines of 100 bytes (list items
/// with utility classes) as 20 `data` lines, and a blank line: [`HTML_EVENTS`] times (what
/// an htmx page is sent).
fn html_stream() -> Vec<u8> {
    let html: Vec<String> = (0..20)
        .map(|i| {
            let text = format!("Item {i:02} is saved now");
            format!(
                r#"<li id="item-{i:02}" class="flex items-center gap-2 rounded px-3 py-2 text-sm">{text}</li>"#
            )
        })
        .collect();
    debug_assert!(html.iter().all(|line| line.len() == 100));
    let mut out = Vec::new();
    for n in 0..HTML_EVENTS {
        out.extend_from_slice(format!("event: swap\nid: {n}\n").as_bytes());
        for line in &html {
            out.extend_from_slice(format!("data: {line}\n").as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// Cuts `stream` into chunks whose sizes follow `pattern`, repeating.
fn chunk(stream: &'static [u8], pattern: &[usize]) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for &size in pattern.iter().cycle() {
        if start >= stream.len() {
            break;
        }
        let end = (start + size).min(stream.len());
        chunks.push(Bytes::from_static(&stream[start..end]));
        start = end;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_have_the_advertised_shapes() {
        let [small, html, payload, crlf] = encode_inputs();
        assert_eq!(small.data.len(), 30);
        assert_eq!(html.data.len(), 1024);
        assert_eq!(html.data.lines().count(), 20);
        assert_eq!(payload.data.len(), 64 * 1024);
        assert_eq!(crlf.data.len(), 1024);
        assert_eq!(crlf.data.matches("\r\n").count(), 15);
        let html = decode_inputs()[3].stream;
        assert_eq!(
            html.len(),
            4_322_890,
            "20 data lines of 100 bytes per event"
        );
        for input in decode_inputs() {
            let joined: Vec<u8> = input.chunks.iter().flat_map(|c| c.to_vec()).collect();
            assert_eq!(joined, input.stream, "{}", input.group);
        }
    }
}
