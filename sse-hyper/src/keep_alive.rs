//! Keep-alive: [`KeepAlive`] (how often), and [`Timer`] (the runtime's clock) with a tokio
//! implementation, [`TokioTimer`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// When an idle event stream sends the keep-alive comment ([`ssekit_core::KEEP_ALIVE`]).
///
/// The comment goes out once the stream has sent nothing for `interval`: between
/// `interval` and 1.5 × `interval` after the last frame, then every `interval` while it
/// stays idle. The body looks every `interval / 2` rather than restarting a timer for every
/// event (a timer per event per connection is most of what keep-alive would cost a busy
/// server). Browsers ignore the comment; proxies and load balancers see traffic and keep
/// the connection: set `interval` to at most two thirds of their idle timeout.
///
/// ```
/// use ssekit_hyper::KeepAlive;
/// use std::time::Duration;
///
/// let every_5s = KeepAlive::new().with_interval(Duration::from_secs(5));
/// assert_eq!(every_5s.interval(), Duration::from_secs(5));
/// assert!(!KeepAlive::disabled().is_enabled());
/// assert_eq!(KeepAlive::default(), KeepAlive::new()); // enabled, every 15 s
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    interval: Duration,
    enabled: bool,
}

impl KeepAlive {
    /// The default interval: 15 seconds.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);

    /// Enabled, every [`DEFAULT_INTERVAL`](Self::DEFAULT_INTERVAL).
    pub const fn new() -> Self {
        KeepAlive {
            interval: Self::DEFAULT_INTERVAL,
            enabled: true,
        }
    }

    /// No keep-alive comments at all.
    pub const fn disabled() -> Self {
        KeepAlive {
            interval: Self::DEFAULT_INTERVAL,
            enabled: false,
        }
    }

    /// Sets the idle time before a keep-alive comment. Zero disables keep-alive (it would
    /// otherwise flood the connection).
    #[must_use]
    pub const fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Turns keep-alive on or off, keeping the interval.
    #[must_use]
    pub const fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The idle time before a keep-alive comment.
    pub const fn interval(&self) -> Duration {
        self.interval
    }

    /// How often an idle body looks whether to send the comment: half the interval.
    pub(crate) fn tick(&self) -> Duration {
        self.interval / 2
    }

    /// Whether keep-alive comments are sent: enabled, with a non-zero interval.
    pub const fn is_enabled(&self) -> bool {
        self.enabled && !self.interval.is_zero()
    }
}

impl Default for KeepAlive {
    fn default() -> Self {
        Self::new()
    }
}

/// A runtime's clock, as the keep-alive needs it: a future that completes after a while, and a
/// way to restart it.
///
/// ```
/// use ssekit_hyper::Timer;
/// use std::{future::Future, pin::Pin, time::Duration};
///
/// /// A timer that never fires (keep-alive never sent).
/// struct Never;
/// impl Timer for Never {
///     type Sleep = std::future::Pending<()>;
///     fn sleep(&self, _after: Duration) -> Self::Sleep {
///         std::future::pending()
///     }
/// }
/// ```
pub trait Timer {
    /// The future returned by [`sleep`](Self::sleep).
    type Sleep: Future<Output = ()>;

    /// A future that completes `after` from now.
    fn sleep(&self, after: Duration) -> Self::Sleep;

    /// Restarts `sleep` to complete `after` from now. The default replaces it with a new one;
    /// override it when the runtime can reset a timer in place.
    fn reset(&self, mut sleep: Pin<&mut Self::Sleep>, after: Duration) {
        sleep.set(self.sleep(after));
    }
}

/// The tokio clock (feature `tokio`). Its sleeps must be polled inside a tokio runtime with
/// the time driver enabled, as any tokio timer.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokioTimer;

#[cfg(feature = "tokio")]
impl Timer for TokioTimer {
    type Sleep = tokio::time::Sleep;

    fn sleep(&self, after: Duration) -> Self::Sleep {
        tokio::time::sleep(after)
    }

    fn reset(&self, mut sleep: Pin<&mut Self::Sleep>, after: Duration) {
        match tokio::time::Instant::now().checked_add(after) {
            Some(deadline) => sleep.reset(deadline),
            // Beyond the clock's range: tokio's own sleep saturates to a far future.
            None => sleep.set(tokio::time::sleep(after)),
        }
    }
}

/// A timer whose sleeps never fire: keep-alive is configured but silent.
#[cfg(test)]
pub(crate) struct Never;

#[cfg(test)]
impl Timer for Never {
    type Sleep = std::future::Pending<()>;
    fn sleep(&self, _after: Duration) -> Self::Sleep {
        std::future::pending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_interval_disables() {
        assert!(KeepAlive::new().is_enabled());
        assert!(!KeepAlive::new().with_interval(Duration::ZERO).is_enabled());
        assert!(!KeepAlive::new().with_enabled(false).is_enabled());
        assert!(KeepAlive::disabled().with_enabled(true).is_enabled());
    }

    #[cfg(feature = "tokio")]
    #[tokio::test(start_paused = true)]
    async fn tokio_timer_resets_without_overflow() {
        let timer = TokioTimer;
        let mut sleep = std::pin::pin!(timer.sleep(Duration::from_millis(10)));
        timer.reset(sleep.as_mut(), Duration::MAX);
        let fired = tokio::time::timeout(Duration::from_secs(3600), sleep).await;
        assert!(fired.is_err(), "a sleep reset to Duration::MAX fired");
    }
}
