//! Feature `serde`: event data from any [`Serialize`] value, written as JSON straight into
//! the output through the same line splitter as text data: no intermediate `String`.

use alloc::sync::Arc;
use core::fmt;

use serde::Serialize;

use crate::error::{EncodeError, EventError};
use crate::event::{Data, Event};
use crate::lines::{self, LineSplitter};
use crate::sink::{Counter, Sink};

/// A `Serialize` value behind a trait object (serde's trait is not object safe).
trait JsonValue: Send + Sync {
    fn write_json(&self, out: &mut dyn std::io::Write) -> serde_json::Result<()>;
}

impl<T: Serialize + Send + Sync> JsonValue for T {
    fn write_json(&self, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }
}

/// JSON data held by an event: the value (shared, so cloning the event is cheap) and its
/// encoded length, measured once when the data was set.
#[derive(Clone)]
pub(crate) struct JsonData {
    value: Arc<dyn JsonValue>,
    pub(crate) encoded_len: usize,
}

impl fmt::Debug for JsonData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<json>")
    }
}

/// An `io::Write` that feeds serde_json's output through a [`LineSplitter`] into a sink.
struct SplitWriter<'s, S> {
    splitter: LineSplitter,
    sink: Tally<&'s mut S>,
}

impl<S: Sink> std::io::Write for SplitWriter<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.splitter.write(buf, &mut self.sink);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.splitter.write(buf, &mut self.sink);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Counts what passes through to another sink.
struct Tally<S> {
    inner: S,
    count: usize,
}

impl<S: Sink> Sink for Tally<&mut S> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.count += bytes.len();
        self.inner.put(bytes);
    }
}

impl JsonData {
    fn new(value: Arc<dyn JsonValue>) -> Result<Self, EventError> {
        let mut counter = Counter::default();
        let encoded_len = write_json(&*value, &mut counter).map_err(EventError::Json)?;
        Ok(JsonData { value, encoded_len })
    }

    /// Serializes the value again, into `sink`; fails if the output differs in length.
    pub(crate) fn write<S: Sink>(&self, sink: &mut S) -> Result<(), EncodeError> {
        match write_json(&*self.value, sink) {
            Ok(n) if n == self.encoded_len => Ok(()),
            _ => Err(EncodeError::JsonChanged),
        }
    }
}

/// Writes `value` as `data:` lines; returns the bytes written.
fn write_json<S: Sink>(value: &dyn JsonValue, sink: &mut S) -> serde_json::Result<usize> {
    let mut writer = SplitWriter {
        splitter: LineSplitter::new(lines::DATA),
        sink: Tally {
            inner: sink,
            count: 0,
        },
    };
    value.write_json(&mut writer)?;
    let SplitWriter { splitter, mut sink } = writer;
    splitter.finish(&mut sink);
    Ok(sink.count)
}

impl<'a> Event<'a> {
    /// Sets the data to `value` serialized as JSON (compact). The value is serialized once
    /// here, to check it and measure it, then again straight into the output when encoding.
    /// It is kept behind an `Arc` (one allocation), so cloning the event is cheap.
    ///
    /// A serialization error is returned, never panicked. JSON output with line breaks
    /// (possible with `serde_json::value::RawValue`) is split into `data:` lines like text.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Tick { n: u32 }
    ///
    /// let event = sse_core::Event::new().with_event_type("tick")?.with_json_data(Tick { n: 1 })?;
    /// let mut out = Vec::new();
    /// event.encode_to_vec(&mut out)?;
    /// assert_eq!(out, b"event: tick\ndata: {\"n\":1}\n\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_json_data<T: Serialize + Send + Sync + 'static>(
        mut self,
        value: T,
    ) -> Result<Self, EventError> {
        self.data = Some(Data::Json(JsonData::new(Arc::new(value))?));
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicUsize, Ordering};

    fn encode(event: &Event<'_>) -> String {
        let mut out = Vec::new();
        assert_eq!(event.encode_to_vec(&mut out), Ok(event.encoded_len()));
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn json_value_is_one_data_line() -> Result<(), EventError> {
        let value = serde_json::json!({"msg": "a\nb", "n": [1, 2]});
        let event = Event::new().with_json_data(value)?;
        assert_eq!(encode(&event), "data: {\"msg\":\"a\\nb\",\"n\":[1,2]}\n\n");
        Ok(())
    }

    #[test]
    fn raw_json_with_line_breaks_is_split() -> Result<(), Box<dyn std::error::Error>> {
        let raw = serde_json::value::RawValue::from_string(String::from("{\r\n\"a\": 1\n}"))?;
        let event = Event::new().with_json_data(raw)?;
        assert_eq!(encode(&event), "data: {\ndata: \"a\": 1\ndata: }\n\n");
        Ok(())
    }

    #[test]
    fn serialization_error_is_returned() {
        let mut map = BTreeMap::new();
        map.insert(alloc::vec![1u8], 1); // JSON object keys must be strings
        assert!(matches!(
            Event::new().with_json_data(map),
            Err(EventError::Json(_))
        ));
    }

    /// Serializes as a string one character longer each time.
    struct Growing(AtomicUsize);
    impl Serialize for Growing {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            s.serialize_str(&"x".repeat(n))
        }
    }

    #[test]
    fn a_value_that_changes_is_reported_not_written() -> Result<(), EventError> {
        let event = Event::new().with_json_data(Growing(AtomicUsize::new(0)))?;
        let mut out = Vec::from(&b"keep"[..]);
        assert_eq!(event.encode_to_vec(&mut out), Err(EncodeError::JsonChanged));
        assert_eq!(out, b"keep");
        let mut buf = [0u8; 64];
        assert_eq!(
            event.encode_to_slice(&mut buf),
            Err(EncodeError::JsonChanged)
        );
        Ok(())
    }
}
