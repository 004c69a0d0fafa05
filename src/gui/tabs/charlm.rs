//! The character-model tab: train a small transformer on a text live, then look at what it
//! predicts: the next-character distribution reshaped by temperature, top-k and top-p as the
//! sliders move, generation one character at a time with each character's probability, and
//! the attention of every layer and head over the current context.

use std::time::{Duration, Instant};

use burn::tensor::Device;
use eframe::egui;

use crate::data::DatasetId;
use crate::data::text::decode;
use crate::models::charlm::{CharLmConfig, CharLmFamily, SamplingSettings, draw, next_token_distribution, softmax_with_temperature};
use crate::rng::Rng;
use crate::train::{Command, KnobValue, TrainData};
use crate::views::likelihood::{Likelihoods, likelihood};
use crate::views::tokens::{Generated, NextToken, generate, next_token};

use super::super::session::Session;
use super::super::shell::{Every, FamilyTab, NewRun, RunShell, RunTab};
use super::super::widgets::attention_map::attention_map_ui;
use super::super::widgets::token_bars::{show_char, token_bars_ui};

/// How often the distribution is asked for again while the model trains.
const REFRESH_EVERY: Duration = Duration::from_millis(1000);
const BARS: usize = 16;
/// Positions of the attention map shown (the last ones of the context).
const ATTENTION_SHOWN: usize = 24;
/// Test windows for the live likelihood.
const LIVE_TEST_WINDOWS: usize = 64;
const LIVE_LIKELIHOOD_EVERY: Duration = Duration::from_secs(10);
const DEFAULT_PROMPT: &str = "ROMEO:\nWhat light through yonder ";

pub struct CharLmTab {
    /// The configuration the next Reset builds (its characters come from the text).
    config: CharLmConfig,
    /// The text's unigram entropy: the loss of the best model that ignores context.
    unigram: Option<f64>,
    settings: SamplingSettings,
    prompt: String,
    /// The last answer, and the prompt it answers.
    next: Option<NextToken>,
    asked_for: Option<String>,
    in_flight: bool,
    last_ask: Option<Instant>,
    /// Characters drawn one at a time, with their probabilities.
    drawn: Vec<(char, f64)>,
    rng: Rng,
    layer: usize,
    head: usize,
    generate_seed: u64,
    live_likelihood: Every,
}

impl CharLmTab {
    pub fn tab() -> RunTab<Self> {
        let config = CharLmConfig::default();
        let shell = RunShell::new(crate::models::charlm::KIND, DatasetId::Text, config.default_batch_size());
        let tab = Self {
            settings: config.sampling,
            config,
            unigram: None,
            prompt: DEFAULT_PROMPT.to_string(),
            next: None,
            asked_for: None,
            in_flight: false,
            last_ask: None,
            drawn: Vec::new(),
            rng: Rng::new(7),
            layer: 0,
            head: 0,
            generate_seed: 1,
            live_likelihood: Every::new(LIVE_LIKELIHOOD_EVERY),
        };
        RunTab::new(shell, tab)
    }

    fn vocab(&self) -> &[char] {
        &self.config.vocab
    }

    fn likelihood_ui(ui: &mut egui::Ui, session: &Session) {
        ui.strong("Test-set likelihood");
        match session.latest::<Likelihoods>() {
            Some(Likelihoods { step, rows }) => {
                for r in rows {
                    ui.label(egui::RichText::new(format!("{:.3} nats/char ({:.3} bits/char)", r.nll_nats, r.bits_per_dim)).strong());
                    ui.weak(format!("at step {step}, on {} held-out characters", r.examples));
                }
            }
            None => {
                ui.weak(format!("measured every {} s while training", LIVE_LIKELIHOOD_EVERY.as_secs()));
            }
        }
    }

