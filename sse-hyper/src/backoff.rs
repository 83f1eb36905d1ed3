//! Client side: how long to wait before the next attempt, [`Backoff`]. Pure arithmetic: the
//! caller supplies the randomness and does the waiting.

use std::time::Duration;

use crate::reconnect::Reconnect;

/// The smallest wait a failing attempt backs off from, so that a server asking for
/// `retry: 0` and then failing is not hammered.
const FLOOR: Duration = Duration::from_millis(100);

/// Counts the attempts since the last healthy connection and says how long to wait before
/// the next one.
///
/// The first reconnection after a healthy connection waits exactly the reconnection time,
/// as a browser does. Each further attempt in a row doubles the wait (from at least 100 ms)
/// and takes a random part off it (jitter: between half and all of it), so that clients
/// cut off together do not come back together. Every wait is capped by the policy's
/// [`max_delay`](Reconnect::max_delay); a `Retry-After` makes it at least that long (capped
/// too). [`reset`](Self::reset) after a healthy connection.
///
/// ```
/// use ssekit_hyper::{Backoff, Reconnect};
/// use std::time::Duration;
///
/// let policy = Reconnect::new().with_max_retries(3).with_max_delay(Duration::from_secs(10));
/// let time = Duration::from_secs(3);
/// let mut backoff = Backoff::new();
/// assert_eq!(backoff.next_delay(&policy, time, None, 0), Some(time)); // exactly `retry`
/// let second = backoff.next_delay(&policy, time, None, 12345).unwrap_or_default();
/// assert!(second >= Duration::from_secs(3) && second <= Duration::from_secs(6)); // jitter
/// let third = backoff.next_delay(&policy, time, None, 0);
/// assert_eq!(third, Some(Duration::from_secs(10))); // 12 s, capped
/// assert_eq!(backoff.next_delay(&policy, time, None, 0), None); // 3 retries: give up
/// backoff.reset(); // a healthy connection
/// assert_eq!(backoff.retries(), 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    retries: u32,
}

impl Backoff {
    /// No attempt made yet.
    pub const fn new() -> Self {
        Backoff { retries: 0 }
    }

    /// The attempts counted since the last healthy connection.
    pub const fn retries(&self) -> u32 {
        self.retries
    }

    /// A healthy connection: the next wait is the reconnection time again.
    pub fn reset(&mut self) {
        self.retries = 0;
    }

    /// Counts one more attempt and returns how long to wait before it, or `None` when the
    /// policy's [`max_retries`](Reconnect::max_retries) are used up (then nothing is counted).
    ///
    /// `reconnection_time` is the one in force (the server's last `retry`, or the policy's);
    /// `retry_after` what a retried response asked for; `random` any random number, for the
    /// jitter (the same inputs always give the same wait).
    pub fn next_delay(
        &mut self,
        policy: &Reconnect,
        reconnection_time: Duration,
        retry_after: Option<Duration>,
        random: u64,
    ) -> Option<Duration> {
        let failed = self.retries;
        if policy.max_retries().is_some_and(|max| failed >= max) {
            return None;
        }
        self.retries = failed.saturating_add(1);
        let max = policy.max_delay();
        let delay = if failed == 0 {
            reconnection_time.min(max)
        } else {
            let factor = 2u32.saturating_pow(failed);
            let grown = reconnection_time.max(FLOOR).saturating_mul(factor);
            jitter(grown.min(max), random)
        };
        Some(match retry_after {
            Some(after) => delay.max(after).min(max),
            None => delay,
        })
    }
}

