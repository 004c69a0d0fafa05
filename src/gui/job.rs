//! Long work the user started (scoring sets of images, filling in images with several
//! models) on a thread of its own, so the window keeps drawing: the job reports its stage and
//! how far it got, stops when cancelled, and ends with its answer or an error. A panic inside
//! becomes that error, never a dead window.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};

use eframe::egui;

use crate::train::worker::panic_message;

/// Where a job is: its stage ("scoring mnist") and the fraction of that stage done.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub stage: String,
    pub fraction: f64,
}

/// What the job's closure reports through: `report(stage, fraction)` returns false once the
/// user has cancelled, and the job should then return.
pub struct Reporter {
    progress: Arc<Mutex<Progress>>,
    cancel: Arc<AtomicBool>,
    ctx: egui::Context,
}

impl Reporter {
    pub fn report(&self, stage: &str, fraction: f64) -> bool {
        if let Ok(mut p) = self.progress.lock() {
            if p.stage != stage || (fraction - p.fraction).abs() >= 0.01 || fraction >= 1.0 {
                *p = Progress { stage: stage.to_string(), fraction };
                self.ctx.request_repaint();
            }
        }
        !self.cancel.load(Ordering::Relaxed)
    }
}

/// A job running on its own thread. Dropping it cancels it and discards its answer.
pub struct Job<T> {
    what: String,
    progress: Arc<Mutex<Progress>>,
    cancel: Arc<AtomicBool>,
    answer: Receiver<Result<T, String>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread; the window is repainted when it reports and when it ends.
    pub fn start(what: String, ctx: &egui::Context, work: impl FnOnce(&Reporter) -> Result<T, String> + Send + 'static) -> Self {
        let (tx, rx) = channel();
        let progress = Arc::new(Mutex::new(Progress { stage: "starting".into(), fraction: 0.0 }));
        let cancel = Arc::new(AtomicBool::new(false));
        let reporter = Reporter { progress: progress.clone(), cancel: cancel.clone(), ctx: ctx.clone() };
        let name = what.clone();
        // A thread that cannot start drops `tx`: `poll` then reports that.
        let _ = std::thread::Builder::new().name("genlab-job".into()).spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| work(&reporter)))
                .unwrap_or_else(|payload| Err(format!("{name} failed inside genlab ({})", panic_message(payload.as_ref()))));
            let _ = tx.send(result);
            reporter.ctx.request_repaint();
        });
        Self { what, progress, cancel, answer: rx }
    }
}

impl<T> Job<T> {
    /// `Some` once the job has ended (or its thread died), `None` while it runs. The answer
    /// comes once: drop the job after taking it.
    pub fn poll(&self) -> Option<Result<T, String>> {
        match self.answer.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(format!("{}: the job's thread stopped without an answer", self.what))),
        }
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// A spinner, the stage, a progress bar and a Cancel button; true when Cancel was clicked.
    pub fn ui(&self, ui: &mut egui::Ui) -> bool {
        let p = self.progress.lock().map(|p| p.clone()).unwrap_or_default();
        let mut cancelled = false;
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("{}: {}", self.what, p.stage));
            if ui.button("Cancel").clicked() {
                self.cancel();
                cancelled = true;
            }
        });
        ui.add(egui::ProgressBar::new(p.fraction.clamp(0.0, 1.0) as f32).desired_width(260.0).show_percentage());
        cancelled
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::gui::loading::poll_until;

    #[test]
    fn a_job_reports_progress_and_answers() {
        let ctx = egui::Context::default();
        let (go, wait) = channel::<()>();
        let job = Job::start("counting".into(), &ctx, move |r| {
            r.report("half way", 0.5);
            let _ = wait.recv();
            Ok(3u32)
        });
        poll_until(Duration::from_secs(30), "no progress", || (job.progress.lock().unwrap().stage == "half way").then_some(()));
        assert!(job.poll().is_none());
        go.send(()).unwrap();
        assert_eq!(poll_until(Duration::from_secs(30), "no answer", || job.poll()), Ok(3));
    }

    #[test]
    fn cancel_reaches_the_work_and_a_panic_becomes_an_error() {
        let ctx = egui::Context::default();
        let job = Job::start("waiting".into(), &ctx, |r| {
            while r.report("waiting", 0.0) {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err::<(), _>("cancelled".into())
        });
        job.cancel();
        assert_eq!(poll_until(Duration::from_secs(30), "no answer", || job.poll()), Err("cancelled".into()));
        let job = Job::<u8>::start("scoring".into(), &ctx, |_| panic!("index out of bounds"));
        let error = poll_until(Duration::from_secs(30), "no answer", || job.poll()).unwrap_err();
        assert!(error.contains("scoring") && error.contains("index out of bounds"), "{error}");
    }
}
