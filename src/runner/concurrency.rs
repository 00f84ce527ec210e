//! How many cases run at once. `--jobs N` fixes it; otherwise it follows the target's round
//! trip and the plan: to finish near the plan's bound B, a plan of N requests needs N / B
//! requests a second, which at a round trip of R keeps N·R / B requests in flight — one per
//! running case, since a case sends one request at a time. Twice that leaves room for cases
//! that wait on locks and for the uneven ends of a run. The declared rates enter through B: a
//! plan the rates hold back gains nothing from more cases at once. The round trip is the least
//! of the first requests (the distance, not connection setup or the target's queueing); the
//! count is set once, when they are back.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use super::plan_cost::PlanShape;

/// Cases at once before the first round trip is known, and never fewer: on loopback the
/// harness's own CPU is what runs cases side by side.
pub const MIN_JOBS: usize = 8;
/// Never more cases at once than this, whatever the distance: each running case holds its
/// own accounts and groups on the target, and a free plan allows 100 of each.
pub const MAX_JOBS: usize = 48;
/// Round trips seen before sizing: one per initial worker.
pub(crate) const SAMPLES: usize = MIN_JOBS;

pub(crate) struct Concurrency {
    gate: Semaphore,
    fixed: usize,
    /// None: fixed by `--jobs`.
    auto: Option<AutoSize>,
}

struct AutoSize {
    shape: PlanShape,
    /// The size once set (0: not yet).
    sized: AtomicUsize,
    cases: usize,
}

impl Concurrency {
    /// `jobs`: a fixed count, or None to size from the round trip and `shape`.
    pub(crate) fn new(jobs: Option<usize>, shape: PlanShape, cases: usize) -> Self {
        match jobs {
            Some(n) => Concurrency {
                gate: Semaphore::new(n.max(1)),
                fixed: n.max(1),
                auto: None,
            },
            None => Concurrency {
                gate: Semaphore::new(MIN_JOBS),
                fixed: 0,
                auto: Some(AutoSize {
                    shape,
                    sized: AtomicUsize::new(0),
                    cases,
                }),
            },
        }
    }

    /// The most workers this run can use.
    pub(crate) fn max_workers(&self, cases: usize) -> usize {
        match &self.auto {
            None => self.fixed.min(cases).max(1),
            Some(_) => MAX_JOBS.min(cases).max(1),
        }
    }

    /// Waits for a slot to run one case in.
    pub(crate) async fn slot(&self) -> SemaphorePermit<'_> {
        self.gate.acquire().await.expect("the gate is never closed")
    }

    /// Sizes an automatic concurrency from the least round trip of the first requests.
    pub(crate) fn size_for(&self, least_round_trip: Duration) {
        let Some(auto) = &self.auto else { return };
        if auto.sized.load(Ordering::Relaxed) != 0 {
            return;
        }
        let wanted = jobs_for(&auto.shape, least_round_trip, auto.cases);
        if auto
            .sized
            .compare_exchange(0, wanted, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
            && wanted > MIN_JOBS
        {
            self.gate.add_permits(wanted - MIN_JOBS);
        }
    }
}

/// Cases at once for a plan of this shape at `round_trip`.
pub fn jobs_for(shape: &PlanShape, round_trip: Duration, cases: usize) -> usize {
    let bound = shape.bound(round_trip);
    let b = bound.bound().as_secs_f64();
    if b <= 0.0 {
        return MIN_JOBS;
    }
    let in_flight = bound.requests as f64 * round_trip.as_secs_f64() / b;
    let wanted = (2.0 * in_flight).ceil() as usize;
    wanted
        .clamp(MIN_JOBS, MAX_JOBS.max(MIN_JOBS))
        .min(cases.max(1))
}

/// What the run's requests have shown so far: how many were sent, and the least round trip
/// of the first ones.
#[derive(Debug, Default)]
pub(crate) struct WireStats {
    requests: AtomicU64,
    least_round_trip_us: AtomicU64,
}

impl WireStats {
    /// Notes one request; after the first `SAMPLES`, the least round trip among them.
    pub(crate) fn note(&self, round_trip: Duration) -> Option<Duration> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if n > SAMPLES as u64 {
            return None;
        }
        let us = u64::try_from(round_trip.as_micros()).unwrap_or(u64::MAX);
        let before = self.least_round_trip_us.fetch_min(us, Ordering::Relaxed);
        let least = if n == 1 { us } else { before.min(us) };
        (n == SAMPLES as u64).then(|| Duration::from_micros(least))
    }

    /// The least round trip of the first requests, once one is back.
    pub(crate) fn least_round_trip(&self) -> Option<Duration> {
        match self.least_round_trip_us.load(Ordering::Relaxed) {
            u64::MAX => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Starts counting a new run.
    pub(crate) fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.least_round_trip_us.store(u64::MAX, Ordering::Relaxed);
    }
}
