//! The training worker: one thread that owns one family's model and runs its steps, talking
//! to the rest of the program only through `Command`s in and `Event`s out. It knows no family
//! and no GUI: the GUI, the CLI and the tests are three clients of the same protocol.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::batches::{Batcher, TrainData};
use super::checkpoint;
use super::family::Family;
use super::protocol::{Command, Context, Event, MAX_BATCH, PreviewQuestion};
use crate::data::DatasetId;

/// Builds a model from a checkpoint directory (for `Command::Load`).
pub type Loader<M> = Box<dyn Fn(&Path) -> Result<Box<M>, String> + Send>;

/// Called after every event, so a GUI can wake up and repaint.
pub type Notify = Box<dyn Fn() + Send>;

#[derive(Clone, Debug)]
pub struct WorkerOptions {
    pub seed: u64,
    pub batch_size: usize,
    /// Send a fixed-seed sample grid and reconstructions this often while training.
    pub preview_every: Option<Duration>,
    pub preview_n: usize,
    pub preview_seed: u64,
    /// Remember known-good weights every this many finite steps.
    pub good_every: u64,
    /// What the run trains on, written into checkpoints so evaluation can find the test set.
    pub dataset: Option<DatasetId>,
    /// The data folder the run's data came from, recorded beside `dataset`.
    pub data_dir: Option<PathBuf>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            seed: 0,
            batch_size: 128,
            preview_every: None,
            preview_n: 64,
            preview_seed: 1234,
            good_every: 20,
            dataset: None,
            data_dir: None,
        }
    }
}

/// The client side: send commands, receive events. `M` is the type the worker holds the
/// model as (`dyn Family`, or a richer trait object whose questions reach the views).
pub struct WorkerHandle<M: ?Sized + 'static = dyn Family> {
    commands: Sender<Command<M>>,
    events: Receiver<Event>,
    thread: Option<JoinHandle<()>>,
}

impl<M: ?Sized + 'static> WorkerHandle<M> {
    pub fn send(&self, command: Command<M>) {
        // A worker that has stopped has already said why through an event.
        let _ = self.commands.send(command);
    }

    /// Every event that has arrived so far.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }

    /// The next event, waiting as long as the worker lives: `None` once its thread has ended
    /// and every event it sent has been read. A slow device is waited for, never timed out.
    pub fn recv(&self) -> Option<Event> {
        self.events.recv().ok()
    }

    /// Whether the worker thread is still running. A thread that ended without being asked
    /// to stop has died; its last events (an error) are still in the channel.
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<M: ?Sized + 'static> Drop for WorkerHandle<M> {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts a worker thread that owns `family` and trains it on `data`.
pub fn spawn<M: Family + ?Sized + 'static>(
    family: Box<M>,
    data: TrainData,
    options: WorkerOptions,
    loader: Loader<M>,
    notify: Option<Notify>,
) -> WorkerHandle<M> {
    let (command_tx, command_rx) = mpsc::channel();
    let (event_tx, event_rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(format!("genlab-train-{}", family.family_name()))
        .spawn(move || {
            let last_words = event_tx.clone();
            let lived = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let mut worker = Worker::new(family, data, options, loader, event_tx, notify);
                worker.run(command_rx);
            }));
            // Steps and requests are guarded one by one; this catches the rest (starting up).
            if let Err(payload) = lived {
                let message = panic_message(payload.as_ref());
                let _ = last_words.send(Event::Error(format!("the training thread stopped: {message}")));
                let _ = last_words.send(Event::Paused { reason: Some(format!("the training thread stopped: {message}")) });
            }
        })
        .ok();
    let handle = WorkerHandle { commands: command_tx, events: event_rx, thread };
    if handle.thread.is_none() {
        // The thread could not start: say so through the same channel a client reads.
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Event::Error("could not start the training thread".into()));
        return WorkerHandle { commands: handle.commands.clone(), events: rx, thread: None };
    }
    handle
}

struct Worker<M: ?Sized + 'static> {
    family: Box<M>,
    batcher: Batcher,
    options: WorkerOptions,
    loader: Loader<M>,
    /// Asked again with every preview (`Command::Preview`).
    preview_questions: Vec<PreviewQuestion<M>>,
    events: Sender<Event>,
    notify: Option<Notify>,
    running: bool,
    steps_left: u32,
    step: u64,
    samples_seen: u64,
    last_progress: Instant,
    progress_steps: u64,
    last_preview: Instant,
    /// How long the last preview took: previews wait at least four times that, so a costly
    /// sampler (a diffusion model's many steps) never takes more than a fifth of the time.
    preview_cost: Duration,
}

