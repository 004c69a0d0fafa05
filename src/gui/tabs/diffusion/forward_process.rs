//! The forward process q(x_t | x₀) to explore by hand: drag t and watch test images (or the
//! 2-D data) drown in noise, beside ᾱ_t and log SNR(t) of the running model's schedule. The
//! noising is the family's own (`process::forward_sample`, what training feeds the network),
//! with fixed noise so that only t changes the picture.

use eframe::egui;
use egui_plot::{Line, Plot, PlotPoints, Points, VLine};

use crate::data::ImageData;
use crate::models::diffusion::process::forward_sample;
use crate::models::diffusion::{DiffusionConfig, Schedule};
use crate::models::points::pairs;
use crate::rng::Rng;
use crate::train::ImageBatch;

use super::super::super::widgets::ImageGrid;
use super::super::super::widgets::samples_plot::{REAL_COLOUR, SAMPLE_COLOUR, plot_points};

/// Test images shown.
const FORWARD_IMAGES: usize = 8;
/// The seed of the fixed noise.
const NOISE_SEED: u64 = 17;

pub(super) struct ForwardProcess {
    t: usize,
    /// The first test image shown.
    first: usize,
    /// (t, first image) of the images noised last, so they are noised again only when one moves.
    shown: Option<(usize, usize)>,
    clean: ImageGrid,
    noisy: ImageGrid,
}

impl Default for ForwardProcess {
    fn default() -> Self {
        Self { t: 250, first: 0, shown: None, clean: ImageGrid::new("diffusion-clean"), noisy: ImageGrid::new("diffusion-forward") }
    }
}

impl ForwardProcess {
    /// Another schedule is drawn (a new model, a loaded checkpoint): t stays within its T.
    pub(super) fn schedule_changed(&mut self, timesteps: usize) {
        self.t = self.t.min(timesteps.saturating_sub(1));
        self.shown = None;
    }

    /// The slider and the readout of t, the noised data, and the schedule's curves. `images`:
    /// the run's images (none: 2-D data, whose first points are `real`).
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        config: &DiffusionConfig,
        schedule: &Schedule,
        images: Option<&ImageData>,
        real: &[[f32; 2]],
    ) {
        ui.strong("The forward process q(x_t | x₀)");
        ui.weak(
            "x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε: drag t to see how much of the data is left. Training picks a random t for every example.",
        );
        let big_t = schedule.timesteps();
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut self.t, 0..=big_t - 1).text("t"));
            if images.is_some() {
                ui.add(egui::DragValue::new(&mut self.first).range(0..=9_000).prefix("first test image: "));
            }
        });
        let t = self.t.min(big_t - 1);
        let a = schedule.alpha_bar(t as i64);
        ui.label(format!(
            "t = {t}:  ᾱ_t = {a:.4},  signal √ᾱ_t = {:.3},  noise √(1 − ᾱ_t) = {:.3},  SNR = {:.3e}",
            a.sqrt(),
            (1.0 - a).sqrt(),
            schedule.snr(t)
        ));
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| match images {
                Some(data) => self.images_ui(ui, config, schedule, t, data),
                None if !real.is_empty() => {
                    let x0: Vec<f32> = real.iter().flat_map(|p| *p).collect();
                    let noise = Rng::new(NOISE_SEED).normal_vec(x0.len());
                    let x_t = forward_sample(schedule, config.arch, t, &x0, &noise, 2);
                    let noisy = pairs(&x_t);
                    Plot::new("diffusion-forward-2d").allow_scroll(false).height(240.0).width(240.0).data_aspect(1.0).show(ui, |p| {
                        p.points(Points::new("x_t", plot_points(&noisy)).color(SAMPLE_COLOUR).radius(1.2));
                    });
                }
                None => {}
            });
            ui.vertical(|ui| schedule_ui(ui, schedule, t));
        });
    }

    /// Test images and the same images at step t.
    fn images_ui(&mut self, ui: &mut egui::Ui, config: &DiffusionConfig, schedule: &Schedule, t: usize, data: &ImageData) {
        let test = &data.test;
        let n = FORWARD_IMAGES.min(test.len());
        if self.shown != Some((t, self.first)) {
            let first = self.first.min(test.len().saturating_sub(n));
            let x0: Vec<f32> = (first..first + n).flat_map(|i| test.image(i).iter().copied()).collect();
            let dim = test.pixels_per_image();
            let noise = Rng::new(NOISE_SEED).normal_vec(n * dim);
            let x_t = forward_sample(schedule, config.arch, t, &x0, &noise, dim);
            let grid = |pixels: Vec<f32>| ImageBatch { n, width: test.width, height: test.height, pixels };
            self.clean.set(ui.ctx(), grid(x0), n);
            self.noisy.set(ui.ctx(), grid(x_t), n);
            self.shown = Some((t, self.first));
        }
        ui.label("x₀ (test images)");
        self.clean.ui(ui, 320.0, "");
        ui.label(format!("x_t at t = {t} (fixed noise)"));
        self.noisy.ui(ui, 320.0, "");
    }
}

/// ᾱ_t and log10 SNR(t) over every step, with t marked.
fn schedule_ui(ui: &mut egui::Ui, schedule: &Schedule, t: usize) {
    let big_t = schedule.timesteps();
    let alpha: Vec<[f64; 2]> = (0..big_t).map(|s| [s as f64, schedule.alphas_cumprod[s] as f64]).collect();
    let log_snr: Vec<[f64; 2]> = (0..big_t).map(|s| [s as f64, schedule.snr(s).log10()]).collect();
    ui.label(format!("{} schedule: ᾱ_t", schedule.kind.label()));
    Plot::new("diffusion-alpha-bar").allow_scroll(false).height(110.0).width(300.0).include_y(0.0).include_y(1.0).show(ui, |p| {
        p.line(Line::new("alpha_bar", PlotPoints::from(alpha)).color(SAMPLE_COLOUR));
        p.vline(VLine::new("t", t as f64));
    });
    ui.label("log10 SNR(t) = log10 ᾱ_t / (1 − ᾱ_t)");
    Plot::new("diffusion-snr").allow_scroll(false).height(110.0).width(300.0).show(ui, |p| {
        p.line(Line::new("log10 SNR", PlotPoints::from(log_snr)).color(REAL_COLOUR));
        p.vline(VLine::new("t", t as f64));
    });
}
