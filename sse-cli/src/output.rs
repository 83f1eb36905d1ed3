//! What `sse decode` and `sse get` print: one JSON object per line, [`Output`].

use std::io::{self, Write};

use serde::Serialize;

/// One output line: `{"event": TYPE, "data": DATA, "id": LAST_EVENT_ID}`, `{"retry": MS}` or
/// `{"comment": TEXT}`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Output<'a> {
    /// A dispatched event.
    Event {
        event: &'a str,
        data: &'a str,
        id: &'a str,
    },
    /// An accepted `retry` field, in milliseconds.
    Retry { retry: u128 },
    /// A comment's text.
    Comment { comment: &'a str },
}

impl Output<'_> {
    /// Writes the line (JSON, then LF). The caller flushes.
    pub fn write_line(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(output: &Output<'_>) -> String {
        let mut out = Vec::new();
        output.write_line(&mut out).ok();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn one_json_object_per_line() {
        let event = Output::Event {
            event: "message",
            data: "a\nb \"q\"",
            id: "7",
        };
        assert_eq!(
            line(&event),
            "{\"event\":\"message\",\"data\":\"a\\nb \\\"q\\\"\",\"id\":\"7\"}\n"
        );
        assert_eq!(line(&Output::Retry { retry: 3000 }), "{\"retry\":3000}\n");
        assert_eq!(
            line(&Output::Comment { comment: " hi" }),
            "{\"comment\":\" hi\"}\n"
        );
    }
}
