//! The family-blind, GUI-blind trainer: batches, the worker thread and its protocol,
//! loss history and checkpoints.

pub mod batches;
pub mod checkpoint;
pub mod family;
pub mod history;
pub mod protocol;
pub mod worker;

pub use batches::TrainData;
pub use family::{
    Batch, DenoisingView, DrawnToken, Family, FlowView, GibbsView, WitnessView, GameSnapshot, GameView, HyperParam, ImageBatch, LatentModel, LikelihoodModel, LogLikelihood,
    LossBucket, LossTerms, NextToken, PixelView, Player, Samples, TokenView, Trajectory, TrajectoryStep,
};
pub use history::LossHistory;
pub use protocol::{Command, Event};
pub use worker::{spawn, WorkerHandle, WorkerOptions};
