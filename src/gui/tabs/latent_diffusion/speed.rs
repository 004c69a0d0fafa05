//! The speed panel: what working in a latent space buys, measured on this machine while the
//! model trains — training steps per second, the seconds from Start until the first samples
//! are shown, and how long the latest sampling run took — beside how to read the same numbers
//! for pixel-space diffusion.

use std::time::{Duration, Instant};

use eframe::egui;

use crate::views::latent_chain::SamplingTime;

use super::super::super::session::Session;

const HOW_TO_COMPARE: &str = "Against pixel-space diffusion on this machine: train the Diffusion tab on the same images \
and read its steps/s in the status bar and how soon its first samples appear (its UNet samples with DDIM-20), or run \
genlab bench --family diffusion and genlab bench --family latent-diffusion on the command line: both time training steps \
at batch 64 and one DDIM-50 run of 64 images, this one including the decoder. The denoiser here sees a few latent \
numbers per image instead of 784 pixels, and is an MLP instead of a UNet; what it cannot do is be sharper than the \
autoencoder's reconstructions above.";

#[derive(Default)]
pub(super) struct Speed {
    /// When this run was first seen training, and how long after that its first preview came.
    started: Option<Instant>,
    first_preview: Option<Duration>,
    /// The latest preview's sampling run.
    latest: Option<SamplingTime>,
}

impl Speed {
    /// Forgets the run measured (a new or loaded model).
    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }

    /// Notes the first frame the run trains, and takes the sampling times of its previews (each
    /// preview samples, then answers this): the first one after Start ends the wait for samples.
    pub(super) fn update(&mut self, session: &mut Session) {
        if self.started.is_none() && session.running {
            self.started = Some(Instant::now());
        }
        if let Some(time) = session.take::<SamplingTime>() {
            if let (Some(started), None) = (self.started, self.first_preview) {
                self.first_preview = Some(started.elapsed());
            }
            self.latest = Some(time);
        }
    }

    pub(super) fn ui(&self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("Speed");
        ui.label(format!("Training: {:.1} steps/s (step {}).", session.steps_per_sec, session.step));
        match (self.started, self.first_preview) {
            (_, Some(wait)) => ui.label(format!("First samples shown {:.2} s after Start.", wait.as_secs_f64())),
            (Some(_), None) => ui.label("First samples: waiting for the first preview…"),
            (None, None) => ui.label("First samples: press Start, and the wait until the first preview is measured."),
        };
        if let Some(SamplingTime { n, sampler, steps, seconds }) = self.latest {
            let per_image = 1e3 * seconds / n.max(1) as f64;
            ui.label(format!(
                "Latest preview: {sampler} with {steps} steps, {n} images in {seconds:.3} s ({per_image:.2} ms per image, decoding included)."
            ));
        }
        ui.weak(HOW_TO_COMPARE);
    }
}
