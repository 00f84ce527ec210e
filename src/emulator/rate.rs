//! Sliding one-second windows: per-API call rates (60007) and per-group attribute writes (10049).
//!
//! A window keeps the instants of the calls it admitted; a sliding window (not a fixed
//! per-second bucket) means "more than N in ANY one-second span" is refused, which is the
//! stricter reading of the docs.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::state::lock;

const WINDOW: Duration = Duration::from_secs(1);

/// Admitted events within the last second.
#[derive(Debug, Default)]
pub(crate) struct SlidingWindow {
    admitted: VecDeque<Instant>,
}

impl SlidingWindow {
    /// Admits one event at `now` unless `limit` events were admitted in the last second.
    pub(crate) fn try_admit(&mut self, now: Instant, limit: usize) -> bool {
        self.forget_before(now);
        if self.admitted.len() >= limit {
            return false;
        }
        self.admitted.push_back(now);
        true
    }

    /// Whether an event at `now` would be admitted, without recording it.
    pub(crate) fn would_admit(&mut self, now: Instant, limit: usize) -> bool {
        self.forget_before(now);
        self.admitted.len() < limit
    }

    pub(crate) fn record(&mut self, now: Instant) {
        self.admitted.push_back(now);
    }

    fn forget_before(&mut self, now: Instant) {
        while let Some(first) = self.admitted.front() {
            if now.duration_since(*first) >= WINDOW {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
    }
}

/// One window per API (route), each with its documented calls/s.
#[derive(Debug)]
pub(crate) struct ApiRateLimiter {
    windows: Vec<(usize, Mutex<SlidingWindow>)>,
}

impl ApiRateLimiter {
    pub(crate) fn new(limits: impl IntoIterator<Item = usize>) -> Self {
        Self {
            windows: limits
                .into_iter()
                .map(|limit| (limit, Mutex::new(SlidingWindow::default())))
                .collect(),
        }
    }

    /// Admits one call of route `index` now.
    pub(crate) fn try_admit(&self, index: usize) -> bool {
        let (limit, window) = &self.windows[index];
        lock(window).try_admit(Instant::now(), *limit)
    }

    pub(crate) fn reset(&self) {
        for (_, window) in &self.windows {
            *lock(window) = SlidingWindow::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_refuses_the_event_over_the_limit_and_slides() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::default();
        for i in 0..5 {
            assert!(w.try_admit(t0 + Duration::from_millis(i * 10), 5));
        }
        assert!(!w.try_admit(t0 + Duration::from_millis(900), 5));
        // The first event leaves the window exactly one second after it happened.
        assert!(w.try_admit(t0 + Duration::from_millis(1000), 5));
        assert!(!w.try_admit(t0 + Duration::from_millis(1005), 5));
    }

    #[test]
    fn would_admit_does_not_record() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::default();
        assert!(w.would_admit(t0, 1));
        assert!(w.would_admit(t0, 1));
        w.record(t0);
        assert!(!w.would_admit(t0, 1));
    }

    #[test]
    fn api_limiter_counts_per_route() {
        let limiter = ApiRateLimiter::new([2, 1]);
        assert!(limiter.try_admit(0) && limiter.try_admit(0));
        assert!(!limiter.try_admit(0));
        assert!(limiter.try_admit(1));
        limiter.reset();
        assert!(limiter.try_admit(0));
    }
}
