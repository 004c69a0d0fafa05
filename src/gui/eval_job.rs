//! Evaluations for the Compare tab on their own thread: one job measures a list of
//! checkpoints against one real reference, reports progress, and stops when cancelled.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use burn::tensor::Device;
use eframe::egui;

use crate::eval::run::{RealReference, checkpoint_data_dir, checkpoint_dataset, evaluate_against, real_features};
use crate::eval::{EvalOptions, EvalReport, cache};
use crate::models::load_family;
use crate::train::{ImageBatch, Samples};

/// The seed of the side-by-side sample grids: the same for every run.
pub const GRID_SEED: u64 = 7;
pub const GRID_N: usize = 16;

pub enum JobEvent {
    Progress {
        run: usize,
        stage: String,
        fraction: f64,
    },
    Done {
        run: usize,
        report: Box<EvalReport>,
        cached: bool,
    },
    /// The fixed-seed preview grid of a run (images only).
    Grid {
        run: usize,
        images: ImageBatch,
    },
    Failed {
        run: usize,
        message: String,
    },
    Finished,
}

pub struct EvalJob {
    events: Receiver<JobEvent>,
    cancel: Arc<AtomicBool>,
}

impl EvalJob {
    /// Evaluates `runs` (index, checkpoint folder) in order.
    pub fn start(
        runs: Vec<(usize, PathBuf)>,
        options: EvalOptions,
        device: Device,
        data_dir: Option<PathBuf>,
        ctx: &egui::Context,
    ) -> Self {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let send = |event: JobEvent| {
                let _ = tx.send(event);
                ctx.request_repaint();
            };
            let mut reference: Option<RealReference> = None;
            for (run, dir) in runs {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(images) = preview_grid(&dir, &device) {
                    send(JobEvent::Grid { run, images });
                }
                let result = evaluate_one(&dir, &options, &device, data_dir.as_deref(), &mut reference, &mut |stage, fraction| {
                    send(JobEvent::Progress { run, stage: stage.to_string(), fraction });
                    !stop.load(Ordering::Relaxed)
                });
                match result {
                    Ok((report, cached)) => send(JobEvent::Done { run, report: Box::new(report), cached }),
                    Err(message) => send(JobEvent::Failed { run, message }),
                }
            }
            send(JobEvent::Finished);
        });
        Self { events: rx, cancel }
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Events that arrived since the last call.
    pub fn poll(&self) -> Vec<JobEvent> {
        let mut out = Vec::new();
        loop {
            match self.events.try_recv() {
                Ok(e) => out.push(e),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    out.push(JobEvent::Finished);
                    break;
                }
            }
        }
        out
    }
}

fn preview_grid(dir: &Path, device: &Device) -> Option<ImageBatch> {
    let mut family = load_family(dir, device).ok()?;
    match family.sample(GRID_N, GRID_SEED, None).ok()? {
        Samples::Images(batch) => Some(batch),
        Samples::Points(_) | Samples::Text(_) => None,
    }
}

/// The cached result if the checkpoint is unchanged, else a fresh evaluation (cached after).
/// The real reference is built on first need and reused while the dataset stays the same.
fn evaluate_one(
    dir: &Path,
    options: &EvalOptions,
    device: &Device,
    data_dir: Option<&Path>,
    reference: &mut Option<RealReference>,
    progress: &mut dyn FnMut(&str, f64) -> bool,
) -> Result<(EvalReport, bool), String> {
    if let Some(report) = cache::load(dir, options) {
        return Ok((report, true));
    }
    let dataset = checkpoint_dataset(dir, options)?;
    if reference.as_ref().map(|r| r.dataset) != Some(dataset) {
        let data_dir = checkpoint_data_dir(dir, data_dir);
        *reference = Some(real_features(dataset, options, device, data_dir.as_deref(), progress)?);
    }
    let reference = reference.as_ref().ok_or("the real reference could not be built")?;
    let report = evaluate_against(dir, reference, options, device, progress)?;
    // A cache that cannot be written (read-only folder) costs only time.
    let _ = cache::store(dir, options, &report);
    Ok((report, false))
}
