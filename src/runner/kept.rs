//! Fixtures made once and kept (`reuse: while_shared`): app-wide state that cases holding its
//! lock shared only read. The first such case makes it; later ones with the same parameters
//! find it made, until a case holding one of its locks exclusively starts (the queue lets
//! no shared holder run beside it, and it may change the state), which forgets it.
//!
//! Only a whole run keeps fixtures: `Runner::run_one` has no queue enforcing the locks, so
//! there every case makes its own.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

use serde_json::Value;
use tokio::sync::OnceCell;

use super::scope::Scope;
use crate::result::Outcome;
use crate::spec::{FixtureDef, PlannedCase};

/// A kept fixture: its scope, or why it could not be made.
#[derive(Clone)]
pub(crate) struct Kept {
    pub scope: Scope,
    pub failure: Option<KeptFailure>,
    /// The case that made it.
    pub maker: String,
}

#[derive(Clone)]
pub(crate) struct KeptFailure {
    pub outcome: Outcome,
    pub reason: String,
    pub feature: Option<String>,
}

type Cell = Arc<OnceCell<Kept>>;

#[derive(Default)]
pub(crate) struct KeptFixtures {
    /// Key (fixture and parameters) → the fixture's lock names and its cell.
    cells: Mutex<HashMap<String, (Vec<String>, Cell)>>,
}

impl KeptFixtures {
    /// Whether `case` may take `def` from the kept ones: `def` is kept, and the case holds
    /// every lock of it shared (an exclusive holder makes its own).
    pub(crate) fn applies(case: &PlannedCase, def: &FixtureDef) -> bool {
        def.reuse_while_shared
            && def.locks.iter().all(|l| {
                case.locks
                    .iter()
                    .any(|held| held.name == l.name && !held.exclusive)
            })
    }

    /// The cell of `def` with these parameter values.
    pub(crate) fn cell(&self, def: &FixtureDef, params: &[(String, Option<Value>)]) -> Cell {
        let key = format!(
            "{}{}",
            def.name,
            serde_json::to_string(params).expect("JSON values serialize")
        );
        let mut cells = self.cells.lock().expect("kept fixtures lock");
        cells
            .entry(key)
            .or_insert_with(|| {
                let locks = def.locks.iter().map(|l| l.name.clone()).collect();
                (locks, Arc::new(OnceCell::new()))
            })
            .1
            .clone()
    }

    /// Forgets what `case` may change: the kept fixtures of every lock it holds exclusively.
    pub(crate) fn forget_for(&self, case: &PlannedCase) {
        let exclusive: Vec<&str> = case
            .locks
            .iter()
            .filter(|l| l.exclusive)
            .map(|l| l.name.as_str())
            .collect();
        if exclusive.is_empty() {
            return;
        }
        let mut cells = self.cells.lock().expect("kept fixtures lock");
        cells.retain(|_, (locks, _)| !locks.iter().any(|l| exclusive.contains(&l.as_str())));
    }

    /// Forgets everything (a new run starts).
    pub(crate) fn clear(&self) {
        self.cells.lock().expect("kept fixtures lock").clear();
    }
}
