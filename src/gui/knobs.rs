//! The live knobs as a person sees them: a slider for a number, a combo box for a choice,
//! each under its label, with its help on hover.

use eframe::egui;

use crate::train::{Knob, KnobKind, KnobValue};

/// Draws every knob and returns the ones a person changed this frame, with their new values
/// (already written into `knobs`).
pub fn knobs_ui(ui: &mut egui::Ui, knobs: &mut [Knob]) -> Vec<(String, KnobValue)> {
    let mut changed = Vec::new();
    for knob in knobs.iter_mut() {
        if knob_ui(ui, knob) {
            changed.push((knob.name.to_string(), knob.value));
        }
    }
    changed
}

/// One knob; true when a person changed it.
fn knob_ui(ui: &mut egui::Ui, knob: &mut Knob) -> bool {
    let Knob { label, help, kind, value, .. } = knob;
    match (kind, value) {
        (KnobKind::Real { min, max, logarithmic }, KnobValue::Real(v)) => {
            ui.add(egui::Slider::new(v, *min..=*max).logarithmic(*logarithmic).text(*label)).on_hover_text(*help).changed()
        }
        // An integer slider: `Slider::new` on an i64 steps by whole numbers.
        (KnobKind::Whole { min, max, logarithmic }, KnobValue::Whole(v)) => {
            ui.add(egui::Slider::new(v, *min..=*max).logarithmic(*logarithmic).text(*label)).on_hover_text(*help).changed()
        }
        (KnobKind::Choice { options }, KnobValue::Choice(chosen)) => {
            let before = *chosen;
            let shown = options.get(before).copied().unwrap_or("?");
            egui::ComboBox::from_label(*label)
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for (i, option) in options.iter().enumerate() {
                        ui.selectable_value(&mut *chosen, i, *option);
                    }
                })
                .response
                .on_hover_text(*help);
            *chosen != before
        }
        // The family built the value with the knob, so the kinds agree; a mismatch is shown,
        // not offered for change.
        _ => {
            ui.weak(format!("{label}: a value of the wrong kind"));
            false
        }
    }
}

/// How the knob `name` among `knobs` reads to a person: a choice's option ("DDIM"), or its
/// number; `None` when there is no such knob.
pub fn shown_value(knobs: &[Knob], name: &str) -> Option<String> {
    let knob = knobs.iter().find(|k| k.name == name)?;
    Some(match (&knob.kind, knob.value) {
        (KnobKind::Choice { options }, KnobValue::Choice(i)) => options.get(i)?.to_string(),
        (_, KnobValue::Choice(i)) => format!("option {i}"),
        (_, KnobValue::Whole(n)) => n.to_string(),
        (_, KnobValue::Real(v)) => format!("{v}"),
    })
}

/// The value of the whole-number knob `name` among `knobs`; `None` when there is no such knob.
pub fn whole_value(knobs: &[Knob], name: &str) -> Option<i64> {
    knobs.iter().find_map(|k| match k.value {
        KnobValue::Whole(n) if k.name == name => Some(n),
        _ => None,
    })
}
