//! Which case runs next. Workers take the costliest case that can start (the longest chains
//! first, so the run does not end waiting on one long case started late). A case holding a
//! lock (app-wide state) starts only when the lock allows it: an exclusive holder when no
//! other case holds the lock, a shared holder when no case holds it exclusively and none waits
//! to (so a stream of readers never starves a writer). A waiting case never holds a worker:
//! the worker takes the next case that can run. The queue keeps the plan and lends its cases
//! out: a case is neither moved nor dropped on a worker's path.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::spec::PlannedCase;

pub(crate) struct CaseQueue {
    plan: Vec<PlannedCase>,
    state: Mutex<QueueState>,
    /// Told whenever locks are given back.
    released: Notify,
}

#[derive(Default)]
struct LockState {
    /// Running cases holding the lock shared.
    shared: usize,
    /// A running case holds it exclusively.
    exclusive: bool,
    /// Cases not started yet that will hold it exclusively.
    exclusive_waiting: usize,
}

struct QueueState {
    /// Plan indices of the cases not started yet, costliest first.
    waiting: Vec<usize>,
    locks: HashMap<String, LockState>,
}

/// Why the queue gave a worker no case.
enum NoCase {
    /// Every case left waits for a lock that a running case holds.
    LocksHeld,
    Done,
}

impl CaseQueue {
    /// `priority[i]` ranks case `i`: higher starts first, plan order among equals.
    pub(crate) fn new<P: Ord + Copy + Default>(plan: Vec<PlannedCase>, priority: &[P]) -> Self {
        let mut waiting: Vec<usize> = (0..plan.len()).collect();
        waiting.sort_by_key(|&i| std::cmp::Reverse(priority.get(i).copied().unwrap_or_default()));
        let mut locks: HashMap<String, LockState> = HashMap::new();
        for case in &plan {
            for l in case.locks.iter().filter(|l| l.exclusive) {
                locks.entry(l.name.clone()).or_default().exclusive_waiting += 1;
            }
        }
        CaseQueue {
            plan,
            state: Mutex::new(QueueState { waiting, locks }),
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
                let held = state.locks.entry(l.name.clone()).or_default();
                if l.exclusive {
                    held.exclusive = false;
                } else {
                    held.shared -= 1;
                }
            }
        }
        self.released.notify_waiters();
    }

    fn take(&self) -> Result<usize, NoCase> {
        let mut state = self.state.lock().expect("case queue lock");
        let state = &mut *state;
        if state.waiting.is_empty() {
            return Err(NoCase::Done);
        }
        let can_start = |i: usize| {
            self.plan[i].locks.iter().all(|l| {
                let held = state.locks.get(&l.name);
                let (shared, exclusive, writers) = held.map_or((0, false, 0), |h| {
                    (h.shared, h.exclusive, h.exclusive_waiting)
                });
                if l.exclusive {
                    shared == 0 && !exclusive
                } else {
                    !exclusive && writers == 0
                }
            })
        };
        let Some(at) = state.waiting.iter().position(|&i| can_start(i)) else {
            return Err(NoCase::LocksHeld);
        };
        let index = state.waiting.remove(at);
        for l in &self.plan[index].locks {
            let held = state.locks.entry(l.name.clone()).or_default();
            if l.exclusive {
                held.exclusive = true;
                held.exclusive_waiting -= 1;
            } else {
                held.shared += 1;
            }
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Lock;
    use std::sync::Arc;
    use std::time::Duration;

    fn case(id: &str, locks: &[Lock]) -> PlannedCase {
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
            locks: locks.to_vec(),
            vars: Default::default(),
            fixtures: Default::default(),
            steps: Vec::new(),
            teardown: Vec::new(),
            generated: false,
            loc,
        }
    }

    fn x(name: &str) -> Lock {
        Lock::exclusive(name)
    }

    fn s(name: &str) -> Lock {
        Lock::shared(name)
    }

    async fn ids_taken_while_holding(q: &CaseQueue) -> Vec<String> {
        let mut ids = Vec::new();
        while let Some((_, c)) = q.next().await {
            ids.push(c.id.clone());
        }
        ids
    }

    #[tokio::test]
    async fn cases_come_in_plan_order_among_equal_priorities() {
        let q = CaseQueue::new(
            vec![case("a", &[]), case("b", &[x("x")]), case("c", &[])],
            &[] as &[u64],
        );
        let mut ids = Vec::new();
        while let Some((_, c)) = q.next().await {
            q.finish(c);
            ids.push(c.id.clone());
        }
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[tokio::test]
    async fn the_costliest_cases_start_first() {
        let q = CaseQueue::new(
            vec![case("short", &[]), case("long", &[]), case("mid", &[])],
            &[1, 9, 5],
        );
        let ids = ids_taken_while_holding(&q).await;
        assert_eq!(ids, ["long", "mid", "short"]);
    }

    #[tokio::test]
    async fn a_case_waiting_for_a_lock_lets_free_cases_pass() {
        let q = Arc::new(CaseQueue::new(
            vec![
                case("l1", &[x("x")]),
                case("l2", &[x("x")]),
                case("f1", &[]),
                case("f2", &[]),
            ],
            &[] as &[u64],
        ));
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
        let q = CaseQueue::new(
            vec![case("a", &[x("x")]), case("b", &[x("y")])],
            &[] as &[u64],
        );
        let (_, a) = q.next().await.unwrap();
        let (_, b) = q.next().await.unwrap();
        assert_eq!((a.id.as_str(), b.id.as_str()), ("a", "b"));
        assert!(q.next().await.is_none());
    }

    #[tokio::test]
    async fn shared_holders_run_side_by_side() {
        let q = CaseQueue::new(
            vec![
                case("r1", &[s("names")]),
                case("r2", &[s("names")]),
                case("r3", &[s("names")]),
            ],
            &[] as &[u64],
        );
        // All three start without any finishing.
        assert_eq!(ids_taken_while_holding(&q).await, ["r1", "r2", "r3"]);
    }

    #[tokio::test]
    async fn an_exclusive_holder_overlaps_no_shared_one() {
        let q = Arc::new(CaseQueue::new(
            vec![case("w", &[x("names")]), case("r", &[s("names")])],
            &[] as &[u64],
        ));
        let (_, w) = q.next().await.unwrap();
        assert_eq!(w.id, "w");
        let reader = tokio::spawn({
            let q = q.clone();
            async move { q.next().await.map(|(_, c)| c.id.clone()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!reader.is_finished(), "a reader must wait for the writer");
        q.finish(w);
        assert_eq!(reader.await.unwrap().as_deref(), Some("r"));
    }

    #[tokio::test]
    async fn readers_wait_while_a_writer_is_still_to_run() {
        // r1 and r2 rank above w, but a reader starting while w waits could be followed by
        // another and another, and w would never run: w goes first, then both readers at once.
        let q = Arc::new(CaseQueue::new(
            vec![
                case("r1", &[s("names")]),
                case("r2", &[s("names")]),
                case("w", &[x("names")]),
                case("free", &[]),
            ],
            &[3, 2, 1, 0],
        ));
        let (_, w) = q.next().await.unwrap();
        assert_eq!(w.id, "w");
        assert_eq!(q.next().await.unwrap().1.id, "free");
        let readers = tokio::spawn({
            let q = q.clone();
            async move { ids_taken_while_holding(&q).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!readers.is_finished(), "no reader may start beside w");
        q.finish(w);
        assert_eq!(readers.await.unwrap(), ["r1", "r2"]);
    }
}