/// A wait between half of `delay` and all of it, picked by `random`, in whole milliseconds
/// off `delay`.
fn jitter(delay: Duration, random: u64) -> Duration {
    let span = u64::try_from((delay / 2).as_millis()).unwrap_or(u64::MAX);
    let off = match span.checked_add(1) {
        Some(choices) => random % choices,
        None => random,
    };
    delay.saturating_sub(Duration::from_millis(off))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn first_wait_is_the_reconnection_time_then_doubles_with_jitter() {
        let policy = Reconnect::new();
        let mut backoff = Backoff::new();
        let time = 500 * MS;
        assert_eq!(
            backoff.next_delay(&policy, time, None, u64::MAX),
            Some(time)
        );
        for (n, full) in [(1, 1000), (2, 2000), (3, 4000), (4, 8000)] {
            let lowest = backoff.next_delay(&policy, time, None, full / 2);
            assert_eq!(lowest, Some(Duration::from_millis(full / 2)), "retry {n}");
            backoff.retries -= 1;
            let highest = backoff.next_delay(&policy, time, None, 0);
            assert_eq!(highest, Some(Duration::from_millis(full)), "retry {n}");
        }
        assert_eq!(backoff.retries(), 5);
    }

    #[test]
    fn jitter_stays_within_half_and_whole() {
        let delay = 3001 * MS;
        for random in [0, 1, 7, 1499, 1500, 1501, u64::MAX] {
            let got = jitter(delay, random);
            assert!(got >= delay / 2 && got <= delay, "{random}: {got:?}");
            assert_eq!(got.subsec_nanos() % 1_000_000, 0, "whole milliseconds");
        }
        assert_eq!(jitter(delay, 1500), 1501 * MS);
        assert_eq!(jitter(Duration::ZERO, 99), Duration::ZERO);
        assert!(jitter(Duration::MAX, u64::MAX) >= Duration::MAX / 2);
    }

    #[test]
    fn retry_zero_backs_off_from_the_floor_when_failing() {
        let policy = Reconnect::new();
        let mut backoff = Backoff::new();
        assert_eq!(
            backoff.next_delay(&policy, Duration::ZERO, None, 0),
            Some(Duration::ZERO)
        );
        assert_eq!(
            backoff.next_delay(&policy, Duration::ZERO, None, 0),
            Some(200 * MS)
        );
    }

    #[test]
    fn every_wait_is_capped_even_a_huge_retry_or_retry_after() {
        let policy = Reconnect::new().with_max_delay(50 * MS);
        let mut backoff = Backoff::new();
        let huge = Duration::from_secs(u64::MAX);
        assert_eq!(backoff.next_delay(&policy, huge, None, 0), Some(50 * MS));
        for _ in 0..100 {
            let wait = backoff.next_delay(&policy, huge, Some(Duration::MAX), 3);
            assert_eq!(wait, Some(50 * MS));
        }
        assert_eq!(backoff.retries(), 101);
    }

    #[test]
    fn retry_after_lengthens_but_never_shortens() {
        let policy = Reconnect::new();
        let mut backoff = Backoff::new();
        let time = 10 * MS;
        let after = Duration::from_secs(2);
        assert_eq!(
            backoff.next_delay(&policy, time, Some(after), 0),
            Some(after)
        );
        assert_eq!(
            backoff.next_delay(&policy, time, Some(Duration::ZERO), 0),
            Some(200 * MS)
        );
    }

    #[test]
    fn max_retries_then_none_until_reset() {
        let policy = Reconnect::new().with_max_retries(2);
        let mut backoff = Backoff::new();
        assert!(backoff.next_delay(&policy, MS, None, 0).is_some());
        assert!(backoff.next_delay(&policy, MS, None, 0).is_some());
        assert_eq!(backoff.next_delay(&policy, MS, None, 0), None);
        assert_eq!(backoff.next_delay(&policy, MS, None, 0), None);
        assert_eq!(backoff.retries(), 2);
        backoff.reset();
        assert_eq!(backoff.next_delay(&policy, MS, None, 0), Some(MS));
        let never = Reconnect::new().with_max_retries(0);
        assert_eq!(Backoff::new().next_delay(&never, MS, None, 0), None);
    }

    #[test]
    fn counting_saturates() {
        let policy = Reconnect::new().with_max_delay(MS);
        let mut backoff = Backoff {
            retries: u32::MAX - 1,
        };
        assert_eq!(backoff.next_delay(&policy, MS, None, 0), Some(MS));
        assert_eq!(backoff.next_delay(&policy, MS, None, 0), Some(MS));
        assert_eq!(backoff.retries(), u32::MAX);
    }
}