    fn next_character_ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.strong("What comes next");
        ui.weak(
            "Type a context. Faint bars: the model's probabilities; solid bars: what a character is actually drawn \
             from after temperature, top-k and top-p. Low temperature sharpens the distribution, high flattens it; \
             top-k keeps the k likeliest characters, top-p the likeliest ones holding that much probability.",
        );
        let mut changed = false;
        let vocab_size = self.config.vocab.len();
        ui.horizontal(|ui| {
            changed |= ui.add(egui::Slider::new(&mut self.settings.temperature, 0.0..=2.0).text("temperature")).changed();
            changed |= ui.add(egui::Slider::new(&mut self.settings.top_k, 0..=vocab_size).text("top-k")).on_hover_text("0: off").changed();
            changed |= ui.add(egui::Slider::new(&mut self.settings.top_p, 0.05..=1.0).text("top-p")).on_hover_text("1: off").changed();
        });
        if changed {
            // The previews and `genlab sample` draw with the same settings.
            for (name, value) in [
                ("temperature", KnobValue::Real(self.settings.temperature)),
                ("top_k", KnobValue::Whole(self.settings.top_k as i64)),
                ("top_p", KnobValue::Real(self.settings.top_p)),
            ] {
                session.send(Command::SetKnob { name: name.into(), value });
            }
        }
        ui.horizontal(|ui| {
            ui.label("context:");
            ui.add(egui::TextEdit::multiline(&mut self.prompt).desired_rows(2).desired_width(ui.available_width() - 10.0).code_editor());
        });
        let unknown: String = self.prompt.chars().filter(|c| self.config.vocab.binary_search(c).is_err()).collect();
        if !unknown.is_empty() {
            ui.colored_label(egui::Color32::from_rgb(255, 180, 90), format!("not in this text's characters, skipped: {unknown}"));
        }
        let Some(next) = self.next.clone() else {
            ui.weak("type a context to see the next-character distribution");
            return;
        };
        let model = softmax_with_temperature(&next.logits, 1.0);
        let sampled = next_token_distribution(&next.logits, &self.settings);
        let kept = sampled.iter().filter(|&&p| p > 0.0).count();
        let (mut draw_one, mut write_more, mut clear) = (false, false, false);
        ui.horizontal(|ui| {
            draw_one = ui.button("Draw the next character").on_hover_text("from the solid bars").clicked();
            write_more = ui.button("Write 200 more").clicked();
            clear = ui.button("Clear drawn").clicked();
            ui.weak(format!("{kept} of {vocab_size} characters can be drawn"));
        });
        if draw_one {
            let token = draw(&sampled, self.rng.uniform());
            let c = self.vocab().get(token).copied().unwrap_or('?');
            self.prompt.push(c);
            self.drawn.push((c, sampled[token]));
        }
        if write_more {
            let context = crate::data::text::encode(&self.config.vocab, &self.prompt);
            session.ask(generate(context, 200, self.settings, self.generate_seed));
            self.generate_seed += 1;
        }
        if clear {
            self.drawn.clear();
        }
        let width = ui.available_width();
        let vocab = self.config.vocab.clone();
        ui.columns(2, |cols| {
            cols[0].label(format!("after \"…{}\"", tail(&decode(&vocab, &next.context), 24).replace('\n', "\\n")));
            token_bars_ui(&mut cols[0], &vocab, &model, &sampled, BARS, width / 2.0 - 20.0);
            cols[1].label("drawn so far, each with its probability (red: unlikely)");
            drawn_ui(&mut cols[1], &self.drawn);
        });
        ui.separator();
        self.attention_ui(ui, &next);
    }

    fn attention_ui(&mut self, ui: &mut egui::Ui, next: &NextToken) {
        ui.strong("Attention");
        ui.weak(
            "Row: the character attending; column: the character it looks at. Everything above the diagonal is \
             the future, masked to exactly zero. The last row is what the prediction above is made from.",
        );
        let layers = next.attention.len();
        let heads = next.attention.first().map_or(0, Vec::len);
        if layers == 0 || heads == 0 {
            return;
        }
        self.layer = self.layer.min(layers - 1);
        self.head = self.head.min(heads - 1);
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut self.layer, 0..=layers - 1).text("layer"));
            ui.add(egui::Slider::new(&mut self.head, 0..=heads - 1).text("head"));
        });
        let context: Vec<char> = next.context.iter().map(|&t| self.config.vocab.get(t as usize).copied().unwrap_or('?')).collect();
        let side = (ui.available_width() * 0.4).clamp(200.0, 420.0);
        attention_map_ui(ui, &context, &next.attention[self.layer][self.head], ATTENTION_SHOWN, side);
    }
}

impl FamilyTab for CharLmTab {
    const UNTIL_TRAINED: Option<&'static str> = Some("Press Start to train. Untrained, every character is about equally likely.");

    fn build(&mut self, data: TrainData, _dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let TrainData::Text { text, .. } = &data else { return Err("this tab trains on text".into()) };
        self.config.vocab = text.vocab.clone();
        self.config.sampling = self.settings;
        self.unigram = Some(text.unigram_entropy());
        // One example: a context and the character after it.
        let data = data.with_text_window(self.config.block_size + 1)?;
        let model = CharLmFamily::new(self.config.clone(), device, seed)?;
        Ok(NewRun { model: Box::new(model), data, preview_n: 2 })
    }

