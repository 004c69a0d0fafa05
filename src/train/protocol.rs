//! The command/event protocol between a training worker and its clients (GUI, CLI, tests).
//!
//! A small core (start, pause, step, knobs, batch size, sample, save, load, stop) plus one
//! generic way to ask the model a question between steps: `Command::Ask` carries a closure
//! that runs on the worker thread with the model and a [`Context`], and its typed answer comes
//! back as `Event::Answer`. The questions themselves (encode these images, run the sampler
//! step by step…) are written beside the views they use, outside the trainer.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;

use super::batches::{Batcher, TrainData};
use super::family::{Batch, ImageBatch, Knob, KnobValue, LossTerms, Samples};

/// A typed answer to a question; the client downcasts it to the type the question returns.
pub type Answer = Box<dyn Any + Send>;

/// A question for the model `M`, answered once on the worker thread between steps.
pub type Question<M> = Box<dyn FnOnce(&mut M, &mut Context) -> Result<Answer, String> + Send>;

/// A question asked again with every preview while training (reconstructions, the loss by
/// timestep): `None` when it does not apply to the current model.
pub type PreviewQuestion<M> = Box<dyn FnMut(&mut M, &mut Context) -> Option<Result<Answer, String>> + Send>;

/// What a question sees besides the model: the run's data, its step, and fresh batches.
pub struct Context<'a> {
    pub step: u64,
    batcher: &'a mut Batcher,
    batch_size: usize,
}

impl<'a> Context<'a> {
    pub(super) fn new(step: u64, batcher: &'a mut Batcher, batch_size: usize) -> Self {
        Self { step, batcher, batch_size }
    }

    pub fn data(&self) -> &TrainData {
        self.batcher.data()
    }

    /// The next training batch at the run's batch size (the GAN lab's single-player steps).
    pub fn next_batch(&mut self) -> Batch<'_> {
        self.batcher.next_batch(self.batch_size)
    }

    /// Test images by index (an index past the end is the last image): the pixels, labels,
    /// width and height; `None` when the run's data are not images.
    pub fn test_images(&self, indices: &[usize]) -> Option<(ImageBatch, Vec<u8>)> {
        let TrainData::Images(data) = self.data() else { return None };
        let set = &data.test;
        let mut pixels = Vec::with_capacity(indices.len() * set.pixels_per_image());
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            let i = i.min(set.len().saturating_sub(1));
            pixels.extend_from_slice(set.image(i));
            labels.push(set.labels[i]);
        }
        Some((ImageBatch { n: labels.len(), width: set.width, height: set.height, pixels }, labels))
    }

    /// Test images in the run's data (0 for points and text).
    pub fn test_len(&self) -> usize {
        match self.data() {
            TrainData::Images(d) => d.test.len(),
            TrainData::Points { .. } | TrainData::Text { .. } => 0,
        }
    }
}

/// What a client asks the worker to do.
pub enum Command<M: ?Sized = dyn super::family::Family> {
    /// Train continuously until paused.
    Start,
    Pause,
    /// Run exactly `n` steps, then pause.
    Step(u32),
    /// Change one of the model's live knobs.
    SetKnob {
        name: String,
        value: KnobValue,
    },
    /// Examples per training step from now on (1 … `MAX_BATCH`).
    SetBatchSize(usize),
    /// Draw `n` samples with a seed (a chosen class for conditional models).
    Sample {
        n: usize,
        seed: u64,
        label: Option<u8>,
    },
    /// Ask the model a question between steps; the answer comes back as `Event::Answer`.
    Ask(Question<M>),
    /// Questions asked again with every preview while training, replacing earlier ones.
    Preview(Vec<PreviewQuestion<M>>),
    /// Write a checkpoint directory (weights + config JSON), atomically.
    Save(PathBuf),
    /// Replace the model with the checkpoint in this directory.
    Load(PathBuf),
    /// End the worker thread.
    Stop,
}

