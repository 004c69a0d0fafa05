//! The family-blind, GUI-blind trainer: batches, the worker thread and its protocol,
//! live knobs, loss history and checkpoints. It knows the `Family` trait and nothing of any
//! family or view, and imports nothing from the models.

pub mod batches;
pub mod checkpoint;
pub mod dataset;
pub mod family;
pub mod history;
pub mod knob;
pub mod protocol;
pub mod worker;

pub use batches::TrainData;
pub use family::{Batch, Family, FamilyResult, ImageBatch, LossTerms, Samples};
pub use history::LossHistory;
pub use knob::{Knob, KnobKind, KnobValue};
pub use protocol::{Answer, Command, Context, Event, MAX_BATCH, PreviewQuestion, Question};
pub use worker::{Loader, Notify, WorkerHandle, WorkerOptions, panic_message, spawn};
