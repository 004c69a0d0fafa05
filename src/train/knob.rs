//! Live knobs: the settings a person can change while a model trains. A knob is a number
//! (real or whole) in a range, or a choice among named options; each carries a label and a
//! one-line help for a person, and its identifier for the program.

/// What kind of value a knob takes, and its range.
#[derive(Clone, Debug, PartialEq)]
pub enum KnobKind {
    /// A real number in `min..=max`, on a logarithmic slider when `logarithmic`.
    Real { min: f64, max: f64, logarithmic: bool },
    /// A whole number in `min..=max`.
    Whole { min: i64, max: i64, logarithmic: bool },
    /// One of these options (the value is its index), drawn as a combo box.
    Choice { options: Vec<&'static str> },
}

/// A knob's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KnobValue {
    Real(f64),
    Whole(i64),
    /// The index of the chosen option.
    Choice(usize),
}

impl KnobValue {
    /// The value as a real number (a choice's index, a whole number's value).
    pub fn as_f64(self) -> f64 {
        match self {
            KnobValue::Real(v) => v,
            KnobValue::Whole(v) => v as f64,
            KnobValue::Choice(i) => i as f64,
        }
    }

    /// `value` as a choice among `all` (an enum's `ALL`): its index, the first when it is not
    /// there.
    pub fn choice_of<T: PartialEq>(all: &[T], value: T) -> Self {
        KnobValue::Choice(all.iter().position(|v| *v == value).unwrap_or(0))
    }
}

/// A setting the GUI shows and changes while training.
#[derive(Clone, Debug, PartialEq)]
pub struct Knob {
    /// The program's name for it, e.g. "lr_g".
    pub name: &'static str,
    /// What a person reads beside it, e.g. "generator learning rate".
    pub label: &'static str,
    /// One line shown as a tooltip: what the knob does.
    pub help: &'static str,
    pub kind: KnobKind,
    pub value: KnobValue,
}

impl Knob {
    /// A real-valued knob.
    pub fn real(name: &'static str, label: &'static str, help: &'static str, value: f64, range: (f64, f64), logarithmic: bool) -> Self {
        Self { name, label, help, kind: KnobKind::Real { min: range.0, max: range.1, logarithmic }, value: KnobValue::Real(value) }
    }

    /// A whole-number knob.
    pub fn whole(name: &'static str, label: &'static str, help: &'static str, value: i64, range: (i64, i64), logarithmic: bool) -> Self {
        Self { name, label, help, kind: KnobKind::Whole { min: range.0, max: range.1, logarithmic }, value: KnobValue::Whole(value) }
    }

    /// A choice among an enum's values `all` (its `ALL`) with `current` chosen, each option
    /// shown as `option_label` names it.
    pub fn choice_among<T: Copy + PartialEq>(
        name: &'static str,
        label: &'static str,
        help: &'static str,
        all: &[T],
        current: T,
        option_label: fn(T) -> &'static str,
    ) -> Self {
        let options = all.iter().map(|&o| option_label(o)).collect();
        Self { name, label, help, kind: KnobKind::Choice { options }, value: KnobValue::choice_of(all, current) }
    }

    /// Whether `value` is of this knob's kind and within its range (or one of its options).
    pub fn accepts(&self, value: KnobValue) -> bool {
        match (&self.kind, value) {
            (KnobKind::Real { min, max, .. }, KnobValue::Real(v)) => v.is_finite() && v >= *min && v <= *max,
            (KnobKind::Whole { min, max, .. }, KnobValue::Whole(v)) => v >= *min && v <= *max,
            (KnobKind::Choice { options }, KnobValue::Choice(i)) => i < options.len(),
            _ => false,
        }
    }
}
