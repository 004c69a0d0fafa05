//! How often a tab asks the worker again for a view of a training run: a measurement on a
//! timer, or a picture that follows the training steps.

use std::time::{Duration, Instant};

/// A question asked at most once a `period` (the first time at once).
pub struct Every {
    period: Duration,
    last: Option<Instant>,
}

impl Every {
    pub const fn new(period: Duration) -> Self {
        Self { period, last: None }
    }

    pub fn period(&self) -> Duration {
        self.period
    }

    /// A new run: the next question is due at once.
    pub fn restart(&mut self) {
        self.last = None;
    }

    /// Whether a `period` has passed since the last yes; a yes starts the next period, so ask
    /// only this once the other conditions hold.
    pub fn due(&mut self) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= self.period);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}

/// A picture of the model asked for again while it trains: at most once a period, only after
/// the training step has moved on, and never while the last answer is still on its way.
pub struct Refresh {
    every: Every,
    /// The training step the last picture was asked at.
    step: u64,
    in_flight: bool,
}

impl Refresh {
    pub const fn new(period: Duration) -> Self {
        Self { every: Every::new(period), step: u64::MAX, in_flight: false }
    }

    /// A new run: the next picture is due at once.
    pub fn restart(&mut self) {
        *self = Self::new(self.every.period());
    }

    /// Whether to ask now, at training step `step`; a yes counts as asked.
    pub fn due(&mut self, step: u64) -> bool {
        if self.in_flight || step == self.step || !self.every.due() {
            return false;
        }
        self.step = step;
        self.in_flight = true;
        true
    }

    /// The picture arrived.
    pub fn answered(&mut self) {
        self.in_flight = false;
    }
}
