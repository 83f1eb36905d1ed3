//! Resource limits of the decoder and the errors reported when a peer exceeds them.

use core::fmt;

/// Bounds on what a peer can make the decoder hold in memory.
///
/// With these limits the decoder's memory stays bounded no matter what the peer sends: the
/// partial-line buffer by [`max_line_len`](Self::max_line_len), the event being assembled
/// by [`max_event_size`](Self::max_event_size) (plus at most one line), and the last event
/// ID by `max_line_len`.
///
/// ```
/// use ssekit_core::Limits;
///
/// let limits = Limits::default().with_max_event_size(64 * 1024);
/// assert_eq!(limits.max_line_len(), Limits::DEFAULT_MAX_LINE_LEN);
/// # #[cfg(feature = "alloc")] {
/// let decoder = ssekit_core::Decoder::new().with_limits(limits);
/// assert_eq!(decoder.limits().max_event_size(), 64 * 1024);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    max_line_len: usize,
    max_event_size: usize,
}

impl Limits {
    /// The default [`max_line_len`](Self::max_line_len): 1 MiB.
    pub const DEFAULT_MAX_LINE_LEN: usize = 1024 * 1024;

    /// The default [`max_event_size`](Self::max_event_size): 1 MiB.
    pub const DEFAULT_MAX_EVENT_SIZE: usize = 1024 * 1024;

    /// The longest accepted line, in bytes, not counting its line ending (nor a leading BOM).
    /// A longer line (field, comment or anything else) is an error, whatever the chunking.
    pub const fn max_line_len(&self) -> usize {
        self.max_line_len
    }

    /// The largest accepted event, in bytes: the data buffer (each `data` value plus the LF
    /// appended after it) plus the event type buffer, measured as UTF-8 after invalid
    /// sequences are replaced with U+FFFD. The last event ID is not counted (it is bounded
    /// by `max_line_len`).
    pub const fn max_event_size(&self) -> usize {
        self.max_event_size
    }

    /// Sets [`max_line_len`](Self::max_line_len).
    #[must_use]
    pub const fn with_max_line_len(self, max: usize) -> Self {
        Self {
            max_line_len: max,
            ..self
        }
    }

    /// Sets [`max_event_size`](Self::max_event_size).
    #[must_use]
    pub const fn with_max_event_size(self, max: usize) -> Self {
        Self {
            max_event_size: max,
            ..self
        }
    }
}

impl Default for Limits {
    /// [`DEFAULT_MAX_LINE_LEN`](Self::DEFAULT_MAX_LINE_LEN) and
    /// [`DEFAULT_MAX_EVENT_SIZE`](Self::DEFAULT_MAX_EVENT_SIZE).
    fn default() -> Self {
        Self {
            max_line_len: Self::DEFAULT_MAX_LINE_LEN,
            max_event_size: Self::DEFAULT_MAX_EVENT_SIZE,
        }
    }
}

/// The line layer met a line longer than its maximum (see
/// [`LineDecoder::decode`](crate::line::LineDecoder::decode) for how to go on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    /// The maximum line length in force, in bytes.
    pub max: usize,
}

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SSE line longer than the limit of {} bytes", self.max)
    }
}

impl core::error::Error for LineTooLong {}

/// Which limit of [`Limits`] was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_line_len`].
    LineLength,
    /// [`Limits::max_event_size`].
    EventSize,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::LineLength => "line length",
            Limit::EventSize => "event size",
        })
    }
}

/// An error reported by the event-layer decoder. The decoder recovers by itself: after an
/// error it skips to the next blank line and then works normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The peer exceeded a limit; the current event was discarded.
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Its value, in bytes.
        max: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::LimitExceeded { limit, max } => {
                write!(
                    f,
                    "SSE {limit} limit of {max} bytes exceeded; event discarded"
                )
            }
        }
    }
}

impl core::error::Error for DecodeError {}

impl From<LineTooLong> for DecodeError {
    fn from(e: LineTooLong) -> Self {
        DecodeError::LimitExceeded {
            limit: Limit::LineLength,
            max: e.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let l = Limits::default();
        assert_eq!(l.max_line_len(), Limits::DEFAULT_MAX_LINE_LEN);
        assert_eq!(l.max_event_size(), Limits::DEFAULT_MAX_EVENT_SIZE);
        let l = l.with_max_line_len(3).with_max_event_size(4);
        assert_eq!((l.max_line_len(), l.max_event_size()), (3, 4));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn display_names_limit_and_value() {
        use alloc::string::ToString;
        assert_eq!(
            LineTooLong { max: 10 }.to_string(),
            "SSE line longer than the limit of 10 bytes"
        );
        let e = DecodeError::LimitExceeded {
            limit: Limit::EventSize,
            max: 7,
        };
        assert_eq!(
            e.to_string(),
            "SSE event size limit of 7 bytes exceeded; event discarded"
        );
        let e: DecodeError = LineTooLong { max: 3 }.into();
        assert_eq!(
            e.to_string(),
            "SSE line length limit of 3 bytes exceeded; event discarded"
        );
    }

    #[test]
    fn errors_are_core_errors() {
        fn is_error<E: core::error::Error>(_: &E) {}
        is_error(&LineTooLong { max: 1 });
        is_error(&DecodeError::LimitExceeded {
            limit: Limit::LineLength,
            max: 1,
        });
    }
}
