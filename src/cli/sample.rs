//! `genlab sample`: draw from a checkpoint into a PNG grid.

use std::path::PathBuf;

use clap::Args;

use crate::device::ComputeDevice;
use crate::export::{save_grid_png, save_scatter_png, save_trajectory_gif};
use crate::limits::{check_alloc, check_range, check_real};
use crate::models::charlm::config::{MAX_SAMPLE_LENGTH, MAX_TEMPERATURE, MAX_VOCAB};
use crate::models::diffusion::{SamplerKind, Spacing};
use crate::models::{checkpoint_label_classes, checkpoint_values_per_sample, load_family};
use crate::train::{KnobValue, Samples};

#[derive(Args, Debug, Clone)]
pub struct SampleArgs {
    /// A checkpoint folder written by `genlab train` or the GUI.
    #[arg(long)]
    pub checkpoint: PathBuf,
    #[arg(long, default_value_t = 64)]
    pub n: usize,
    /// Output file: a PNG grid for images and points, a .txt for a character model.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// For a class-conditional model: the class to draw (e.g. a digit).
    #[arg(long)]
    pub label: Option<u8>,
    /// Diffusion: DDPM (ancestral) or DDIM.
    #[arg(long, value_enum)]
    pub sampler: Option<SamplerKind>,
    /// Diffusion: the number of denoising steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Diffusion: DDIM's η in [0, 1] (0 deterministic).
    #[arg(long)]
    pub eta: Option<f64>,
    /// Diffusion: which timesteps the sampler visits.
    #[arg(long, value_enum)]
    pub spacing: Option<Spacing>,
    /// Diffusion, class-conditional: the classifier-free guidance scale w.
    #[arg(long)]
    pub guidance: Option<f64>,
    /// Character model: divides the logits (below 1 safer, above 1 wilder; 0 greedy).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Character model: draw only from the k most likely characters (0: off).
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Character model: draw only from the likeliest characters holding this much probability.
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Character model: characters per sample.
    #[arg(long)]
    pub length: Option<usize>,
    /// Diffusion: also write the denoising steps of the first 16 samples as an animated GIF
    /// (x_t beside the predicted x₀).
    #[arg(long)]
    pub gif: Option<PathBuf>,
}

impl SampleArgs {
    /// The sampler flags as the family's live settings, in the order they apply.
    fn sampler_settings(&self) -> Vec<(&'static str, KnobValue)> {
        let mut out = Vec::new();
        if let Some(kind) = self.sampler {
            out.push(("sampler", KnobValue::choice_of(&SamplerKind::ALL, kind)));
        }
        if let Some(steps) = self.steps {
            out.push(("sample_steps", KnobValue::Whole(steps as i64)));
        }
        if let Some(eta) = self.eta {
            out.push(("eta", KnobValue::Real(eta)));
        }
        if let Some(spacing) = self.spacing {
            out.push(("spacing", KnobValue::choice_of(&Spacing::ALL, spacing)));
        }
        if let Some(w) = self.guidance {
            out.push(("guidance", KnobValue::Real(w)));
        }
        out
    }
}

/// The most samples one command draws: 10,000, a 100 × 100 grid (default 64); their memory
/// is checked against this machine's as well.
pub const MAX_SAMPLES: usize = 10_000;
/// The most denoising steps: diffusion's largest T (`models::bounds::MAX_TIMESTEPS`).
pub const MAX_SAMPLE_STEPS: usize = crate::models::bounds::MAX_TIMESTEPS;
/// The highest guidance scale w: 20, the top of the diffusion family's guidance knob (Ho &
/// Salimans 2022 go up to 4).
pub const MAX_GUIDANCE: f64 = 20.0;

/// The flags that are plain numbers, checked before the checkpoint is read.
fn check_flags(args: &SampleArgs) -> Result<(), String> {
    check_range("--n", args.n, 1, MAX_SAMPLES)?;
    if let Some(steps) = args.steps {
        check_range("--steps", steps, 1, MAX_SAMPLE_STEPS)?;
    }
    if let Some(eta) = args.eta {
        check_real("--eta", eta, 0.0, 1.0)?;
    }
    if let Some(w) = args.guidance {
        check_real("--guidance", w, 0.0, MAX_GUIDANCE)?;
    }
    if let Some(t) = args.temperature {
        check_real("--temperature", t, 0.0, MAX_TEMPERATURE)?;
    }
    if let Some(p) = args.top_p {
        if !(p > 0.0) {
            return Err(format!("--top-p {p} is out of range: it must lie above 0 and at most 1"));
        }
        check_real("--top-p", p, 0.0, 1.0)?;
    }
    if let Some(k) = args.top_k {
        check_range("--top-k", k, 0, MAX_VOCAB)?;
    }
    if let Some(length) = args.length {
        check_range("--length", length, 1, MAX_SAMPLE_LENGTH)?;
    }
    Ok(())
}

