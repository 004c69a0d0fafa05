//! The trainer's protocol with a scripted family: no model, no window, just the worker's rules
//! (stepping, pausing, NaN handling, knobs and the batch size, errors).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genlab::data::ToyKind;
use genlab::rng::Rng;
use genlab::train::family::FamilyResult;
use genlab::train::{Batch, Command, Event, Family, Knob, KnobValue, LossTerms, Samples, TrainData, WorkerOptions, spawn};

/// Returns loss 1/step, and NaN at `nan_at`; records what the worker did to it.
struct Scripted {
    step: u64,
    nan_at: u64,
    /// A bug inside the step at this step (a panic, as a shape mismatch in burn would give).
    panic_at: u64,
    log: Arc<Mutex<Vec<String>>>,
}

impl Family for Scripted {
    fn family_name(&self) -> &'static str {
        "scripted"
    }
    fn describe(&self) -> String {
        "scripted".into()
    }
    fn num_params(&self) -> usize {
        0
    }
    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        self.step += 1;
        self.log.lock().unwrap().push(format!("step n={}", batch.n));
        assert!(self.step != self.panic_at, "shapes [3, 4] and [5] do not match");
        let v = if self.step == self.nan_at { f64::NAN } else { 1.0 / self.step as f64 };
        Ok(vec![("loss".into(), v), ("part".into(), v / 2.0)])
    }
    fn sample(&mut self, n: usize, _seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        Ok(Samples::Points(vec![[0.0, 0.0]; n]))
    }
    fn knobs(&self) -> Vec<Knob> {
        Vec::new()
    }
    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        self.log.lock().unwrap().push(format!("set {name}={value:?}"));
        if name == "bad" { Err("no such knob".into()) } else { Ok(()) }
    }
    fn save(&self, _dir: &Path) -> FamilyResult<()> {
        Err("scripted families cannot be saved".into())
    }
    fn remember_good(&mut self) {
        self.log.lock().unwrap().push("remember".into());
    }
    fn restore_good(&mut self) {
        self.log.lock().unwrap().push("restore".into());
    }
}

fn start(nan_at: u64) -> (genlab::train::WorkerHandle, Arc<Mutex<Vec<String>>>) {
    start_with(nan_at, u64::MAX)
}

fn start_with(nan_at: u64, panic_at: u64) -> (genlab::train::WorkerHandle, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let family = Scripted { step: 0, nan_at, panic_at, log: log.clone() };
    let (points, labels) = ToyKind::Ring8.sample(100, &mut Rng::new(0));
    let data = TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) };
    let options = WorkerOptions { batch_size: 16, good_every: 2, ..WorkerOptions::default() };
    let family: Box<dyn genlab::train::Family> = Box::new(family);
    let worker = spawn(family, data, options, Box::new(|_| Err("no loader".into())), None);
    (worker, log)
}

fn next(worker: &genlab::train::WorkerHandle) -> Event {
    worker.recv_timeout(Duration::from_secs(10)).expect("an event")
}

#[test]
fn steps_report_losses_then_pause() {
    let (worker, log) = start(u64::MAX);
    assert!(matches!(next(&worker), Event::Ready { .. }));
    worker.send(Command::SetBatchSize(8));
    worker.send(Command::Step(3));
    let mut steps = Vec::new();
    loop {
        match next(&worker) {
            Event::Losses { step, terms } => {
                assert_eq!(terms[0].1, 1.0 / step as f64);
                steps.push(step);
            }
            Event::Paused { reason } => {
                assert_eq!(reason, None);
                break;
            }
            _ => {}
        }
    }
    assert_eq!(steps, vec![1, 2, 3]);
    assert!(log.lock().unwrap().iter().filter(|l| l.starts_with("step")).all(|l| l == "step n=8"));
    worker.stop();
}

#[test]
fn nan_loss_pauses_restores_and_explains() {
    let (worker, log) = start(4);
    worker.send(Command::Start);
    let reason = loop {
        if let Event::Paused { reason: Some(r) } = next(&worker) {
            break r;
        }
    };
    assert!(reason.contains("loss") && reason.contains("NaN") && reason.contains("step 4"), "{reason}");
    let log = log.lock().unwrap().clone();
    assert_eq!(log.last().map(String::as_str), Some("restore"));
    assert_eq!(log.iter().filter(|l| l.starts_with("step")).count(), 4, "training went on after the NaN: {log:?}");
    worker.stop();
}

#[test]
fn errors_come_back_as_events() {
    let (worker, _) = start(u64::MAX);
    worker.send(Command::SetKnob { name: "bad".into(), value: KnobValue::Real(1.0) });
    worker.send(Command::Save(std::env::temp_dir().join("genlab-never")));
    worker.send(Command::Load(std::env::temp_dir().join("genlab-never")));
    let mut errors = Vec::new();
    while errors.len() < 3 {
        if let Event::Error(e) = next(&worker) {
            errors.push(e);
        }
    }
    assert_eq!(errors, vec!["no such knob", "scripted families cannot be saved", "no loader"]);
    worker.stop();
}

#[test]
fn start_pause_and_stop() {
    let (worker, _) = start(u64::MAX);
    worker.send(Command::Start);
    let mut seen = 0;
    while seen < 5 {
        if let Event::Losses { .. } = next(&worker) {
            seen += 1;
        }
    }
    worker.send(Command::Pause);
    loop {
        if let Event::Paused { reason: None } = next(&worker) {
            break;
        }
    }
    worker.send(Command::Stop);
    loop {
        if let Event::Stopped = next(&worker) {
            break;
        }
    }
}

#[test]
fn a_panic_inside_a_step_becomes_a_message_and_a_pause() {
    let (worker, log) = start_with(u64::MAX, 3);
    worker.send(Command::Start);
    let (mut error, mut reason) = (None, None);
    while reason.is_none() {
        match next(&worker) {
            Event::Error(e) => error = Some(e),
            Event::Paused { reason: Some(r) } => reason = Some(r),
            _ => {}
        }
    }
    let error = error.expect("an error event before the pause");
    assert!(error.contains("shapes [3, 4] and [5] do not match"), "{error}");
    assert!(reason.unwrap().contains("a training step failed"));
    assert_eq!(log.lock().unwrap().last().map(String::as_str), Some("restore"));
    // The thread lives on: it still answers and trains.
    assert!(worker.is_alive());
    worker.send(Command::Step(2));
    let mut steps = 0;
    loop {
        match next(&worker) {
            Event::Losses { .. } => steps += 1,
            Event::Paused { reason: None } => break,
            _ => {}
        }
    }
    assert_eq!(steps, 2);
    worker.stop();
}
