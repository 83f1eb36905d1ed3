//! The hand-written decoder: the baseline issue 13 measures ssekit-core's decoder against.
//!
//! It is what a careful engineer writes in an afternoon for one service: `memchr2` finds
//! each line end, a line whole in its chunk is parsed where it lies, a line that spans
//! chunks is first gathered in a reused buffer, and every field value is checked as UTF-8
//! by `str::from_utf8` (decoded by `String::from_utf8_lossy` only when it is not valid). The event type, data and id
//! live in reused `String`s and every event is lent to the caller: after the first events
//! nothing is allocated. It follows the WHATWG rules for valid UTF-8 input (CR, LF and CRLF
//! line ends, also split across chunks; a leading BOM; comments; `event`, `data`, `id` with
//! no NUL, `retry`); it has no limits and decodes invalid UTF-8 field by field, not as one
//! stream, which is where it would differ from a browser.

use bytes::Bytes;

/// The decoder's state between chunks.
#[derive(Default)]
struct HandDecoder {
    /// The start of a line that spans chunks.
    partial: Vec<u8>,
    /// The last chunk ended on a CR: an LF at the start of the next one ends no line.
    after_cr: bool,
    /// Some line was seen (the BOM is stripped from the first one only).
    started: bool,
    event_type: String,
    data: String,
    last_event_id: String,
    reconnection_time: Option<u64>,
}

/// Decodes `chunks` with the hand-written decoder, lending every dispatched event to
/// `on_event(event_type, data, last_event_id)`.
pub fn hand_written(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    let mut decoder = HandDecoder::default();
    for chunk in chunks {
        decoder.feed(chunk, &mut on_event);
    }
    // An event without its blank line at the end of the stream is not dispatched.
}

impl HandDecoder {
    fn feed(&mut self, mut input: &[u8], on_event: &mut impl FnMut(&str, &str, &str)) {
        if self.after_cr && !input.is_empty() {
            self.after_cr = false;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }
        while let Some(at) = memchr::memchr2(b'\n', b'\r', input) {
            if self.partial.is_empty() {
                self.line(&input[..at], on_event);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&input[..at]);
                self.line(&line, on_event);
                line.clear();
                self.partial = line;
            }
            let mut next = at + 1;
            if input[at] == b'\r' {
                match input.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            input = &input[next..];
        }
        self.partial.extend_from_slice(input);
    }

    fn line(&mut self, mut line: &[u8], on_event: &mut impl FnMut(&str, &str, &str)) {
        if !self.started {
            self.started = true;
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(on_event);
            return;
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(0) => return, // a comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        // `from_utf8` first: it has a fast path for ASCII that `from_utf8_lossy` lacks.
        let value = match std::str::from_utf8(value) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(value),
        };
        match name {
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&value);
            }
            b"data" => {
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"id" if !value.contains('\0') => {
                self.last_event_id.clear();
                self.last_event_id.push_str(&value);
            }
            b"retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.reconnection_time = value.parse().ok();
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, on_event: &mut impl FnMut(&str, &str, &str)) {
        if !self.data.is_empty() {
            let data = &self.data[..self.data.len() - 1];
            let event_type = match self.event_type.as_str() {
                "" => "message",
                event_type => event_type,
            };
            on_event(event_type, data, &self.last_event_id);
        }
        self.data.clear();
        self.event_type.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::hand_written;
    use crate::reference::{self, RefEvent};
    use bytes::Bytes;

    /// The edge cases a baseline must get right, whole and one byte per chunk, against the
    /// reference parser (the bench inputs are checked in `check.rs`).
    #[test]
    fn agrees_with_the_reference_on_edge_cases() {
        let streams: [&[u8]; 7] = [
            b"\xEF\xBB\xBFdata: a\r\n\r\ndata:b\rdata\r\r",
            b"event: x\ndata: 1\ndata: 2\nid: 7\n\n: comment\ndata: 3\n\n",
            b"id: a\0b\ndata: x\n\nid\ndata: y\n\n",
            b"event: e\n\ndata: z\n\n",
            b"retry: 10\nretry: x\ndata\n\ndata: tail",
            b"data: \xC3\xA9\r\n\r\n",
            b"data:  two spaces\n\n",
        ];
        for stream in streams {
            let expected = reference::parse(stream);
            for size in [stream.len(), 1, 2, 3] {
                let chunks: Vec<Bytes> = stream.chunks(size).map(Bytes::copy_from_slice).collect();
                let mut got = Vec::new();
                hand_written(&chunks, |t, d, id| {
                    got.push(RefEvent {
                        event_type: t.to_owned(),
                        data: d.to_owned(),
                        last_event_id: id.to_owned(),
                    });
                });
                assert_eq!(got, expected, "{:?} in chunks of {size}", stream);
            }
        }
    }
}
