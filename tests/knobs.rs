//! Every family's live knobs, as the GUI and the command line see them: each has a label a
//! person reads (not its identifier), a value inside its own range, and `set_knob` takes back
//! what `knobs()` lists; the enums (the GAN's game, the diffusion sampler and spacing) are
//! choices among named options; a value of the wrong kind or out of range is refused with a
//! sentence naming the knob, and changes nothing.

use burn::tensor::Device;
use genlab::models::autoencoder::new_autoencoder;
use genlab::models::charlm::{CharLmConfig, CharLmFamily};
use genlab::models::dbn::{DbnConfig, DbnFamily};
use genlab::models::diffusion::{DiffusionConfig, DiffusionFamily};
use genlab::models::flow::{FlowConfig, FlowFamily};
use genlab::models::flow_matching::{FlowMatchingConfig, FlowMatchingFamily};
use genlab::models::gan::{GanConfig, GanFamily, Objective};
use genlab::models::gmmn::{GmmnConfig, GmmnFamily};
use genlab::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily};
use genlab::models::rbm::{RbmConfig, RbmFamily};
use genlab::models::vae::{Likelihood, VaeConfig, VaeFamily};
use genlab::train::{Family, Knob, KnobKind, KnobValue};
use genlab::views::Model;

/// Every family at its default configuration, plus the variants that add knobs (a Gaussian
/// decoder's σ, a conditional diffusion model's guidance).
fn families() -> Vec<(&'static str, Box<dyn Model>)> {
    fn boxed(family: Result<impl Model + 'static, String>) -> Box<dyn Model> {
        Box::new(family.unwrap())
    }
    let device = Device::flex();
    let vocab: Vec<char> = " abc".chars().collect();
    let gaussian = VaeConfig { likelihood: Likelihood::Gaussian, ..VaeConfig::default() };
    let conditional = DiffusionConfig { conditional: true, num_classes: 8, ..DiffusionConfig::default() };
    vec![
        ("vae", boxed(VaeFamily::new(VaeConfig::default(), &device, 0))),
        ("vae, Gaussian", boxed(VaeFamily::new(gaussian, &device, 0))),
        ("autoencoder", boxed(new_autoencoder(VaeConfig::default(), &device, 0))),
        ("gan", boxed(GanFamily::new(GanConfig::default(), &device, 0))),
        ("diffusion", boxed(DiffusionFamily::new(DiffusionConfig::default(), &device, 0))),
        ("diffusion, conditional", boxed(DiffusionFamily::new(conditional, &device, 0))),
        ("pixelcnn", boxed(PixelCnnFamily::new(PixelCnnConfig::default(), &device, 0))),
        ("charlm", boxed(CharLmFamily::new(CharLmConfig { vocab, ..CharLmConfig::default() }, &device, 0))),
        ("flow", boxed(FlowFamily::new(FlowConfig::default(), &device, 0))),
        ("rbm", boxed(RbmFamily::new(RbmConfig::default(), &device, 0))),
        ("gmmn", boxed(GmmnFamily::new(GmmnConfig::default(), &device, 0))),
        ("flow-matching", boxed(FlowMatchingFamily::new(FlowMatchingConfig::default(), &device, 0))),
        ("dbn", boxed(DbnFamily::new(DbnConfig::default(), &device, 0))),
    ]
}

fn knob<'a>(knobs: &'a [Knob], name: &str) -> &'a Knob {
    knobs.iter().find(|k| k.name == name).unwrap_or_else(|| panic!("no knob {name} among {knobs:?}"))
}

/// Values `knob` must refuse: one of each other kind, and one past its range.
fn refused_values(knob: &Knob) -> Vec<KnobValue> {
    match &knob.kind {
        KnobKind::Real { min, max, .. } => {
            vec![KnobValue::Whole(1), KnobValue::Choice(0), KnobValue::Real(max + (max - min) + 1.0), KnobValue::Real(f64::NAN)]
        }
        KnobKind::Whole { max, .. } => vec![KnobValue::Real(1.0), KnobValue::Choice(0), KnobValue::Whole(max + 1)],
        KnobKind::Choice { options } => vec![KnobValue::Real(0.0), KnobValue::Whole(0), KnobValue::Choice(options.len())],
    }
}

#[test]
fn every_knob_has_a_label_for_a_person_and_a_value_in_its_range() {
    for (family, model) in families() {
        let knobs = model.knobs();
        assert!(!knobs.is_empty(), "{family}: no knobs");
        for k in &knobs {
            assert!(!k.label.trim().is_empty() && k.label != k.name, "{family}: knob {} has no label of its own: {k:?}", k.name);
            assert!(!k.help.trim().is_empty(), "{family}: knob {} has no help", k.name);
            assert!(k.accepts(k.value), "{family}: knob {}'s value lies outside its own range: {k:?}", k.name);
            if let KnobKind::Choice { options } = &k.kind {
                assert!(options.len() >= 2 && options.iter().all(|o| !o.trim().is_empty()), "{family}: {k:?}");
            }
            assert_eq!(knobs.iter().filter(|other| other.name == k.name).count(), 1, "{family}: knob {} listed twice", k.name);
        }
    }
}

