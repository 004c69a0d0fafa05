//! Every family tab saves its run as a checkpoint and loads it back, through the window's own
//! "Save checkpoint…" and "Load checkpoint…" (the dialogs answered beforehand with
//! `dialogs::answer_next`), rendered with wgpu on Mesa lavapipe like tests/ui.rs.
//!
//! It found a lost click: in the GAN and RBM tabs a knob row wider than the side panel (a long
//! label beside a full slider) arrived with the worker's first event, widened the panel a frame
//! later and moved Step up by a line, so a click aimed a frame earlier landed on the slider
//! below and no step was asked for. Knob rows now keep to the panel's width
//! (`gui::session::knob_rows_ui`, tested there). Buttons here are pressed through accesskit, by
//! what they are rather than where they were drawn; tests/ui.rs clicks by position.

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;

mod common;
use common::window::{harness, one_window, shows_label, status_step, step_until, wait_for_button};

#[test]
fn every_family_tab_saves_and_loads_a_checkpoint() {
    let _window = one_window();
    use genlab::gui::dialogs::{Purpose, answer_next};

    let root = std::env::temp_dir().join(format!("genlab-ui-checkpoints-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut h = harness();
    h.run_steps(3);
    // Every family's tab, by its name in the tab bar (the Compare tab is not a family's).
    for tab in
        ["VAE", "Autoencoder", "GAN", "Diffusion", "Flow matching", "PixelCNN", "Character model", "Flow", "RBM", "DBN", "GMMN", "VQ-VAE"]
    {
        h.get_by_label(tab).click();
        h.run_steps(3);
        wait_for_button(&mut h, "Step");
        let before = status_step(&h);
        h.get_by_role_and_label(Role::Button, "Step").click_accesskit();
        let stepped = step_until(&mut h, 120.0, |h| status_step(h) > before);
        assert!(stepped, "{tab}: Step trained no step (status bar: step {})", status_step(&h));
        let trained = status_step(&h);

        // No one answers a file dialog here: the folder is given to the next one beforehand.
        let dir = root.join(tab.replace(' ', "-"));
        answer_next(&h.ctx, Purpose::SaveCheckpoint, dir.clone());
        h.get_by_role_and_label(Role::Button, "Save checkpoint…").click_accesskit();
        let saved = step_until(&mut h, 60.0, |h| shows_label(h, "saved checkpoint"));
        assert!(saved, "{tab}: no \"saved checkpoint …\" notice after Save checkpoint…");
        assert!(dir.join("config.json").is_file(), "{tab}: nothing written to {}", dir.display());

        answer_next(&h.ctx, Purpose::LoadCheckpoint, dir.clone());
        h.get_by_role_and_label(Role::Button, "Load checkpoint…").click_accesskit();
        let loaded = step_until(&mut h, 60.0, |h| shows_label(h, "loaded checkpoint"));
        assert!(loaded, "{tab}: no \"loaded checkpoint …\" notice after Load checkpoint…");
        assert!(!shows_label(&h, "this tab opens"), "{tab}: its own checkpoint was refused");
        // The checkpoint carries its step count: the loaded model trains on from there.
        wait_for_button(&mut h, "Step");
        h.get_by_role_and_label(Role::Button, "Step").click_accesskit();
        let resumed = step_until(&mut h, 120.0, |h| status_step(h) == trained + 1);
        assert!(resumed, "{tab}: saved at step {trained}, one step after loading shows step {}", status_step(&h));
    }
    let _ = std::fs::remove_dir_all(&root);
}
