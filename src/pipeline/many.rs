//! Several targets in one run: a plan each, every target started before any case runs (so a
//! target that cannot start stops the run before it touches the others), then all at once.
//! Each target has its own runner, so its own pacing, fixture names (run id) and ledger; they
//! share the interrupt.

use std::sync::Arc;

use futures_util::future::join_all;

use crate::runner::Interrupt;
use crate::spec::Suite;

use super::{Finished, PipelineConfig, PipelineError, Plan, RunProgress, plan};

/// A target's plan, under the name its column and messages use.
pub struct NamedPlan {
    pub name: String,
    pub plan: Plan,
}

/// A target's finished run.
#[derive(Debug)]
pub struct NamedFinished {
    pub name: String,
    pub finished: Finished,
}

/// Why one target of several could not run; nothing ran.
#[derive(Debug, thiserror::Error)]
#[error("target `{name}`: {error}")]
pub struct TargetFailed {
    pub name: String,
    #[source]
    pub error: PipelineError,
}

impl TargetFailed {
    pub fn exit_code(&self) -> u8 {
        self.error.exit_code()
    }
}

/// Plans every target; the first that cannot be planned is the error.
pub fn plan_each(
    suite: Arc<Suite>,
    targets: Vec<(String, PipelineConfig)>,
) -> Result<Vec<NamedPlan>, TargetFailed> {
    targets
        .into_iter()
        .map(|(name, config)| match plan(suite.clone(), config) {
            Ok(plan) => Ok(NamedPlan { name, plan }),
            Err(error) => Err(TargetFailed { name, error }),
        })
        .collect()
}

/// Starts every target, then runs them all at once; results in the plans' order. `progress`
/// gives each target its watcher.
pub async fn run_each(
    plans: Vec<NamedPlan>,
    progress: &dyn Fn(&str) -> Arc<dyn RunProgress>,
    interrupt: Interrupt,
) -> Result<Vec<NamedFinished>, TargetFailed> {
    if let Some(empty) = plans.iter().find(|p| p.plan.cases().is_empty()) {
        return Err(TargetFailed {
            name: empty.name.clone(),
            error: PipelineError::NoCases,
        });
    }
    let mut started = Vec::with_capacity(plans.len());
    for named in plans {
        match named.plan.start(interrupt.clone()).await {
            Ok(session) => started.push((named, session)),
            Err(error) => {
                for (_, session) in started {
                    session.stop().await;
                }
                return Err(TargetFailed {
                    name: named.name,
                    error,
                });
            }
        }
    }
    let runs = started.into_iter().map(|(named, session)| {
        let watcher = progress(&named.name);
        async move {
            NamedFinished {
                finished: named.plan.run_started(session, watcher).await,
                name: named.name,
            }
        }
    });
    Ok(join_all(runs).await)
}