    fn started(&mut self, _session: &Session) {
        self.next = None;
        self.asked_for = None;
        self.in_flight = false;
        self.drawn.clear();
        self.live_likelihood.restart();
    }

    /// Asks for the distribution after the prompt when it changed, and again now and then
    /// while the model trains; takes the answers.
    fn update(&mut self, session: &mut Session, _ctx: &egui::Context) {
        if let Some(next) = session.take::<NextToken>() {
            // A loaded checkpoint may know other characters than the text picked here.
            if next.vocab != self.config.vocab {
                self.config.vocab = next.vocab.clone();
            }
            self.next = Some(next);
            self.in_flight = false;
        }
        if let Some(Generated { tokens, .. }) = session.take::<Generated>() {
            for t in tokens {
                let c = self.config.vocab.get(t.token as usize).copied().unwrap_or('?');
                self.prompt.push(c);
                self.drawn.push((c, t.probability));
            }
        }
        let stale = self.asked_for.as_deref() != Some(self.prompt.as_str())
            || (session.running && self.last_ask.is_none_or(|t| t.elapsed() >= REFRESH_EVERY));
        let context = if stale && !self.in_flight { crate::data::text::encode(&self.config.vocab, &self.prompt) } else { Vec::new() };
        if !context.is_empty() {
            session.ask(next_token(context));
            self.asked_for = Some(self.prompt.clone());
            self.in_flight = true;
            self.last_ask = Some(Instant::now());
        }
        if session.running && session.step > 0 && self.live_likelihood.due() {
            session.ask(likelihood(LIVE_TEST_WINDOWS, 1));
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "Character model",
            "A small transformer reads a text one character at a time and learns to predict the next one. Each \
             position may only attend to itself and the positions before it, so the model can write text by \
             predicting a character, drawing one, and feeding it back in.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();
        shell.training_ui(ui, "one optimisation step", "a fresh model with the settings below", 256);
        ui.separator();

        shell.model_settings_ui(ui, |ui| {
            ui.add(egui::Slider::new(&mut self.config.layers, 1..=6).text("layers"));
            ui.add(egui::Slider::new(&mut self.config.heads, 1..=8).text("heads"));
            ui.add(egui::Slider::new(&mut self.config.d_model, 32..=256).step_by(32.0).text("d_model"));
            ui.add(egui::Slider::new(&mut self.config.block_size, 8..=256).logarithmic(true).text("context"));
            if self.config.d_model % self.config.heads != 0 {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 110), "d_model must be a multiple of the heads");
            }
        });
        shell.files_ui(ui);
        shell.run_block_ui(ui, Self::likelihood_ui);
        shell.description_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        let Some(session) = &shell.session else { return };
        let unigram = self.unigram;
        ui.columns(2, |cols| {
            cols[0].strong("Cross-entropy of the next character (training batches)");
            if let Some(h) = unigram {
                cols[0].weak(format!(
                    "nats per character; a uniform guess scores {:.2}, the character frequencies alone {h:.2}.",
                    (self.config.vocab.len() as f64).ln()
                ));
            }
            shell.plot.ui(&mut cols[0], &session.history, 240.0);
            cols[1].strong("Samples");
            cols[1].weak("Generated from a new line with the sampling settings below; refreshed while training.");
            let sample = session.texts.as_ref().and_then(|(_, t)| t.first().cloned()).unwrap_or_default();
            egui::ScrollArea::vertical().id_salt("charlm-sample").max_height(240.0).show(&mut cols[1], |ui| {
                ui.monospace(if sample.is_empty() { "samples appear after the first steps" } else { sample.as_str() });
            });
        });
        ui.separator();
        self.next_character_ui(ui, session);
    }
}

fn tail(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(n)..].iter().collect()
}

/// The drawn characters as coloured cells: green for likely, red for unlikely draws.
fn drawn_ui(ui: &mut egui::Ui, drawn: &[(char, f64)]) {
    if drawn.is_empty() {
        ui.weak("nothing drawn yet");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 1.0;
        for &(c, p) in drawn.iter().rev().take(240).rev() {
            let colour = egui::Color32::from_rgb((230.0 * (1.0 - p)) as u8 + 20, (200.0 * p) as u8 + 40, 60);
            ui.label(egui::RichText::new(show_char(c)).monospace().background_color(colour).color(egui::Color32::WHITE))
                .on_hover_text(format!("p = {p:.3}"));
        }
    });
}
