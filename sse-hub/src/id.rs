//! [`EventId`]: the SSE `id` the hub gives each event, and [`ConnectionId`].

use std::fmt;

/// The id of a published event, sent as its SSE `id` field: an epoch that names the hub's
/// run (random per [`Hub`](crate::Hub), so an id from an earlier run of the process or from
/// another hub never matches) and a sequence number, monotonic across all topics of the hub.
///
/// On the wire it is `{epoch as 16 hex digits}-{seq}`: visible ASCII, safe in a header.
///
/// ```
/// use ssekit_hub::EventId;
///
/// let id = EventId::new(0xabc, 42);
/// assert_eq!(id.to_string(), "0000000000000abc-42");
/// assert_eq!(EventId::parse("0000000000000abc-42"), Some(id));
/// assert_eq!(EventId::parse("42"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId {
    epoch: u64,
    seq: u64,
}

/// The longest text [`EventId::parse`] looks at: 16 hex digits, `-`, 20 decimal digits.
const MAX_LEN: usize = 16 + 1 + 20;

impl EventId {
    /// The id with this epoch and sequence number.
    pub const fn new(epoch: u64, seq: u64) -> Self {
        EventId { epoch, seq }
    }

    /// The run of the hub that assigned it.
    pub const fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The position in that run: 1 for the first event, 0 before any.
    pub const fn seq(&self) -> u64 {
        self.seq
    }

    /// Calls `f` with the id as text, written on the stack (no allocation): what
    /// [`Display`](fmt::Display) writes.
    pub(crate) fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        /// Writes into the front of a buffer.
        struct Cursor<'c> {
            buf: &'c mut [u8],
            len: usize,
        }
        impl fmt::Write for Cursor<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let end = self.len + s.len();
                let room = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
                room.copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
        let mut buf = [0; MAX_LEN];
        let mut cursor = Cursor {
            buf: &mut buf,
            len: 0,
        };
        // Always fits: MAX_LEN is the longest id.
        let _ = fmt::Write::write_fmt(
            &mut cursor,
            format_args!("{:016x}-{}", self.epoch, self.seq),
        );
        let len = cursor.len;
        f(buf
            .get(..len)
            .and_then(|text| core::str::from_utf8(text).ok())
            .unwrap_or_default())
    }

    /// Reads an id as [`Display`](fmt::Display) writes it; `None` for anything else (a
    /// hostile or foreign `Last-Event-ID`). Looks at no more than a few dozen bytes.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > MAX_LEN {
            return None;
        }
        let (epoch, seq) = text.split_once('-')?;
        if epoch.len() != 16 || seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(EventId {
            epoch: u64::from_str_radix(epoch, 16).ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_text(|text| f.write_str(text))
    }
}

/// Names one subscription (one connected client) for as long as it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub(crate) u64);

impl ConnectionId {
    /// The number behind the id (unique within a hub).
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The id whose number is `n` ([`get`](Self::get)): for a [`Backplane`](crate::Backplane)
    /// that carries a [`LogEvent`](crate::LogEvent)'s exclusions back to their hub.
    pub const fn new(n: u64) -> Self {
        ConnectionId(n)
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        for id in [
            EventId::new(0, 0),
            EventId::new(u64::MAX, u64::MAX),
            EventId::new(7, 1),
        ] {
            assert_eq!(EventId::parse(&id.to_string()), Some(id));
        }
        assert!(EventId::new(1, 2) < EventId::new(1, 10));
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        let long = "1".repeat(10_000);
        for text in [
            "",
            "-",
            "1-2",
            "000000000000000g-1",
            "0000000000000001-",
            "0000000000000001-x",
            "0000000000000001-+1",
            "0000000000000001-99999999999999999999999",
            &long,
            "00000000000000001-1",
            " 0000000000000001-1",
        ] {
            assert_eq!(EventId::parse(text), None, "{text:?}");
        }
    }
}
