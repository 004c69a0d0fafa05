//! Native file dialogs (rfd) on their own thread, so the window keeps drawing while one is open.
//! A test, with no display and no one to click, answers them beforehand with `answer_next`.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};

use eframe::egui;

/// What the user picked the file for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    SaveCheckpoint,
    LoadCheckpoint,
    ExportSamples,
    /// A denoising trajectory as an animated GIF.
    ExportGif,
    OpenDataset,
    /// A checkpoint folder to add to the Compare tab.
    AddRun,
    /// A UTF-8 text file for the character model.
    OpenText,
    /// A trained model's checkpoint folder for the Density tab.
    PickModel,
    /// A folder of the user's own images, scored as a set in the Density tab.
    ScoreFolder,
}

/// How a dialog closed.
#[derive(Clone, Debug, PartialEq)]
pub enum Closed {
    Picked(PathBuf),
    Cancelled,
    /// It closed at once with no answer: no dialog could be shown (no desktop portal or GTK on
    /// this system), not a person who cancelled.
    Unavailable,
}

/// What the window says when no file dialog can be shown.
pub const UNAVAILABLE: &str =
    "no file dialog could be opened on this system (it needs a desktop portal or GTK): nothing was saved or opened";

/// A dialog answered with no path faster than this was never shown.
const AT_ONCE: std::time::Duration = std::time::Duration::from_millis(300);

/// A dialog that may still be open.
pub struct PendingDialog {
    pub purpose: Purpose,
    answer: Receiver<Closed>,
}

/// Answers the next dialog opened for `purpose` in this window with `path`, without showing
/// one: how a test drives "Save checkpoint…" and "Load checkpoint…". Kept in the window's own
/// memory, so tests running side by side (each with its own window) do not see each other's.
pub fn answer_next(ctx: &egui::Context, purpose: Purpose, path: PathBuf) {
    ctx.data_mut(|d| {
        d.insert_temp(answer_id(purpose), path);
    });
}

fn answer_id(purpose: Purpose) -> egui::Id {
    egui::Id::NULL.with(("genlab-dialog-answer", purpose))
}

impl PendingDialog {
    pub fn open(purpose: Purpose, ctx: &egui::Context) -> Self {
        let (tx, rx) = channel();
        if let Some(path) = ctx.data_mut(|d| d.remove_temp::<PathBuf>(answer_id(purpose))) {
            let _ = tx.send(Closed::Picked(path));
            return Self { purpose, answer: rx };
        }
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let opened = std::time::Instant::now();
            let dialog = rfd::FileDialog::new();
            let path = match purpose {
                Purpose::SaveCheckpoint => dialog.set_title("Save checkpoint folder").set_file_name("genlab-checkpoint").save_file(),
                Purpose::LoadCheckpoint => dialog.set_title("Open a checkpoint folder").pick_folder(),
                Purpose::ExportSamples => {
                    dialog.set_title("Export samples").add_filter("PNG image", &["png"]).set_file_name("samples.png").save_file()
                }
                Purpose::ExportGif => dialog
                    .set_title("Export the denoising steps")
                    .add_filter("GIF animation", &["gif"])
                    .set_file_name("denoising.gif")
                    .save_file(),
                Purpose::OpenDataset => dialog.set_title("Folder with MNIST / Fashion-MNIST IDX files, or your own images").pick_folder(),
                Purpose::AddRun => dialog.set_title("Add a checkpoint folder to compare").pick_folder(),
                Purpose::OpenText => dialog
                    .set_title("A text file for the character model (UTF-8)")
                    .add_filter("Text", &["txt", "md"])
                    .add_filter("Any file", &["*"])
                    .pick_file(),
                Purpose::PickModel => dialog.set_title("A checkpoint folder of a trained model").pick_folder(),
                Purpose::ScoreFolder => dialog.set_title("A folder of your own images to score").pick_folder(),
            };
            let closed = match path {
                Some(path) => Closed::Picked(path),
                None if opened.elapsed() < AT_ONCE => Closed::Unavailable,
                None => Closed::Cancelled,
            };
            let _ = tx.send(closed);
            ctx.request_repaint();
        });
        Self { purpose, answer: rx }
    }

    /// `Some` once the dialog closed, with how.
    pub fn poll(&self) -> Option<Closed> {
        match self.answer.try_recv() {
            Ok(closed) => Some(closed),
            Err(std::sync::mpsc::TryRecvError::Empty) => None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Some(Closed::Unavailable),
        }
    }
}
