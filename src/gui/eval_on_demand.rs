//! "Measure this model now": save a snapshot of the live run, evaluate it in the background
//! (FID, precision/recall, density/coverage, modes for 2-D), and show the numbers. Offered by the
//! shell to the tabs whose families have no built-in evaluation view.

use std::path::PathBuf;

use eframe::egui;

use crate::eval::EvalOptions;

use super::eval_job::{EvalJob, JobEvent};
use super::session::Session;
use super::tab::Shared;

/// Samples drawn for an on-demand evaluation.
const EVAL_SAMPLES: usize = 2000;

#[derive(Default)]
pub struct EvalOnDemand {
    job: Option<EvalJob>,
    /// The snapshot folder being written, until the worker says it is saved.
    waiting_for: Option<PathBuf>,
    /// The session's error count when the snapshot was asked for: an error after it means the
    /// snapshot was not written (a refused folder, a full disk, a dead worker).
    errors_before: u64,
    lines: Vec<String>,
    progress: Option<(String, f64)>,
}

impl EvalOnDemand {
    pub fn busy(&self) -> bool {
        self.job.is_some() || self.waiting_for.is_some()
    }

    /// Forgets a running evaluation and its numbers (the model they described is gone).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Asks the session's worker for a snapshot; the evaluation starts once it is written.
    pub fn start(&mut self, session: &Session, family: &str) {
        let dir = std::env::temp_dir().join(format!("genlab-{family}-eval-{}", std::process::id()));
        session.save(dir.clone());
        self.waiting_for = Some(dir);
        self.errors_before = session.errors;
        self.lines = vec!["saving a snapshot to evaluate…".into()];
        self.progress = Some(("saving".into(), 0.0));
    }

    /// Starts the job once the snapshot is saved, and takes its progress and results.
    pub fn poll(&mut self, session: &mut Session, shared: &Shared, ctx: &egui::Context) {
        // Only the snapshot's own "saved" is taken: a checkpoint the user saved is not ours.
        if let Some(dir) = &self.waiting_for
            && session.saved.as_ref() == Some(dir)
        {
            let saved = dir.clone();
            session.saved = None;
            let options = EvalOptions { n: EVAL_SAMPLES, likelihood_examples: 0, ..EvalOptions::default() };
            self.job = Some(EvalJob::start(vec![(0, saved)], options, shared.device.device.clone(), shared.data_dir.clone(), ctx));
            self.waiting_for = None;
        }
        if self.waiting_for.is_some() && session.errors > self.errors_before {
            // The error itself is shown with the run's other messages.
            self.waiting_for = None;
            self.progress = None;
            self.lines = vec!["not measured: the snapshot to evaluate could not be written (see the run's messages)".into()];
        }
        let Some(job) = &self.job else { return };
        for event in job.poll() {
            match event {
                JobEvent::Progress { stage, fraction, .. } => self.progress = Some((stage, fraction)),
                JobEvent::Done { report, .. } => {
                    let (m, b) = (&report.samples, &report.baseline);
                    self.lines = vec![
                        format!("at step {}, {} samples against the test set ({}):", report.step, m.n_fake, report.feature_space),
                        format!("FID {:.2}   (real data: {:.2})", m.fid, b.fid),
                        format!("precision {:.3}   recall {:.3}   (real: {:.3} / {:.3})", m.precision, m.recall, b.precision, b.recall),
                        format!("density {:.3}   coverage {:.3}", m.density, m.coverage),
                    ];
                    if let Some((covered, total, hq)) = m.modes {
                        self.lines.push(format!("modes covered {covered}/{total}, {:.1} % high-quality samples", hq * 100.0));
                    }
                    self.lines.extend(report.warnings.iter().cloned());
                }
                JobEvent::Failed { message, .. } => self.lines = vec![message],
                JobEvent::Grid { .. } => {}
                JobEvent::Finished => {
                    self.progress = None;
                    self.job = None;
                    break;
                }
            }
        }
    }

    /// The button, the progress bar and the latest numbers.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: Option<&Session>, family: &str) {
        let enabled = session.is_some() && !self.busy();
        let button = ui
            .add_enabled(enabled, egui::Button::new("FID, precision/recall"))
            .on_hover_text("2,000 samples against the test set, in genlab's LeNet feature space (2-D points: the points themselves)");
        if button.clicked() {
            if let Some(session) = session {
                self.start(session, family);
            }
        }
        if let Some((stage, fraction)) = &self.progress {
            ui.add(egui::ProgressBar::new(*fraction as f32).text(stage.as_str()));
        }
        for line in &self.lines {
            ui.label(line);
        }
    }
}
