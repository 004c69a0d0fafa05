//! `RunShell`: a family tab's run and everything around it that is the same for every family
//! — the dataset (or text) picked and its data, the seed and batch size for the next run, the
//! file dialogs, a checkpoint waiting to be loaded, on-demand evaluation, and the requests a
//! button makes (Reset, another dataset), carried out at the start of the next frame where the
//! family's part hears of them.

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::data::DatasetId;
use crate::export::save_grid_png;
use crate::models::{DataKind, FamilyKind};
use crate::train::checkpoint::read_progress;

use super::super::dialogs::{Closed, PendingDialog, Purpose, UNAVAILABLE};
use super::super::eval_on_demand::EvalOnDemand;
use super::super::loading::without_panics;
use super::super::session::Session;
use super::super::tab::{Shared, TabStatus};
use super::super::train_data::TabData;
use super::super::widgets::LossPlot;
use super::FamilyTab;

/// Samples PNGs are scaled up this much, so that 28×28 images are readable.
const EXPORT_SCALE: u32 = 4;

pub struct RunShell {
    /// The family this tab trains, and the only one whose checkpoints it opens.
    pub(super) kind: FamilyKind,
    /// The run: `None` while the data loads, after a failure, and between Reset and the next.
    pub session: Option<Session>,
    /// The run's loss plot (its settings outlive the run).
    pub plot: LossPlot,
    pub(super) dataset: DatasetId,
    /// The text file a text family trains on (none: the built-in corpus).
    pub(super) text: Option<PathBuf>,
    pub(super) seed: u64,
    pub(super) batch_size: usize,
    pub(super) data: TabData,
    /// Why there is no run: the data could not be loaded or the model not built.
    pub(super) load_error: Option<String>,
    pub(super) dialog: Option<PendingDialog>,
    /// A checkpoint to load once the run for its data is going.
    pub(super) pending_load: Option<PendingLoad>,
    pub(super) eval: EvalOnDemand,
    /// Columns of the grid "Export samples PNG…" writes; `None`: the tab has no such button.
    pub(super) export_columns: Option<usize>,
    /// Reset was pressed this frame.
    reset_asked: bool,
    /// A dataset (and text file) picked this frame.
    picked: Option<(DatasetId, Option<PathBuf>)>,
}

pub(super) struct PendingLoad {
    pub dir: PathBuf,
    /// The load command has gone to the worker.
    pub sent: bool,
}

impl RunShell {
    /// A shell for `kind` that first trains on `dataset` with `batch_size` examples a step.
    pub fn new(kind: FamilyKind, dataset: DatasetId, batch_size: usize) -> Self {
        Self {
            kind,
            session: None,
            plot: LossPlot::new(format!("{}-loss", kind.name())),
            dataset,
            text: None,
            seed: 0,
            batch_size,
            data: TabData::default(),
            load_error: None,
            dialog: None,
            pending_load: None,
            eval: EvalOnDemand::default(),
            export_columns: None,
            reset_asked: false,
            picked: None,
        }
    }

    /// Offers "Export samples PNG…", writing the samples `columns` to a row.
    pub fn with_export(self, columns: usize) -> Self {
        Self { export_columns: Some(columns), ..self }
    }

    pub fn kind(&self) -> FamilyKind {
        self.kind
    }

    /// The dataset picked (the run's, once it has started).
    pub fn dataset(&self) -> DatasetId {
        self.dataset
    }

    pub fn status(&self) -> Option<TabStatus> {
        self.session.as_ref().map(Session::status)
    }

    /// Drops the run at the start of the next frame (the Reset button).
    pub fn request_reset(&mut self, ctx: &egui::Context) {
        self.reset_asked = true;
        ctx.request_repaint();
    }

    /// Switches to `dataset` (and, for text, to `text`) at the start of the next frame.
    pub(super) fn pick(&mut self, dataset: DatasetId, text: Option<PathBuf>, ctx: &egui::Context) {
        self.picked = Some((dataset, text));
        ctx.request_repaint();
    }

    /// Whether this family trains on `dataset`.
    pub(super) fn offers(&self, dataset: DatasetId) -> bool {
        let kind = match dataset {
            DatasetId::Images(_) => DataKind::Images,
            DatasetId::Toy(_) => DataKind::Points,
            DatasetId::Text => DataKind::Text,
        };
        self.kind.entry().data.contains(&kind)
    }

    /// Opens a file dialog for `purpose`, unless one is open already.
    pub fn open_dialog(&mut self, purpose: Purpose, ctx: &egui::Context) {
        if self.dialog.is_none() {
            self.dialog = Some(PendingDialog::open(purpose, ctx));
        }
    }

    pub fn dialog_open(&self) -> bool {
        self.dialog.is_some()
    }

    /// What a tab shown does first every frame: carry out the last frame's requests, start a
    /// run once the data is there, apply the worker's events, act on a closed dialog.
    pub(super) fn frame<F: FamilyTab>(&mut self, family: &mut F, shared: &Shared, ctx: &egui::Context) {
        if let Some((dataset, text)) = self.picked.take() {
            self.dataset = dataset;
            self.text = text;
            self.data.clear();
            if let Some(batch_size) = family.dataset_picked(dataset) {
                self.batch_size = batch_size;
            }
            self.reset_asked = true;
        }
        // A text does not come from the data folder.
        let folder_changed = self.dataset != DatasetId::Text && self.data.folder_changed(shared.data_version);
        if std::mem::take(&mut self.reset_asked) || folder_changed {
            self.drop_run(family);
        }
        self.start_run(family, shared, ctx);
        if let Some(session) = &mut self.session {
            session.poll();
            self.eval.poll(session, shared, ctx);
        }
        self.poll_dialog(family, ctx);
        self.poll_checkpoint(family);
    }

