//! Feature `serde`: event data from any [`Serialize`] value, serialized once, as compact
//! JSON, into the event's data text.

use serde::Serialize;

use crate::error::EventError;
use crate::event::Event;

impl<'a> Event<'a> {
    /// Sets the data to `value` serialized as compact JSON. The value is serialized once,
    /// here, into the event's data text (one allocation); [`data`](Self::data) returns it
    /// and encoding copies it like any text data.
    ///
    /// A serialization error is returned, never panicked. JSON output with line breaks
    /// (possible with `serde_json::value::RawValue`) is split into `data:` lines like text.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Tick { n: u32 }
    ///
    /// let event = ssekit_core::Event::new().with_event_type("tick")?.with_json_data(Tick { n: 1 })?;
    /// assert_eq!(event.data(), Some(r#"{"n":1}"#));
    /// let mut out = Vec::new();
    /// event.encode_to_vec(&mut out)?;
    /// assert_eq!(out, b"event: tick\ndata: {\"n\":1}\n\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EventError::Json`] when `value` cannot be serialized (a map with non-string keys,
    /// a failing `Serialize` impl).
    pub fn with_json_data<T: Serialize>(self, value: T) -> Result<Self, EventError> {
        let json = serde_json::to_string(&value).map_err(EventError::Json)?;
        Ok(self.with_data(json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::cell::Cell;

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

    /// Counts how often it is serialized.
    struct Counted<'c>(&'c Cell<usize>);
    impl Serialize for Counted<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.set(self.0.get() + 1);
            s.serialize_u32(7)
        }
    }

    #[test]
    fn the_value_is_serialized_once_however_often_the_event_is_encoded() -> Result<(), EventError> {
        let times = Cell::new(0);
        let event = Event::new().with_json_data(Counted(&times))?;
        for _ in 0..3 {
            assert_eq!(encode(&event), "data: 7\n\n");
        }
        assert_eq!(times.get(), 1);
        Ok(())
    }
}
