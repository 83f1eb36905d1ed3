//! A simple, obviously correct WHATWG event-stream decoder over the WHOLE input, used as the
//! oracle for the incremental decoder. No limits, no cleverness.

use std::time::Duration;

use ssekit_core::{Decoded, MessageEvent};

/// What the reference decoder produced for a whole stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The items, in order.
    pub items: Vec<Decoded>,
    /// The event source's last event ID at the end of the stream.
    pub last_event_id: String,
    /// The reconnection time at the end of the stream.
    pub reconnection_time: Option<Duration>,
}

/// Decodes a complete stream (which then ends).
pub fn decode(input: &[u8], comments: bool) -> Output {
    // Decode with replacement, then strip one leading BOM.
    let text = String::from_utf8_lossy(input);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);

    // Split into lines at CRLF, lone CR, lone LF. An unterminated last line is not a line.
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut current));
            }
            '\n' => lines.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }

    let mut out = Output {
        items: Vec::new(),
        last_event_id: String::new(),
        reconnection_time: None,
    };
    let mut data = String::new();
    let mut event_type = String::new();
    let mut id_buffer = String::new();
    for line in lines {
        if line.is_empty() {
            // Dispatch.
            out.last_event_id = id_buffer.clone();
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            if data.ends_with('\n') {
                data.pop();
            }
            let kind = if event_type.is_empty() {
                "message"
            } else {
                event_type.as_str()
            };
            out.items.push(Decoded::Event(MessageEvent::new(
                kind,
                &data,
                &out.last_event_id,
            )));
            data.clear();
            event_type.clear();
            continue;
        }
        if let Some(comment) = line.strip_prefix(':') {
            if comments {
                out.items.push(Decoded::Comment(comment.to_string()));
            }
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        match name {
            "event" => event_type = value.to_string(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            // An id containing NUL is ignored.
            "id" if !value.contains('\0') => id_buffer = value.to_string(),
            // Only non-empty, all-ASCII-digit values that fit a u64.
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // A value overflowing u64 is ignored.
                if let Ok(ms) = value.parse::<u64>() {
                    let time = Duration::from_millis(ms);
                    out.reconnection_time = Some(time);
                    out.items.push(Decoded::Retry(time));
                }
            }
            _ => {}
        }
    }
    out
}