/// The most examples per step a run takes: far above every default (32-256); the command
/// line checks a batch's memory against this machine's as well.
pub const MAX_BATCH: usize = 4096;

impl<M: ?Sized> fmt::Debug for Command<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Start => write!(f, "Start"),
            Command::Pause => write!(f, "Pause"),
            Command::Step(n) => write!(f, "Step({n})"),
            Command::SetKnob { name, value } => write!(f, "SetKnob({name} = {value:?})"),
            Command::SetBatchSize(n) => write!(f, "SetBatchSize({n})"),
            Command::Sample { n, seed, label } => write!(f, "Sample {{ n: {n}, seed: {seed}, label: {label:?} }}"),
            Command::Ask(_) => write!(f, "Ask(..)"),
            Command::Preview(q) => write!(f, "Preview({} questions)", q.len()),
            Command::Save(dir) => write!(f, "Save({})", dir.display()),
            Command::Load(dir) => write!(f, "Load({})", dir.display()),
            Command::Stop => write!(f, "Stop"),
        }
    }
}

/// What the worker reports.
pub enum Event {
    /// The model is ready: its description, parameter count and live knobs.
    Ready {
        description: String,
        num_params: usize,
        knobs: Vec<Knob>,
    },
    /// One step's loss terms.
    Losses {
        step: u64,
        terms: LossTerms,
    },
    /// Throughput, sent about twice a second while training.
    Progress {
        step: u64,
        samples_seen: u64,
        steps_per_sec: f64,
        running: bool,
    },
    /// A preview or requested sample batch; `seed` is the seed it was drawn with.
    Samples {
        step: u64,
        seed: u64,
        samples: Samples,
    },
    /// The answer to a `Command::Ask` (or a preview question), typed by the question.
    Answer(Answer),
    Saved(PathBuf),
    Loaded(PathBuf),
    /// Training paused; `reason` is set when the worker paused on its own (e.g. NaN loss).
    Paused {
        reason: Option<String>,
    },
    Running,
    /// Something failed; the text is meant for a person.
    Error(String),
    Stopped,
}

impl Event {
    /// The answer inside, when this is an answer of type `T`.
    pub fn answer<T: Any>(&self) -> Option<&T> {
        match self {
            Event::Answer(a) => a.downcast_ref::<T>(),
            _ => None,
        }
    }

    /// The answer of type `T`, taken out of the event (`Err` gives the event back).
    pub fn into_answer<T: Any>(self) -> Result<T, Event> {
        match self {
            Event::Answer(a) => match a.downcast::<T>() {
                Ok(t) => Ok(*t),
                Err(a) => Err(Event::Answer(a)),
            },
            other => Err(other),
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Ready { description, num_params, knobs } => {
                write!(f, "Ready {{ {description}, {num_params} parameters, {} knobs }}", knobs.len())
            }
            Event::Losses { step, terms } => write!(f, "Losses {{ step: {step}, terms: {terms:?} }}"),
            Event::Progress { step, samples_seen, steps_per_sec, running } => write!(
                f,
                "Progress {{ step: {step}, samples_seen: {samples_seen}, steps_per_sec: {steps_per_sec:.2}, running: {running} }}"
            ),
            Event::Samples { step, seed, samples } => {
                let what = match samples {
                    Samples::Images(b) => format!("{} images", b.n),
                    Samples::Points(p) => format!("{} points", p.len()),
                    Samples::Text(t) => format!("{} texts", t.len()),
                };
                write!(f, "Samples {{ step: {step}, seed: {seed}, {what} }}")
            }
            Event::Answer(_) => write!(f, "Answer(..)"),
            Event::Saved(dir) => write!(f, "Saved({})", dir.display()),
            Event::Loaded(dir) => write!(f, "Loaded({})", dir.display()),
            Event::Paused { reason } => write!(f, "Paused {{ reason: {reason:?} }}"),
            Event::Running => write!(f, "Running"),
            Event::Error(e) => write!(f, "Error({e:?})"),
            Event::Stopped => write!(f, "Stopped"),
        }
    }
}
