//! The two-player view (GANs on 2-D data): what the GAN lab draws and its one-player steps.

use super::{Model, ask};
use crate::train::{Batch, FamilyResult, LossTerms, Question};

/// One side of a two-player game.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Player {
    Generator,
    Discriminator,
}

/// Two-player families on 2-D data: what the GAN lab draws.
pub trait GameView {
    fn latent_dim(&self) -> usize;

    /// The discriminator's output at each point, as shown to a person: the probability of
    /// "real" for the logistic games, the critic's value otherwise.
    fn critic_field(&mut self, points: &[[f32; 2]]) -> FamilyResult<Vec<f32>>;

    /// The generator's points for `n` latent rows, and the pull on each point: −∂ℓ_G/∂x, the
    /// direction in which the generator's next step moves it (before the chain rule through G).
    fn generator_pull(&mut self, z: &[f32], n: usize) -> FamilyResult<(Vec<[f32; 2]>, Vec<[f32; 2]>)>;

    /// One update of one player only (the lab's "one D step" and "one G step"); returns that
    /// player's loss terms.
    fn step_player(&mut self, batch: &Batch, player: Player) -> FamilyResult<LossTerms>;
}

/// What the GAN lab draws at one moment, computed on the worker thread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GameSnapshot {
    /// D's output at each requested field point (probability of "real", or critic value).
    pub field: Vec<f32>,
    /// G(z) for each requested latent row, and the pull −∂ℓ_G/∂x on it.
    pub points: Vec<[f32; 2]>,
    pub pull: Vec<[f32; 2]>,
}

/// The GAN lab's picture at a training step.
#[derive(Clone, Debug, PartialEq)]
pub struct GamePicture {
    pub step: u64,
    pub snapshot: GameSnapshot,
}

/// One player's update was made; its loss terms.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayerStepped {
    pub player: Player,
    pub terms: LossTerms,
}

/// D at the `field` points, and G's points and the pulls on them for `n` latent rows `z`.
pub fn game(field: Vec<[f32; 2]>, z: Vec<f32>, n: usize) -> Question<dyn Model> {
    ask(move |model, context| {
        let step = context.step;
        let game = model.game().ok_or("this model has no 2-D game to draw")?;
        let field = game.critic_field(&field)?;
        let (points, pull) = game.generator_pull(&z, n)?;
        Ok(GamePicture { step, snapshot: GameSnapshot { field, points, pull } })
    })
}

/// One update of one player on the next batch. A step that gives a loss that is not finite
/// puts the last good weights back and says so.
pub fn player_step(player: Player) -> Question<dyn Model> {
    ask(move |model, context| {
        let batch = context.next_batch();
        let game = model.game().ok_or("this model is not a two-player game")?;
        let terms = game.step_player(&batch, player)?;
        if terms.iter().all(|(_, v)| v.is_finite()) {
            return Ok(PlayerStepped { player, terms });
        }
        model.restore_good();
        Err(format!("a single step gave {terms:?}: the weights went back to the last good ones"))
    })
}
