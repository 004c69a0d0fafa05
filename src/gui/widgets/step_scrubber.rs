//! A scrubber over the steps of a process (the denoising steps of a diffusion sampler): a
//! slider to drag, and play / pause / one step back / one step forward.

use std::time::{Duration, Instant};

use eframe::egui;

pub struct StepScrubber {
    /// The step shown, 0 … len − 1.
    pub position: usize,
    pub playing: bool,
    /// Time per step while playing.
    pub frame: Duration,
    last_advance: Instant,
}

impl Default for StepScrubber {
    fn default() -> Self {
        Self { position: 0, playing: false, frame: Duration::from_millis(120), last_advance: Instant::now() }
    }
}

impl StepScrubber {
    /// Back to the first step, paused.
    pub fn rewind(&mut self) {
        self.position = 0;
        self.playing = false;
    }

    /// Draws the controls for `len` steps; `label(i)` names step i (e.g. "t = 980"). Returns
    /// true when the shown step changed (by hand or by playing).
    pub fn ui(&mut self, ui: &mut egui::Ui, len: usize, label: &dyn Fn(usize) -> String) -> bool {
        if len == 0 {
            return false;
        }
        let before = self.position;
        self.position = self.position.min(len - 1);
        if self.playing {
            if self.last_advance.elapsed() >= self.frame {
                self.last_advance = Instant::now();
                if self.position + 1 < len {
                    self.position += 1;
                } else {
                    self.playing = false;
                }
            }
            ui.ctx().request_repaint_after(self.frame);
        }
        ui.horizontal(|ui| {
            if ui.add_enabled(self.position > 0, egui::Button::new("Back")).on_hover_text("one step back").clicked() {
                self.position -= 1;
                self.playing = false;
            }
            let play = if self.playing { "Pause" } else { "Play" };
            if ui.button(play).clicked() {
                if !self.playing && self.position + 1 >= len {
                    self.position = 0;
                }
                self.playing = !self.playing;
                self.last_advance = Instant::now();
            }
            if ui.add_enabled(self.position + 1 < len, egui::Button::new("Step")).on_hover_text("one step forward").clicked() {
                self.position += 1;
                self.playing = false;
            }
            let slider = egui::Slider::new(&mut self.position, 0..=len - 1).text("denoising step").show_value(true);
            if ui.add(slider).changed() {
                self.playing = false;
            }
            ui.label(label(self.position));
        });
        self.position != before
    }
}