/// `--label` against what the checkpoint's model was trained on: an error for a model that
/// takes no label, or for a class it does not know (never clamped to the last class).
fn check_label(args: &SampleArgs) -> Result<(), String> {
    let Some(label) = args.label else { return Ok(()) };
    match checkpoint_label_classes(&args.checkpoint)? {
        None => Err(format!(
            "{}: this model is not class-conditional; --label needs a model trained with --conditional",
            args.checkpoint.display()
        )),
        Some(0) => Err(format!("{}: this model was trained with no classes, so --label {label} names none", args.checkpoint.display())),
        Some(classes) if (label as usize) >= classes => Err(format!(
            "--label {label} is out of range: {} was trained on {classes} classes, labels 0 to {}",
            args.checkpoint.display(),
            classes - 1
        )),
        Some(_) => Ok(()),
    }
}

pub fn run(args: &SampleArgs, device: &ComputeDevice) -> Result<(), String> {
    check_flags(args)?;
    check_label(args)?;
    // A sample's values and the sampler's working copies of them (a generous factor: this
    // catches the absurd, not the tight).
    let values = checkpoint_values_per_sample(&args.checkpoint)?.max(args.length.unwrap_or(0) as u128);
    check_alloc(&format!("--n {} samples of {values} values each", args.n), args.n as u128 * values, 4 * 64)?;
    let mut family = load_family(&args.checkpoint, &device.device)?;
    let settings = args.sampler_settings();
    if !settings.is_empty() && family.denoising().is_none() {
        return Err(format!(
            "{}: --sampler, --steps, --eta, --spacing and --guidance apply to diffusion models; this checkpoint is a {}",
            args.checkpoint.display(),
            family.family_name()
        ));
    }
    for (name, value) in settings {
        if name == "guidance" && !family.knobs().iter().any(|k| k.name == "guidance") {
            return Err(format!("{}: --guidance needs a class-conditional model (train it with --conditional)", args.checkpoint.display()));
        }
        family.set_knob(name, value).map_err(|e| format!("--{}: {e}", name.replace("sample_steps", "steps").replace('_', "-")))?;
    }
    let text_settings = [
        ("temperature", args.temperature.map(KnobValue::Real)),
        ("top_k", args.top_k.map(|k| KnobValue::Whole(k as i64))),
        ("top_p", args.top_p.map(KnobValue::Real)),
        ("sample_length", args.length.map(|l| KnobValue::Whole(l as i64))),
    ];
    for (name, value) in text_settings {
        let Some(value) = value else { continue };
        let flag = format!("--{}", name.replace("sample_length", "length").replace('_', "-"));
        let vocab = family.tokens().map(|tokens| tokens.vocab().len());
        let Some(vocab) = vocab else {
            return Err(format!(
                "{}: {flag} applies to character models; this checkpoint is a {}",
                args.checkpoint.display(),
                family.family_name()
            ));
        };
        if let Some(k) = args.top_k.filter(|&k| name == "top_k" && k > vocab) {
            return Err(format!("--top-k {k} is too large: this model knows {vocab} characters, so k is at most {vocab} (0: off)"));
        }
        family.set_knob(name, value).map_err(|e| format!("{flag}: {e}"))?;
    }
    if args.gif.is_some() {
        // The trajectory keeps x_t and x̂₀ of up to 16 samples at each of the sampler's steps.
        let steps = family
            .knobs()
            .iter()
            .find_map(|k| match (k.name, k.value) {
                ("sample_steps", KnobValue::Whole(n)) => Some(n),
                _ => None,
            })
            .map_or(1, |n| n.clamp(1, MAX_SAMPLE_STEPS as i64));
        let kept = args.n.min(16) as u128 * steps as u128 * 2;
        check_alloc(&format!("--gif of {} samples over {steps} steps", args.n.min(16)), kept * values, 4)?;
    }
    match family.sample(args.n, args.seed, args.label)? {
        Samples::Images(batch) => {
            let cols = (args.n as f64).sqrt().ceil() as usize;
            save_grid_png(&batch, cols, 3, &args.out)?;
        }
        Samples::Points(points) => save_scatter_png(&points, &[], 480, &args.out)?,
        Samples::Text(texts) => save_texts(&texts, &args.out)?,
    }
    println!("{}", args.out.display());
    if let Some(gif) = &args.gif {
        let Some(view) = family.denoising() else {
            return Err(format!("{}: --gif shows denoising steps, which only diffusion models have", args.checkpoint.display()));
        };
        let trajectory = view.trajectory(args.n.min(16), args.seed, args.label)?;
        save_trajectory_gif(&trajectory, 80, gif)?;
        println!("{}", gif.display());
    }
    Ok(())
}

/// Generated texts into one UTF-8 file, each after a header line, written atomically.
pub fn save_texts(texts: &[String], path: &std::path::Path) -> Result<(), String> {
    let body: String = texts.iter().enumerate().map(|(i, t)| format!("--- sample {} ---\n{t}\n\n", i + 1)).collect();
    crate::train::checkpoint::write_atomic(path, body.as_bytes())
}
