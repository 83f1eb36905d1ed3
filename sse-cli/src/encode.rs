//! `sse encode`: JSON lines on stdin, an event stream on stdout, flushed after each event.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use serde::Deserialize;
use ssekit_core::Event;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// One input line. Every key is optional; unknown keys are refused (they are likely typos).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    event: Option<String>,
    /// A string is the data as is; any other JSON value is written as JSON.
    data: Option<serde_json::Value>,
    id: Option<String>,
    /// Milliseconds.
    retry: Option<u64>,
    comment: Option<String>,
}

fn build(line: &str) -> Result<Event<'_>, String> {
    let input: Input = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let mut event = Event::new();
    if let Some(comment) = input.comment {
        event = event.with_comment(comment);
    }
    if let Some(event_type) = input.event {
        event = event
            .with_event_type(event_type)
            .map_err(|e| e.to_string())?;
    }
    if let Some(id) = input.id {
        event = event.with_id(id).map_err(|e| e.to_string())?;
    }
    if let Some(ms) = input.retry {
        event = event.with_retry(Duration::from_millis(ms));
    }
    event = match input.data {
        None => event,
        Some(serde_json::Value::String(text)) => event.with_data(text),
        Some(value) => event.with_json_data(value).map_err(|e| e.to_string())?,
    };
    Ok(event)
}

pub fn run(_args: &Args) -> io::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut buf = Vec::new();
    for (index, line) in io::stdin().lock().lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("sse encode: line {number}: {e}");
                return Ok(ExitCode::FAILURE);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let event = match build(&line) {
            Ok(event) => event,
            Err(e) => {
                eprintln!("sse encode: line {number}: {e}");
                return Ok(ExitCode::FAILURE);
            }
        };
        buf.clear();
        if let Err(e) = event.encode_to_vec(&mut buf) {
            eprintln!("sse encode: line {number}: {e}");
            return Ok(ExitCode::FAILURE);
        }
        out.write_all(&buf)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(line: &str) -> Result<String, String> {
        let event = build(line)?;
        let mut out = Vec::new();
        event.encode_to_vec(&mut out).map_err(|e| e.to_string())?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    #[test]
    fn string_data_is_text_and_other_data_is_json() {
        assert_eq!(
            encode(r#"{"data":"a\nb"}"#),
            Ok("data: a\ndata: b\n\n".into())
        );
        assert_eq!(
            encode(r#"{"data":{"x":[1]}}"#),
            Ok("data: {\"x\":[1]}\n\n".into())
        );
        assert_eq!(encode(r#"{"data":7}"#), Ok("data: 7\n\n".into()));
    }

    #[test]
    fn every_key() {
        assert_eq!(
            encode(r#"{"comment":"c","event":"e","id":"1","retry":20,"data":"d"}"#),
            Ok(":c\nevent: e\nid: 1\nretry: 20\ndata: d\n\n".into())
        );
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(encode("{").is_err_and(|e| e.contains("EOF")));
        assert!(encode(r#"{"id":"a\nb"}"#).is_err_and(|e| e.contains("`id`")));
        assert!(encode(r#"{"dta":"x"}"#).is_err_and(|e| e.contains("unknown field")));
        assert!(encode(r#"{"retry":-1}"#).is_err());
    }
}