    /// Applies a hidden tab's events, so a run left training keeps its history and previews.
    pub(super) fn poll_in_background(&mut self) {
        if let Some(session) = &mut self.session {
            session.poll();
        }
    }

    fn drop_run<F: FamilyTab>(&mut self, family: &mut F) {
        self.session = None;
        self.load_error = None;
        self.eval.clear();
        // A checkpoint sent to the dropped run went with it; one still waiting for the run of
        // its data (which a Load switched to) waits on.
        if self.pending_load.as_ref().is_some_and(|p| p.sent) {
            self.pending_load = None;
        }
        family.reset();
    }

    /// Starts a run once the data has loaded, unless there is one or it failed.
    fn start_run<F: FamilyTab>(&mut self, family: &mut F, shared: &Shared, ctx: &egui::Context) {
        if self.session.is_some() || self.load_error.is_some() {
            return;
        }
        let data = match self.data.get(self.dataset, self.text.as_deref(), shared.data_dir.as_deref(), ctx) {
            None => return,
            Some(Ok(data)) => data,
            Some(Err(e)) => return self.load_error = Some(e),
        };
        let (dataset, seed, device) = (self.dataset, self.seed, &shared.device.device);
        match without_panics("building the model", || family.build(data, dataset, seed, device)) {
            Ok(run) => {
                // Checkpoints record where the data came from: the text file of a text model,
                // else the data folder.
                let source = if dataset == DatasetId::Text { self.text.clone() } else { shared.data_dir.clone() };
                let mut preview = crate::views::preview_questions();
                preview.extend(family.preview_questions());
                let session = Session::start(
                    run.model,
                    &[self.kind],
                    run.data,
                    Some(dataset),
                    source,
                    self.batch_size,
                    run.preview_n,
                    preview,
                    &shared.device,
                    ctx,
                );
                family.started(&session);
                self.session = Some(session);
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    /// Acts on a dialog that has closed. A save or an export waits for the model (after a
    /// Reset, or while the data loads); a load or a new text does not need one.
    fn poll_dialog<F: FamilyTab>(&mut self, family: &mut F, ctx: &egui::Context) {
        let Some(dialog) = &self.dialog else { return };
        let purpose = dialog.purpose;
        if !matches!(purpose, Purpose::LoadCheckpoint | Purpose::OpenText) && self.session.is_none() {
            return;
        }
        let Some(answer) = dialog.poll() else { return };
        self.dialog = None;
        let path = match answer {
            Closed::Picked(path) => path,
            Closed::Cancelled => return,
            Closed::Unavailable => {
                match &mut self.session {
                    Some(session) => session.error(UNAVAILABLE.into()),
                    None => self.load_error = Some(UNAVAILABLE.into()),
                }
                return;
            }
        };
        match purpose {
            Purpose::LoadCheckpoint => self.load_checkpoint(path, ctx),
            Purpose::OpenText => self.pick(DatasetId::Text, Some(path), ctx),
            _ => {
                let Some(session) = &mut self.session else { return };
                match (purpose, self.export_columns) {
                    (Purpose::SaveCheckpoint, _) => session.save(path),
                    (Purpose::ExportSamples, Some(columns)) => export_samples(session, columns, &path),
                    _ => family.file_chosen(purpose, path, session),
                }
            }
        }
    }

    /// Loads the checkpoint in `dir` once this tab's run for its data is going. A checkpoint
    /// trained on another dataset this tab offers switches to that dataset first (its data
    /// may take a while to load), so the model goes on with the data it learned from. One of
    /// another family is refused by the worker, which says where to open it.
    fn load_checkpoint(&mut self, dir: PathBuf, ctx: &egui::Context) {
        let recorded = read_progress(&dir).ok().and_then(|p| p.dataset);
        if let Some(dataset) = recorded
            && dataset != self.dataset
            && self.offers(dataset)
        {
            self.pick(dataset, self.text.clone(), ctx);
        }
        self.pending_load = Some(PendingLoad { dir, sent: false });
    }

    /// Sends a waiting checkpoint to the run, and tells the family when the worker has loaded
    /// one (a refused checkpoint leaves the model, and the family hears nothing).
    fn poll_checkpoint<F: FamilyTab>(&mut self, family: &mut F) {
        let Some(session) = &mut self.session else { return };
        if let Some(pending) = &mut self.pending_load
            && !pending.sent
        {
            session.load(pending.dir.clone());
            pending.sent = true;
        }
        if let Some(dir) = session.loaded.take() {
            family.loaded(&dir);
            if self.pending_load.as_ref().is_some_and(|p| p.dir == dir) {
                self.pending_load = None;
            }
        }
    }
}

/// Writes the run's latest samples as a PNG grid and says how it went.
fn export_samples(session: &mut Session, columns: usize, path: &Path) {
    let result = match session.samples.batch() {
        Some(batch) => save_grid_png(batch, columns, EXPORT_SCALE, path),
        None => Err("no samples to export yet".into()),
    };
    match result {
        Ok(()) => session.notice(format!("exported {}", path.display())),
        Err(e) => session.error(e),
    }
}
