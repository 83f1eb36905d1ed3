//! Encodes a few events (a named event, multi-line HTML, a keep-alive, JSON-like data with
//! an id and retry) and prints the bytes a server would send, then shows a refused field.
//!
//! Run with `cargo run -p ssekit-core --example encode`.

use std::io::Write;
use std::time::Duration;

use ssekit_core::{Event, IntoEvent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let events = [
        Event::new()
            .with_event_type("greeting")?
            .with_data("hello, world"),
        ("notification", "<li>\n  Saved <b>report.pdf</b>\n</li>").into_event()?,
        Event::keep_alive(),
        Event::new()
            .with_id("42")?
            .with_retry(Duration::from_secs(5))
            .with_data(r#"{"progress":40,"step":"upload"}"#),
        "plain data\r\nwith a CRLF".into_event()?,
    ];

    let mut buf = Vec::with_capacity(1024);
    for event in &events {
        buf.clear();
        event.encode_to_vec(&mut buf)?;
        std::io::stdout().write_all(&buf)?;
    }

    match Event::new().with_id("evil\nevent: injected") {
        Ok(_) => unreachable!("ids with line breaks are refused"),
        Err(e) => eprintln!("refused as it should be: {e}"),
    }
    Ok(())
}
