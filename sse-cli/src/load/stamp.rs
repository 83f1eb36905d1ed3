//! The two things `sse bench` reads in an event besides counting it: the sequence number at
//! the end of its id (gaps and duplicates) and the send time at the start of its data
//! (latency).
//!
//! **Ids.** An id that ends in decimal digits is a sequence number (`41`, `e7-41`,
//! `0000018f2c-41`): what precedes the digits names the sequence, the digits count in it.
//! Within one sequence, a number above the next expected one is a gap (the numbers between
//! are missed events) and one below it is a duplicate. A new prefix (a server that
//! restarted its numbering, a hub's new epoch) starts a new sequence. Other ids are not
//! looked at.
//!
//! **Send times.** An event carries its send time when its data starts with a UNIX time in
//! milliseconds (13 digits, JavaScript's `Date.now()`), microseconds (16) or nanoseconds
//! (19), followed by a space, a line break or the end: `data: 1765000000123 {"price":7}`.
//! Latency is the receive time minus that, on this machine's clock (so the sender's clock
//! must agree with it: the same machine, or both synchronised).

/// The longest sequence number read (more digits would not fit a `u64`).
const MAX_DIGITS: usize = 19;

/// An id split into the sequence it names and its number in it, if it ends in digits.
pub fn split_id(id: &str) -> Option<(&str, u64)> {
    let digits = id
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .take(MAX_DIGITS + 1)
        .count();
    if digits == 0 || digits > MAX_DIGITS {
        return None;
    }
    let (prefix, number) = id.split_at(id.len() - digits);
    Some((prefix, number.parse().ok()?))
}

/// The send time (ns since the UNIX epoch) at the start of `data`, if it has one.
pub fn sent_nanos(data: &str) -> Option<u64> {
    let word = data
        .split([' ', '\n', '\r'])
        .next()
        .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))?;
    let value: u64 = word.parse().ok()?;
    match word.len() {
        13 => value.checked_mul(1_000_000),
        16 => value.checked_mul(1_000),
        19 => Some(value),
        _ => None,
    }
}

/// One stream's position in the sequence of ids it receives, across its reconnections.
#[derive(Debug, Default)]
pub struct Sequence {
    prefix: String,
    next: Option<u64>,
}

/// What one event's id says, against what came before on its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The next one, the first one, or not a numbered id.
    InOrder,
    /// This many events were skipped before it.
    Gap(u64),
    /// At or below one already received.
    Duplicate,
}

impl Sequence {
    /// Takes `id`, the id of the next event received.
    pub fn step(&mut self, id: &str) -> Step {
        let Some((prefix, number)) = split_id(id) else {
            return Step::InOrder;
        };
        if prefix != self.prefix {
            prefix.clone_into(&mut self.prefix);
            self.next = None;
        }
        let step = match self.next {
            Some(next) if number < next => Step::Duplicate,
            Some(next) if number > next => Step::Gap(number - next),
            _ => Step::InOrder,
        };
        let after = number.saturating_add(1);
        self.next = Some(self.next.map_or(after, |next| next.max(after)));
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_ending_in_digits_are_numbered() {
        assert_eq!(split_id("41"), Some(("", 41)));
        assert_eq!(split_id("e7-41"), Some(("e7-", 41)));
        assert_eq!(
            split_id("0000018f2c00aa01-0"),
            Some(("0000018f2c00aa01-", 0))
        );
        assert_eq!(split_id("abc"), None);
        assert_eq!(split_id(""), None);
        assert_eq!(split_id("99999999999999999999"), None, "20 digits");
        assert_eq!(split_id("x18446744073709551615"), None, "does not fit");
    }

    #[test]
    fn send_times_are_ms_us_or_ns_by_their_length() {
        assert_eq!(sent_nanos("1765000000123"), Some(1_765_000_000_123_000_000));
        assert_eq!(
            sent_nanos("1765000000123456 rest"),
            Some(1_765_000_000_123_456_000)
        );
        assert_eq!(
            sent_nanos("1765000000123456789\nmore"),
            Some(1_765_000_000_123_456_789)
        );
        for no in [
            "",
            "42 x",
            "hello",
            "1765000000123x",
            "-1765000000123",
            " 1765000000123",
        ] {
            assert_eq!(sent_nanos(no), None, "{no:?}");
        }
    }

    #[test]
    fn gaps_duplicates_and_new_sequences() {
        let mut sequence = Sequence::default();
        let steps: Vec<Step> = [
            "e1-5", "e1-6", "e1-9", "e1-9", "e1-7", "e1-10", "e1-11", "x", "e2-1", "e2-2",
        ]
        .iter()
        .map(|id| sequence.step(id))
        .collect();
        assert_eq!(
            steps,
            [
                Step::InOrder,
                Step::InOrder,
                Step::Gap(2),
                Step::Duplicate,
                Step::Duplicate,
                Step::InOrder,
                Step::InOrder,
                Step::InOrder,
                Step::InOrder,
                Step::InOrder,
            ]
        );
    }
}
