//! A deliberately simple whole-buffer parser of the WHATWG event-stream format, written
//! from the spec and sharing no code with any implementation under test. It is the oracle of
//! [`crate::check`]; it is never timed.

/// One dispatched event as a browser would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefEvent {
    /// The event type (`message` when the stream gave none).
    pub event_type: String,
    /// The data, lines joined by LF.
    pub data: String,
    /// The last event ID at dispatch time.
    pub last_event_id: String,
}

/// Parses a complete stream. An event without its closing blank line is discarded.
pub fn parse(stream: &[u8]) -> Vec<RefEvent> {
    let text = String::from_utf8_lossy(stream);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut events = Vec::new();
    let (mut data, mut event_type, mut last_id) = (String::new(), String::new(), String::new());
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        let line = &rest[..end];
        let break_len = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + break_len..];
        if line.is_empty() {
            if !data.is_empty() {
                data.pop();
                let event_type = std::mem::take(&mut event_type);
                events.push(RefEvent {
                    event_type: if event_type.is_empty() {
                        "message".to_owned()
                    } else {
                        event_type
                    },
                    data: std::mem::take(&mut data),
                    last_event_id: last_id.clone(),
                });
            }
            event_type.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => event_type = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => last_id = value.to_owned(),
            _ => {}
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: &str, d: &str, id: &str) -> RefEvent {
        RefEvent {
            event_type: t.into(),
            data: d.into(),
            last_event_id: id.into(),
        }
    }

    #[test]
    fn spec_cases() {
        assert_eq!(parse(b"data\n\n"), vec![ev("message", "", "")]);
        assert_eq!(parse(b"data:a\n\ndata:  b\n\n")[1], ev("message", " b", ""));
        assert_eq!(
            parse(b"\xEF\xBB\xBFid: 7\revent: x\r\ndata: 1\ndata: 2\n\n:c\ndata: 3\n\n"),
            vec![ev("x", "1\n2", "7"), ev("message", "3", "7")]
        );
        assert_eq!(parse(b"id: 1\n\ndata: x\n"), vec![]);
        assert_eq!(parse(b"id: a\0\ndata: x\n\n"), vec![ev("message", "x", "")]);
    }
}
