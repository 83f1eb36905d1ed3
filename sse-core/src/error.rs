//! Errors of the encoder: what was refused when an event was built, and what a buffer lacked.

use core::fmt;

/// A field whose value was refused by [`Event`](crate::Event)'s builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The `event` field (the event type).
    EventType,
    /// The `id` field (the last event ID).
    Id,
    /// The `data` field.
    Data,
}

impl Field {
    /// The field's name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            Field::EventType => "event",
            Field::Id => "id",
            Field::Data => "data",
        }
    }
}

/// Why an event could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum EventError {
    /// The value holds a byte that field cannot carry: CR or LF (event type and id), or NUL
    /// (id: clients ignore an id with NUL, so it would silently be a different event).
    InvalidByte {
        /// Which field.
        field: Field,
        /// Offset of the first offending byte in the value.
        offset: usize,
        /// The offending byte: `b'\r'`, `b'\n'` or `0`.
        byte: u8,
    },
    /// The value given as bytes is not UTF-8, as every field of an event stream must be.
    NotUtf8 {
        /// Which field.
        field: Field,
        /// Offset of the first byte that is not part of valid UTF-8.
        offset: usize,
    },
    /// The JSON data could not be serialized.
    #[cfg(feature = "serde")]
    Json(serde_json::Error),
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::InvalidByte {
                field,
                offset,
                byte,
            } => {
                let what = match byte {
                    b'\r' => "CR",
                    b'\n' => "LF",
                    0 => "NUL",
                    _ => "a forbidden byte",
                };
                write!(
                    f,
                    "the `{}` field cannot contain {what} (found at byte offset {offset})",
                    field.name()
                )
            }
            EventError::NotUtf8 { field, offset } => write!(
                f,
                "the `{}` field is not UTF-8 (invalid from byte offset {offset})",
                field.name()
            ),
            #[cfg(feature = "serde")]
            EventError::Json(e) => write!(f, "event data could not be serialized as JSON: {e}"),
        }
    }
}

impl core::error::Error for EventError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            #[cfg(feature = "serde")]
            EventError::Json(e) => Some(e),
            _ => None,
        }
    }
}

/// Why an event could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output has room for `available` bytes; the event needs `required`. Nothing was written.
    BufferTooSmall {
        /// Bytes the event needs: its [`encoded_len`](crate::Event::encoded_len).
        required: usize,
        /// Bytes the output could take.
        available: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall {
                required,
                available,
            } => write!(
                f,
                "buffer too small: the event needs {required} bytes, {available} available"
            ),
        }
    }
}

impl core::error::Error for EncodeError {}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_name_field_offset_and_sizes() {
        let e = EventError::InvalidByte {
            field: Field::Id,
            offset: 3,
            byte: 0,
        };
        assert_eq!(
            e.to_string(),
            "the `id` field cannot contain NUL (found at byte offset 3)"
        );
        let e = EncodeError::BufferTooSmall {
            required: 10,
            available: 4,
        };
        assert_eq!(
            e.to_string(),
            "buffer too small: the event needs 10 bytes, 4 available"
        );
    }
}