const PROGRESS_EVERY: Duration = Duration::from_millis(500);

impl<M: Family + ?Sized + 'static> Worker<M> {
    fn new(
        family: Box<M>,
        data: TrainData,
        options: WorkerOptions,
        loader: Loader<M>,
        events: Sender<Event>,
        notify: Option<Notify>,
    ) -> Self {
        let batcher = Batcher::new(data, options.seed);
        Self {
            family,
            batcher,
            options,
            loader,
            preview_questions: Vec::new(),
            events,
            notify,
            running: false,
            steps_left: 0,
            step: 0,
            samples_seen: 0,
            last_progress: Instant::now(),
            progress_steps: 0,
            last_preview: Instant::now(),
            preview_cost: Duration::ZERO,
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
        if let Some(notify) = &self.notify {
            notify();
        }
    }

    fn training(&self) -> bool {
        self.running || self.steps_left > 0
    }

    fn run(&mut self, commands: Receiver<Command<M>>) {
        self.family.remember_good();
        self.emit_ready();
        loop {
            // Serve every waiting command; block only while idle.
            loop {
                let command = if self.training() {
                    match commands.try_recv() {
                        Ok(c) => c,
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => return,
                    }
                } else {
                    match commands.recv_timeout(Duration::from_millis(250)) {
                        Ok(c) => c,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                };
                if matches!(command, Command::Stop) {
                    self.emit(Event::Stopped);
                    return;
                }
                self.guarded("handling a request", |w| w.handle(command));
            }
            if self.training() {
                self.guarded("a training step", Self::train_one);
            }
        }
    }

    /// Runs `work`; a panic inside it (a bug, or input nothing checked) becomes an error
    /// event and a pause with the message, and the weights go back to the last good ones,
    /// so the client sees what happened instead of a thread that silently died.
    fn guarded(&mut self, what: &str, work: impl FnOnce(&mut Self)) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(self)));
        let Err(payload) = outcome else { return };
        let message = panic_message(payload.as_ref());
        self.running = false;
        self.steps_left = 0;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.family.restore_good()));
        self.emit(Event::Error(format!("{what} failed inside genlab ({message}); training paused")));
        self.emit(Event::Paused { reason: Some(format!("{what} failed: {message}")) });
    }

    fn emit_ready(&self) {
        self.emit(Event::Ready { description: self.family.describe(), num_params: self.family.num_params(), knobs: self.family.knobs() });
    }

    fn handle(&mut self, command: Command<M>) {
        match command {
            Command::Start => {
                self.running = true;
                self.last_progress = Instant::now();
                self.progress_steps = 0;
                self.emit(Event::Running);
            }
            Command::Pause => {
                self.running = false;
                self.steps_left = 0;
                self.emit(Event::Paused { reason: None });
                self.send_progress();
            }
            Command::Step(n) => {
                self.running = false;
                self.steps_left = n.max(1);
            }
            Command::SetKnob { name, value } => {
                if let Err(e) = self.family.set_knob(&name, value) {
                    self.emit(Event::Error(e));
                }
            }
            Command::SetBatchSize(n) => {
                if (1..=MAX_BATCH).contains(&n) {
                    self.options.batch_size = n;
                } else {
                    self.emit(Event::Error(format!(
                        "a batch of {n} examples is out of range (1 to {MAX_BATCH}); the batch stays at {}",
                        self.options.batch_size
                    )));
                }
            }
            Command::Sample { n, seed, label } => match self.family.sample(n, seed, label) {
                Ok(samples) => self.emit(Event::Samples { step: self.step, seed, samples }),
                Err(e) => self.emit(Event::Error(e)),
            },
            Command::Ask(question) => {
                let mut context = Context::new(self.step, &mut self.batcher, self.options.batch_size);
                match question(&mut *self.family, &mut context) {
                    Ok(answer) => self.emit(Event::Answer(answer)),
                    Err(e) => self.emit(Event::Error(e)),
                }
            }
            Command::Preview(questions) => self.preview_questions = questions,
            Command::Save(dir) => self.save(&dir),
            Command::Load(dir) => self.load(dir),
            Command::Stop => {}
        }
    }

    fn train_one(&mut self) {
        let batch_size = self.options.batch_size;
        let batch = self.batcher.next_batch(batch_size);
        let n = batch.n as u64;
        let result = self.family.train_step(&batch);
        let terms = match result {
            Ok(terms) => terms,
            Err(e) => {
                self.running = false;
                self.steps_left = 0;
                self.emit(Event::Error(e));
                self.emit(Event::Paused { reason: Some("the training step failed".into()) });
                return;
            }
        };
        if let Some((name, value)) = terms.iter().find(|(_, v)| !v.is_finite()) {
            self.family.restore_good();
            self.running = false;
            self.steps_left = 0;
            self.emit(Event::Paused {
                reason: Some(format!(
                    "the loss term \"{name}\" became {value} at step {}: training paused and the \
                     weights went back to the last good ones. Try a smaller learning rate.",
                    self.step + 1
                )),
            });
            return;
        }
        self.step += 1;
        self.samples_seen += n;
        self.progress_steps += 1;
        if self.step % self.options.good_every.max(1) == 0 {
            self.family.remember_good();
        }
        self.emit(Event::Losses { step: self.step, terms });
        if let Some(reason) = self.family.divergence() {
            self.running = false;
            self.steps_left = 0;
            self.send_progress();
            self.emit(Event::Paused { reason: Some(format!("step {}: {reason}", self.step)) });
            return;
        }
        if self.last_progress.elapsed() >= PROGRESS_EVERY {
            self.send_progress();
        }
        if let Some(every) = self.options.preview_every {
            if self.last_preview.elapsed() >= every.max(self.preview_cost * 4) {
                self.preview();
            }
        }
        if self.steps_left > 0 {
            self.steps_left -= 1;
            if self.steps_left == 0 && !self.running {
                self.send_progress();
                self.emit(Event::Paused { reason: None });
                if self.options.preview_every.is_some() {
                    self.preview();
                }
            }
        }
    }

    fn send_progress(&mut self) {
        let secs = self.last_progress.elapsed().as_secs_f64();
        let steps_per_sec = if secs > 0.0 { self.progress_steps as f64 / secs } else { 0.0 };
        self.emit(Event::Progress { step: self.step, samples_seen: self.samples_seen, steps_per_sec, running: self.training() });
        self.last_progress = Instant::now();
        self.progress_steps = 0;
    }

    /// The evolving fixed-seed grid and reconstructions of the first test images.
    fn preview(&mut self) {
        let started = Instant::now();
        let (n, seed) = (self.options.preview_n, self.options.preview_seed);
        match self.family.sample(n, seed, None) {
            Ok(samples) => self.emit(Event::Samples { step: self.step, seed, samples }),
            Err(e) => self.emit(Event::Error(e)),
        }
        let mut questions = std::mem::take(&mut self.preview_questions);
        for question in &mut questions {
            let mut context = Context::new(self.step, &mut self.batcher, self.options.batch_size);
            match question(&mut *self.family, &mut context) {
                Some(Ok(answer)) => self.emit(Event::Answer(answer)),
                Some(Err(e)) => self.emit(Event::Error(e)),
                None => {}
            }
        }
        self.preview_questions = questions;
        self.preview_cost = started.elapsed();
        self.last_preview = Instant::now();
    }

    fn save(&mut self, dir: &Path) {
        let progress = checkpoint::Progress {
            step: self.step,
            samples_seen: self.samples_seen,
            dataset: self.options.dataset,
            // Absolute, so the checkpoint still finds its data from another working folder.
            data_dir: self.options.data_dir.as_ref().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone())),
        };
        match checkpoint::save(&*self.family, &progress, dir) {
            Ok(()) => self.emit(Event::Saved(dir.to_path_buf())),
            Err(e) => self.emit(Event::Error(e)),
        }
    }

    fn load(&mut self, dir: PathBuf) {
        match (self.loader)(&dir) {
            Ok(family) => {
                self.family = family;
                self.family.remember_good();
                if let Ok(progress) = checkpoint::read_progress(&dir) {
                    self.step = progress.step;
                    self.samples_seen = progress.samples_seen;
                }
                self.emit(Event::Loaded(dir));
                self.emit_ready();
                if self.options.preview_every.is_some() {
                    self.preview();
                }
            }
            Err(e) => self.emit(Event::Error(e)),
        }
    }
}

/// The text of a panic's payload (a `&str` or a `String`; anything else has none).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}
