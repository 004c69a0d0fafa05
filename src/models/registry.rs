//! The family registry: one line per family in `FAMILIES`, each pointing at the `ENTRY` its
//! folder provides (`src/models/<family>/entry.rs`). The command line, the bench, evaluation
//! and the GUI's checkpoint loading read this list instead of matching on families, so a new
//! family is a new folder plus one line here.

use std::fmt;
use std::path::Path;

use burn::tensor::Device;

use super::settings::Settings;
use crate::bench::{BenchRow, BenchSettings};
use crate::train::TrainData;
use crate::views::Model;

/// What a family trains on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    Images,
    /// 2-D points (the toy distributions).
    Points,
    Text,
}

impl DataKind {
    pub fn describe(self) -> &'static str {
        match self {
            DataKind::Images => "images (--dataset mnist, fashion, shapes or folder)",
            DataKind::Points => "2-D points (--dataset ring8, grid25, two-moons, swiss-roll, checkerboard or spiral)",
            DataKind::Text => "text (--text FILE, or --dataset text for the built-in corpus)",
        }
    }
}

/// The data a model is built for, as it was loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum DataShape {
    Images { width: usize, height: usize, classes: usize },
    Points { classes: usize },
    Text { vocab: Vec<char> },
}

impl DataShape {
    pub fn of(data: &TrainData) -> Self {
        match data {
            TrainData::Images(d) => DataShape::Images { width: d.train.width, height: d.train.height, classes: d.num_classes() },
            TrainData::Points { labels, .. } => DataShape::Points { classes: labels.iter().copied().max().map_or(1, |m| m as usize + 1) },
            TrainData::Text { text, .. } => DataShape::Text { vocab: text.vocab.clone() },
        }
    }

    /// The configuration `entry` starts from for this data: `points(classes)` for 2-D points,
    /// `images(width, height, classes)` for images, or the message that it does not train on text.
    pub fn base<C>(
        &self,
        entry: &FamilyEntry,
        points: impl FnOnce(usize) -> C,
        images: impl FnOnce(usize, usize, usize) -> C,
    ) -> Result<C, String> {
        match *self {
            DataShape::Points { classes } => Ok(points(classes)),
            DataShape::Images { width, height, classes } => Ok(images(width, height, classes)),
            DataShape::Text { .. } => Err(wrong_data(entry, self)),
        }
    }

    /// The images' width, height and classes, or the message that `entry` trains on images only.
    pub fn images(&self, entry: &FamilyEntry) -> Result<(usize, usize, usize), String> {
        match *self {
            DataShape::Images { width, height, classes } => Ok((width, height, classes)),
            _ => Err(wrong_data(entry, self)),
        }
    }

    pub fn kind(&self) -> DataKind {
        match self {
            DataShape::Images { .. } => DataKind::Images,
            DataShape::Points { .. } => DataKind::Points,
            DataShape::Text { .. } => DataKind::Text,
        }
    }
}

/// A fresh model and the run a family suggests for it.
pub struct Built {
    pub model: Box<dyn Model>,
    /// Optimisation steps of a default run.
    pub steps: u32,
    pub batch_size: usize,
    /// Text models: the tokens one training example holds (context + the next token).
    pub text_window: Option<usize>,
    /// A line about how the data is used, when it is not used as loaded (e.g. "binarized at 0.5").
    pub data_note: Option<&'static str>,
}

impl Built {
    /// A model with the steps and batch of its family's default run.
    pub fn new(model: impl Model + 'static, steps: u32, batch_size: usize) -> Self {
        Self { model: Box::new(model), steps, batch_size, text_window: None, data_note: None }
    }

    /// With a line about how the data is used.
    pub fn noting(self, note: &'static str) -> Self {
        Self { data_note: Some(note), ..self }
    }

    /// For a text model: the tokens of one training example.
    pub fn with_text_window(self, window: usize) -> Self {
        Self { text_window: Some(window), ..self }
    }
}