#[test]
fn set_knob_takes_back_every_listed_knob_and_every_option() {
    for (family, mut model) in families() {
        let knobs = model.knobs();
        for k in &knobs {
            model.set_knob(k.name, k.value).unwrap_or_else(|e| panic!("{family}: {} at its own value: {e}", k.name));
            if let KnobKind::Choice { options } = &k.kind {
                for i in 0..options.len() {
                    model.set_knob(k.name, KnobValue::Choice(i)).unwrap_or_else(|e| panic!("{family}: {} option {i}: {e}", k.name));
                    assert_eq!(knob(&model.knobs(), k.name).value, KnobValue::Choice(i), "{family}: {}", k.name);
                }
                model.set_knob(k.name, k.value).unwrap();
            }
        }
        assert_eq!(model.knobs(), knobs, "{family}: setting each knob to its own value changed the knobs");
    }
}

#[test]
fn wrong_kinds_and_values_out_of_range_are_refused_and_change_nothing() {
    for (family, mut model) in families() {
        let before = model.knobs();
        for k in &before {
            for value in refused_values(k) {
                let err = model.set_knob(k.name, value).err().unwrap_or_else(|| panic!("{family}: {} took {value:?}", k.name));
                assert!(err.contains(k.label), "{family}: the refusal of {value:?} for {} does not name it: {err}", k.name);
                assert_eq!(model.knobs(), before, "{family}: a refused {value:?} for {} changed the knobs", k.name);
            }
        }
        assert!(model.set_knob("no_such_knob", KnobValue::Real(1.0)).is_err(), "{family}");
        assert_eq!(model.knobs(), before, "{family}");
    }
}

#[test]
fn the_gan_game_and_the_diffusion_sampler_are_choices_by_name() {
    let device = Device::flex();
    let mut gan = GanFamily::new(GanConfig::default(), &device, 0).unwrap();
    let knobs = gan.knobs();
    let game = knob(&knobs, "objective");
    let labels: Vec<&str> = Objective::ALL.iter().map(|o| o.label()).collect();
    assert_eq!(game.kind, KnobKind::Choice { options: labels }, "{game:?}");
    gan.set_knob("objective", KnobValue::Choice(4)).unwrap();
    assert_eq!(gan.config().objective, Objective::Wgan);
    // The latent size rebuilds the generator: a setting of Reset, not a live knob.
    assert!(knobs.iter().all(|k| k.name != "latent_dim"), "{knobs:?}");

    let diffusion = DiffusionFamily::new(DiffusionConfig::default(), &device, 0).unwrap();
    let knobs = diffusion.knobs();
    assert_eq!(knob(&knobs, "sampler").kind, KnobKind::Choice { options: vec!["DDPM", "DDIM"] });
    assert_eq!(knob(&knobs, "spacing").kind, KnobKind::Choice { options: vec!["leading", "trailing", "linspace"] });
    assert!(matches!(knob(&knobs, "sample_steps").kind, KnobKind::Whole { min: 1, max: 1000, .. }), "{knobs:?}");
}

#[test]
fn the_character_models_sampling_settings_are_set_like_knobs_but_not_listed() {
    // The next-character view draws its own controls for them (beside the distribution they
    // shape), so the knobs list only the learning rate; `genlab sample` sets them too.
    let vocab: Vec<char> = " abc".chars().collect();
    let mut model = CharLmFamily::new(CharLmConfig { vocab, ..CharLmConfig::default() }, &Device::flex(), 0).unwrap();
    let names: Vec<&str> = model.knobs().iter().map(|k| k.name).collect();
    assert_eq!(names, ["learning_rate"]);
    model.set_knob("temperature", KnobValue::Real(0.5)).unwrap();
    model.set_knob("top_k", KnobValue::Whole(2)).unwrap();
    model.set_knob("sample_length", KnobValue::Whole(40)).unwrap();
    let c = model.config();
    assert_eq!((c.sampling.temperature, c.sampling.top_k, c.sample_length), (0.5, 2, 40));
    assert!(model.set_knob("temperature", KnobValue::Whole(1)).is_err());
    // Four characters: k is at most 4.
    assert!(model.set_knob("top_k", KnobValue::Whole(5)).is_err());
    assert_eq!(model.config().sampling.top_k, 2);
}
