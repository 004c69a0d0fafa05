//! Work that may take long on input the user chose (reading a dataset folder or a text file)
//! runs on its own thread, so the window keeps drawing: a tab starts a `Loading`, polls it once
//! a frame, shows its "Loading …" line meanwhile and the error when it fails. A panic inside
//! the loader (a file nothing checked for) becomes that error too, never a dead window.

use std::panic::{AssertUnwindSafe, catch_unwind};

use eframe::egui;

use super::job::Job;
use crate::train::worker::panic_message;

/// A value being loaded on a background thread: a `Job` without stages, shown as one line.
/// Dropping it discards the answer: the thread finishes on its own and its result goes
/// nowhere (how a tab forgets a stale load).
pub struct Loading<T> {
    /// What is loaded, as the "Loading …" line names it ("MNIST from /data").
    what: String,
    job: Job<T>,
}

impl<T: Send + 'static> Loading<T> {
    /// Starts `load` on a new thread; the window is repainted when it has finished.
    pub fn start(what: String, ctx: &egui::Context, load: impl FnOnce() -> Result<T, String> + Send + 'static) -> Self {
        let job = Job::start(format!("loading {what}"), ctx, move |_| load());
        Self { what, job }
    }
}

impl<T> Loading<T> {
    pub fn what(&self) -> &str {
        &self.what
    }

    /// `Some` once the load has finished (or its thread died), `None` while it runs. The
    /// answer comes once: drop the `Loading` after taking it.
    pub fn poll(&self) -> Option<Result<T, String>> {
        self.job.poll()
    }

    /// A spinner and "Loading MNIST from …".
    pub fn ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("Loading {}…", self.what));
        });
    }
}

/// Runs `build` here, turning a panic inside it into an error that names `what`: a model built
/// from unusual data must fail with a message in its tab, not take the window down.
pub fn without_panics<T>(what: &str, build: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(build))
        .unwrap_or_else(|payload| Err(format!("{what} failed inside genlab ({})", panic_message(payload.as_ref()))))
}

/// For tests: calls `poll` every 2 ms until it answers; after `timeout` a panic with
/// `never` ("the loader never answered").
#[cfg(test)]
pub(crate) fn poll_until<T>(timeout: std::time::Duration, never: &str, mut poll: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(answer) = poll() {
            return answer;
        }
        assert!(start.elapsed() < timeout, "{never}");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::*;

    fn wait<T>(loading: &Loading<T>) -> Result<T, String> {
        poll_until(Duration::from_secs(30), "the loader never answered", || loading.poll())
    }

    #[test]
    fn the_result_arrives_after_the_load_finishes() {
        let ctx = egui::Context::default();
        let (go, wait_for_go) = channel::<()>();
        let loading = Loading::start("a slow file".into(), &ctx, move || {
            let _ = wait_for_go.recv();
            Ok(42u32)
        });
        // Still loading: the window draws the "Loading" line meanwhile.
        assert!(loading.poll().is_none());
        go.send(()).unwrap();
        assert_eq!(wait(&loading), Ok(42));
    }

    #[test]
    fn a_panic_in_the_loader_becomes_an_error_naming_what_was_loaded() {
        let ctx = egui::Context::default();
        let loading = Loading::<u32>::start("MNIST from /nowhere".into(), &ctx, || panic!("index out of bounds"));
        let error = wait(&loading).unwrap_err();
        assert!(error.contains("MNIST from /nowhere") && error.contains("index out of bounds"), "{error}");
    }

    #[test]
    fn a_panic_while_building_becomes_an_error() {
        let result = without_panics::<u32>("building the model", || panic!("zero-sized layer"));
        let error = result.unwrap_err();
        assert!(error.contains("building the model") && error.contains("zero-sized layer"), "{error}");
        assert_eq!(without_panics("building the model", || Ok::<_, String>(7)), Ok(7));
    }
}
