//! `genlab sample`: draw from a checkpoint into a PNG grid.

use std::path::PathBuf;

use clap::Args;

use crate::device::ComputeDevice;
use crate::export::{save_grid_png, save_scatter_png, save_trajectory_gif};
use crate::models::diffusion::{SamplerKind, Spacing};
use crate::models::load_family;
use crate::train::Samples;

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
    fn sampler_settings(&self) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        if let Some(kind) = self.sampler {
            out.push(("sampler", if kind == SamplerKind::Ddpm { 0.0 } else { 1.0 }));
        }
        if let Some(steps) = self.steps {
            out.push(("sample_steps", steps as f64));
        }
        if let Some(eta) = self.eta {
            out.push(("eta", eta));
        }
        if let Some(spacing) = self.spacing {
            out.push(("spacing", Spacing::ALL.iter().position(|&s| s == spacing).unwrap_or(0) as f64));
        }
        if let Some(w) = self.guidance {
            out.push(("guidance", w));
        }
        out
    }
}

pub fn run(args: &SampleArgs, device: &ComputeDevice) -> Result<(), String> {
    if args.n == 0 {
        return Err("--n must be at least 1".into());
    }
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
        if name == "guidance" && !family.hyper_params().iter().any(|p| p.name == "guidance") {
            return Err(format!("{}: --guidance needs a class-conditional model (train it with --conditional)", args.checkpoint.display()));
        }
        family.set_hyper(name, value).map_err(|e| format!("--{}: {e}", name.replace("sample_steps", "steps").replace('_', "-")))?;
    }
    let text_settings = [
        ("temperature", args.temperature),
        ("top_k", args.top_k.map(|k| k as f64)),
        ("top_p", args.top_p),
        ("sample_length", args.length.map(|l| l as f64)),
    ];
    for (name, value) in text_settings {
        let Some(value) = value else { continue };
        let flag = format!("--{}", name.replace("sample_length", "length").replace('_', "-"));
        if family.tokens().is_none() {
            return Err(format!("{}: {flag} applies to character models; this checkpoint is a {}", args.checkpoint.display(), family.family_name()));
        }
        family.set_hyper(name, value).map_err(|e| format!("{flag}: {e}"))?;
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