/// Everything the rest of genlab needs to know about one family.
pub struct FamilyEntry {
    /// The name checkpoints store and `--family` takes, e.g. "vae".
    pub name: &'static str,
    /// The name a person reads, e.g. "VAE".
    pub label: &'static str,
    /// With its article, for sentences: "a VAE", "an autoencoder".
    pub with_article: &'static str,
    /// What it trains on.
    pub data: &'static [DataKind],
    /// The `genlab train` settings it takes, by their names in `Settings` (`latent_dim` is
    /// `--latent-dim`); a flag not listed is refused for this family.
    pub flags: &'static [&'static str],
    /// A fresh model for `data` with the command line's `settings`.
    pub build: fn(&Settings, &DataShape, &Device, u64) -> Result<Built, String>,
    /// Rebuilds the model a checkpoint folder holds (checked against its bounds first).
    pub load: fn(&Path, &Device) -> Result<Box<dyn Model>, String>,
    /// Checks a checkpoint's `config` section against the family's bounds, building nothing.
    pub validate: fn(&serde_json::Value, &Path) -> Result<(), String>,
    /// Whether a checkpoint whose `config.json` names `name`, with this `config` section, holds
    /// this family (a VAE checkpoint with `"variational": false` is an autoencoder).
    pub holds: fn(name: &str, config: Option<&serde_json::Value>) -> bool,
    /// Samples drawn for a run's preview file (`genlab train`'s samples.png, eval's grid).
    pub preview_samples: usize,
    /// What a person should know when reading this family's sample metrics, if anything.
    pub eval_warning: Option<&'static str>,
    /// `genlab bench`'s rows for this family: its default models, each at the batch, step
    /// count and sampling calls its PyTorch twin in bench/ uses (`crate::bench` has the timing).
    pub bench: fn(&BenchSettings, &Device) -> Result<Vec<BenchRow>, String>,
}

/// A family, as the rest of the program passes it around: a handle on its registry entry.
#[derive(Clone, Copy)]
pub struct FamilyKind(pub &'static FamilyEntry);

impl FamilyEntry {
    /// The label inside a sentence: "the character model", "the autoencoder", but "the VAE"
    /// and "the PixelCNN" (a label with capitals after its first letter keeps them).
    pub fn in_sentence(&self) -> String {
        let mut chars = self.label.chars();
        match chars.next() {
            Some(first) if chars.clone().all(|c| !c.is_uppercase()) => first.to_lowercase().chain(chars).collect(),
            _ => self.label.to_string(),
        }
    }
}

impl FamilyKind {
    pub fn entry(self) -> &'static FamilyEntry {
        self.0
    }

    /// The name a checkpoint's `config.json` stores in its `family` field.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    pub fn label(self) -> &'static str {
        self.0.label
    }

    /// "a GAN", "an autoencoder": the family with its article, for sentences.
    pub fn with_article(self) -> &'static str {
        self.0.with_article
    }

    /// The family with this name (`--family`, a checkpoint), if genlab has one.
    pub fn named(name: &str) -> Option<FamilyKind> {
        FAMILIES.iter().copied().find(|k| k.name() == name)
    }

    /// `--flag` names of the settings this family takes.
    pub fn flag_names(self) -> Vec<String> {
        self.0.flags.iter().map(|f| format!("--{}", f.replace('_', "-"))).collect()
    }
}

impl PartialEq for FamilyKind {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for FamilyKind {}

impl fmt::Debug for FamilyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyKind({})", self.name())
    }
}

impl fmt::Display for FamilyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl clap::ValueEnum for FamilyKind {
    fn value_variants<'a>() -> &'a [Self] {
        &FAMILIES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.label()))
    }
}

impl serde::Serialize for FamilyKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for FamilyKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        FamilyKind::named(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown family \"{name}\"")))
    }
}

/// The message for a family given data it does not train on.
pub fn wrong_data(entry: &FamilyEntry, data: &DataShape) -> String {
    let wanted: Vec<&str> = entry.data.iter().map(|k| k.describe()).collect();
    let given = match data.kind() {
        DataKind::Images => "images",
        DataKind::Points => "2-D points",
        DataKind::Text => "text",
    };
    format!("the {} trains on {}, not {given}", entry.in_sentence(), wanted.join(" or "))
}

/// Every family, in the order of the GUI's tabs: one line each.
pub static FAMILIES: [FamilyKind; 13] = [
    FamilyKind(&super::vae::ENTRY),
    FamilyKind(&super::autoencoder::ENTRY),
    FamilyKind(&super::gan::ENTRY),
    FamilyKind(&super::diffusion::ENTRY),
    FamilyKind(&super::flow_matching::ENTRY),
    FamilyKind(&super::latent_diffusion::ENTRY),
    FamilyKind(&super::pixelcnn::ENTRY),
    FamilyKind(&super::charlm::ENTRY),
    FamilyKind(&super::flow::ENTRY),
    FamilyKind(&super::rbm::ENTRY),
    FamilyKind(&super::dbn::ENTRY),
    FamilyKind(&super::vqvae::ENTRY),
    FamilyKind(&super::gmmn::ENTRY),
];
