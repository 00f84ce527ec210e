//! Which case runs next: `jobs` workers take cases in plan order, except that a case holding
//! a lock (app-wide state) waits until no running case holds any of its locks. A waiting case
//! never holds a worker: the worker takes the next case that can run. The queue keeps the plan
//! and lends its cases out: a case is neither moved nor dropped on a worker's path.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::spec::PlannedCase;

pub(crate) struct CaseQueue {
    plan: Vec<PlannedCase>,
    state: Mutex<QueueState>,
    /// Told whenever locks are given back.
    released: Notify,
}

struct QueueState {
    /// Plan indices of the cases without locks, in plan order.
    free: VecDeque<usize>,
    /// Plan indices of the cases with locks, in plan order.
    locked: VecDeque<usize>,
    /// Locks held by running cases.
    held: HashSet<String>,
}

/// Why the queue gave a worker no case.
enum NoCase {
    /// Every case left waits for a lock that a running case holds.
    LocksHeld,
    Done,
}

impl CaseQueue {
    pub(crate) fn new(plan: Vec<PlannedCase>) -> Self {
        let (locked, free): (VecDeque<usize>, VecDeque<usize>) =
            (0..plan.len()).partition(|&i| !plan[i].locks.is_empty());
        CaseQueue {
            plan,
            state: Mutex::new(QueueState {
                free,
                locked,
                held: HashSet::new(),
            }),
            released: Notify::new(),
        }
    }

    /// The next case to run and its plan index, its locks taken; None when no case is left.
    pub(crate) async fn next(&self) -> Option<(usize, &PlannedCase)> {
        loop {
            // Registered before looking, so a release between the look and the wait is seen.
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            match self.take() {
                Ok(index) => return Some((index, &self.plan[index])),
                Err(NoCase::Done) => return None,
                Err(NoCase::LocksHeld) => released.await,
            }
        }
    }

    /// Gives back the locks of a case that finished.
    pub(crate) fn finish(&self, case: &PlannedCase) {
        if case.locks.is_empty() {
            return;
        }
        {
            let mut state = self.state.lock().expect("case queue lock");
            for l in &case.locks {
                state.held.remove(l);
            }
        }
        self.released.notify_waiters();
    }

    fn take(&self) -> Result<usize, NoCase> {
        let mut state = self.state.lock().expect("case queue lock");
        let state = &mut *state;
        let runnable = state
            .locked
            .iter()
            .position(|&i| self.plan[i].locks.iter().all(|l| !state.held.contains(l)));
        let first_free = state.free.front().copied();
        // The earlier in the plan of the first runnable locked case and the first free one.
        if let Some(at) = runnable
            && first_free.is_none_or(|f| state.locked[at] < f)
        {
            let index = state.locked.remove(at).expect("position is in range");
            state.held.extend(self.plan[index].locks.iter().cloned());
            return Ok(index);
        }
        match state.free.pop_front() {
            Some(index) => Ok(index),
            None if state.locked.is_empty() => Err(NoCase::Done),
            None => Err(NoCase::LocksHeld),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn case(id: &str, locks: &[&str]) -> PlannedCase {
        let loc = crate::spec::Loc {
            file: crate::spec::SpecFile::new("t.yaml"),
            line: 1,
            column: 1,
        };
        PlannedCase {
            id: id.to_owned(),
            group: "g".to_owned(),
            name: id.to_owned(),
            description: String::new(),
            tags: Vec::new(),
            requires: Vec::new(),
            locks: locks.iter().map(|l| l.to_string()).collect(),
            costs: Vec::new(),
            vars: Default::default(),
            fixtures: Default::default(),
            steps: Vec::new(),
            teardown: Vec::new(),
            generated: false,
            loc,
        }
    }

    #[tokio::test]
    async fn cases_come_in_plan_order_when_nothing_is_locked() {
        let q = CaseQueue::new(vec![case("a", &[]), case("b", &["x"]), case("c", &[])]);
        let mut ids = Vec::new();
        while let Some((_, c)) = q.next().await {
            q.finish(c);
            ids.push(c.id.clone());
        }
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[tokio::test]
    async fn a_case_waiting_for_a_lock_lets_free_cases_pass() {
        let q = Arc::new(CaseQueue::new(vec![
            case("l1", &["x"]),
            case("l2", &["x"]),
            case("f1", &[]),
            case("f2", &[]),
        ]));
        let (_, l1) = q.next().await.unwrap();
        assert_eq!(l1.id, "l1");
        // l2 shares l1's lock: the free cases come first.
        assert_eq!(q.next().await.unwrap().1.id, "f1");
        assert_eq!(q.next().await.unwrap().1.id, "f2");
        // Only l2 is left, and it waits until l1 gives its lock back.
        let waiter = tokio::spawn({
            let q = q.clone();
            async move { q.next().await.map(|(_, c)| c.id.clone()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "l2 must wait for the lock");
        q.finish(l1);
        assert_eq!(waiter.await.unwrap().as_deref(), Some("l2"));
        assert!(q.next().await.is_none());
    }

    #[tokio::test]
    async fn cases_with_different_locks_run_side_by_side() {
        let q = CaseQueue::new(vec![case("a", &["x"]), case("b", &["y"])]);
        let (_, a) = q.next().await.unwrap();
        let (_, b) = q.next().await.unwrap();
        assert_eq!((a.id.as_str(), b.id.as_str()), ("a", "b"));
        assert!(q.next().await.is_none());
    }
}
