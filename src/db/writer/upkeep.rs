//! Work the writer does for its writes now and then rather than in every batch, in
//! rounds of short steps: one step per batch, so no batch (and no write waiting
//! behind it) is slowed by a whole round at once.

use crate::store::StoreError;
use rusqlite::Connection;
use std::time::{Duration, Instant};

/// What a run of an upkeep step reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The step has more to do: it runs again in the next batch.
    More,
    /// The step is done for this round: the next step runs in the next batch.
    Done,
}

impl Progress {
    /// [`Progress::More`] when `more`, else [`Progress::Done`].
    pub fn more_if(more: bool) -> Self {
        if more { Progress::More } else { Progress::Done }
    }
}

/// One step of an [`Upkeep`]: a bounded slice of its work.
pub type UpkeepWork = fn(&Connection) -> Result<Progress, StoreError>;

/// Work the writer does for its writes now and then: a round of `steps`, starting
/// within `lag` of a batch, inside later batches or, when none come, batches of
/// their own (and before the writer stops). Each step must leave the database valid
/// whether it runs or not: when one fails, it is undone alone and the round starts
/// over `lag` after a later batch.
#[derive(Clone, Copy)]
pub struct Upkeep {
    /// The round, in order. A step runs inside a batch's transaction after its writes
    /// and outside their savepoints, once per batch, until it reports
    /// [`Progress::Done`].
    pub steps: &'static [UpkeepWork],
    /// Longest a round waits after a batch.
    pub lag: Duration,
}

/// How a batch's upkeep step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// No step ran in the batch.
    NotRun,
    /// The step ran and reported this.
    Ran(Progress),
    /// The step failed and was undone.
    Failed,
}

/// Where the writer is in its upkeep: when the next step is due, and which it is.
pub(super) struct Rounds {
    upkeep: Upkeep,
    /// When the current step runs; `None` while no write waits for a round.
    due: Option<Instant>,
    step: usize,
}

impl Rounds {
    /// A round due at once, for whatever an earlier run of the writer left.
    pub(super) fn new(upkeep: Upkeep) -> Self {
        let due = (!upkeep.steps.is_empty()).then(Instant::now);
        Rounds {
            upkeep,
            due,
            step: 0,
        }
    }

    /// Whether a round has started or is waiting for its time.
    pub(super) fn pending(&self) -> bool {
        self.due.is_some()
    }

    /// Makes a round waiting for its lag due now: the writer is stopping.
    pub(super) fn hurry(&mut self) {
        if self.due.is_some() {
            self.due = Some(Instant::now());
        }
    }

    /// How long the writer may wait for a write before the next step is due, at most
    /// `limit`.
    pub(super) fn wait(&self, limit: Duration) -> Duration {
        self.due.map_or(limit, |t| {
            t.saturating_duration_since(Instant::now()).min(limit)
        })
    }

    /// The step to run in the batch starting now, if one is due.
    pub(super) fn due_now(&self) -> Option<UpkeepWork> {
        let due = self.due.is_some_and(|t| t <= Instant::now());
        due.then(|| self.upkeep.steps[self.step])
    }

    /// Takes note of a batch that committed: how its step went, and whether it held
    /// writes.
    pub(super) fn committed(&mut self, outcome: Outcome, had_writes: bool) {
        match outcome {
            Outcome::NotRun | Outcome::Ran(Progress::More) => {}
            Outcome::Ran(Progress::Done) if self.step + 1 < self.upkeep.steps.len() => {
                self.step += 1;
            }
            Outcome::Ran(Progress::Done) | Outcome::Failed => {
                self.step = 0;
                self.due = None;
            }
        }
        if self.due.is_none() && had_writes && !self.upkeep.steps.is_empty() {
            self.due = Some(Instant::now() + self.upkeep.lag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_STEPS: Upkeep = Upkeep {
        steps: &[|_| Ok(Progress::Done), |_| Ok(Progress::Done)],
        lag: Duration::from_secs(3600),
    };

    #[test]
    fn a_round_is_due_at_start_and_goes_through_its_steps_in_order() {
        let mut rounds = Rounds::new(TWO_STEPS);
        assert!(rounds.due_now().is_some(), "due at once");
        rounds.committed(Outcome::Ran(Progress::More), false);
        assert_eq!(rounds.step, 0, "a step with more to do runs again");
        rounds.committed(Outcome::Ran(Progress::Done), false);
        assert_eq!((rounds.step, rounds.due_now().is_some()), (1, true));
        rounds.committed(Outcome::Ran(Progress::Done), false);
        assert!(!rounds.pending(), "no write waits for another round");
    }

    #[test]
    fn the_next_round_waits_its_lag_after_a_batch_with_writes() {
        let mut rounds = Rounds::new(TWO_STEPS);
        rounds.committed(Outcome::Ran(Progress::Done), true);
        rounds.committed(Outcome::Ran(Progress::Done), true);
        assert!(rounds.pending());
        assert!(rounds.due_now().is_none(), "not before its lag");
        assert!(rounds.wait(Duration::from_secs(1)) > Duration::from_millis(900));
    }

    #[test]
    fn a_failed_step_starts_the_round_over_later() {
        let mut rounds = Rounds::new(TWO_STEPS);
        rounds.committed(Outcome::Ran(Progress::Done), false);
        rounds.committed(Outcome::Failed, true);
        assert_eq!(rounds.step, 0);
        assert!(rounds.pending() && rounds.due_now().is_none());
    }

    #[test]
    fn no_steps_means_no_rounds() {
        let mut rounds = Rounds::new(Upkeep {
            steps: &[],
            lag: Duration::ZERO,
        });
        rounds.committed(Outcome::NotRun, true);
        assert!(!rounds.pending() && rounds.due_now().is_none());
    }
}
