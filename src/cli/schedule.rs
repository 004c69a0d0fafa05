//! `genlab schedule`: a noise schedule as numbers, so a student can plot it elsewhere.

use clap::Args;

use crate::models::diffusion::{Schedule, ScheduleKind};

#[derive(Args, Debug, Clone)]
pub struct ScheduleArgs {
    #[arg(long, value_enum, default_value_t = ScheduleKind::Linear)]
    pub kind: ScheduleKind,
    /// T, the number of noising steps.
    #[arg(long, default_value_t = 1000)]
    pub timesteps: usize,
    /// The linear schedule's first β.
    #[arg(long, default_value_t = 1e-4)]
    pub beta_start: f64,
    /// The linear schedule's last β.
    #[arg(long, default_value_t = 0.02)]
    pub beta_end: f64,
    /// Print every step as CSV (t, beta, alpha_bar, snr); without it, a short summary.
    #[arg(long)]
    pub csv: bool,
}

pub fn run(args: &ScheduleArgs) -> Result<(), String> {
    if args.kind == ScheduleKind::Cosine && (args.beta_start != 1e-4 || args.beta_end != 0.02) {
        eprintln!("genlab: note: --beta-start and --beta-end shape the linear schedule only; the cosine schedule ignores them");
    }
    let schedule = Schedule::new(args.kind, args.timesteps, args.beta_start, args.beta_end)?;
    if args.csv {
        print!("{}", schedule.to_csv());
        return Ok(());
    }
    let t = schedule.timesteps();
    println!("{} schedule, T = {t}", args.kind.label());
    println!("{:>6}  {:>10}  {:>10}  {:>12}", "t", "beta", "alpha_bar", "SNR");
    let mut shown: Vec<usize> = (0..=10).map(|i| i * (t - 1) / 10).collect();
    shown.dedup();
    for i in shown {
        println!("{i:>6}  {:>10.6}  {:>10.6}  {:>12.5e}", schedule.betas[i], schedule.alphas_cumprod[i], schedule.snr(i));
    }
    println!("(--csv prints every step)");
    Ok(())
}
