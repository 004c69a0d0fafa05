//! The window, driven by egui_kittest and rendered with wgpu on the CPU (Mesa lavapipe), no
//! display needed: click Start and see the loss plot and the latent map draw.

use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use genlab::gui::GenlabApp;
use genlab::gui::widgets::CLASS_COLOURS;

mod common;
use common::window::{harness, one_window, status_step, step_until, wait_for_button};

fn count_class_pixels(img: &image::RgbaImage) -> usize {
    img.pixels()
        .filter(|p| {
            CLASS_COLOURS.iter().any(|c| {
                (p[0] as i32 - c.r() as i32).abs() < 6 && (p[1] as i32 - c.g() as i32).abs() < 6 && (p[2] as i32 - c.b() as i32).abs() < 6
            })
        })
        .count()
}

#[test]
fn start_training_draws_loss_plot_and_latent_map() {
    let _window = one_window();
    let mut h = harness();
    h.run_steps(3);
    // On a machine without a GPU the status bar says the CPU is used.
    assert!(h.query_by_label_contains("Device:").is_some());

    wait_for_button(&mut h, "Start");
    h.get_by_role_and_label(Role::Button, "Start").click();
    let trained = step_until(&mut h, 120.0, |h| h.query_all_by_label("reconstruction").next().is_some());
    assert!(trained, "no loss terms appeared in the plot legend after Start");
    // Train a little longer so previews and encoded test points arrive.
    step_until(&mut h, 4.0, |_| false);
    h.get_by_role_and_label(Role::Button, "Pause").click();
    h.run_steps(4);
    let after = h.render().expect("render");
    let dots_after = count_class_pixels(&after);
    // 1000 encoded test points, drawn as dots of radius 2 in the class colours.
    assert!(dots_after > 300, "latent map shows only {dots_after} class-coloured pixels");
    for term in ["loss", "reconstruction", "KL"] {
        assert!(h.query_all_by_label(term).next().is_some(), "legend has no {term}");
    }
    after.save(std::env::temp_dir().join("genlab-ui-after-training.png")).ok();
}

#[test]
fn compare_tab_evaluates_a_checkpoint_and_shows_the_lesson() {
    let _window = one_window();
    use burn::tensor::Device;
    use genlab::data::{DatasetId, ImageDatasetId};
    use genlab::models::vae::{VaeConfig, VaeFamily};
    use genlab::train::checkpoint::{Progress, save};

    // An (untrained) VAE checkpoint on MNIST to compare.
    let dir = std::env::temp_dir().join(format!("genlab-ui-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let vae = VaeFamily::new(VaeConfig { hidden: 64, ..VaeConfig::default() }, &Device::flex(), 0).unwrap();
    save(&vae, &Progress { dataset: Some(DatasetId::Images(ImageDatasetId::Mnist)), ..Progress::default() }, &dir).unwrap();

    let mut h = harness();
    h.run_steps(2);
    h.get_by_label("Compare").click();
    h.run_steps(2);
    let folder = h.get_by_role_and_label(Role::TextInput, "Folder:");
    folder.focus();
    folder.type_text(&dir.display().to_string());
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Add").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::SpinButton, "samples").set_value_accesskit(500.0);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Evaluate").click();
    let done = step_until(&mut h, 180.0, |h| h.query_by_label("real (held-out)").is_some());
    assert!(done, "the evaluation did not finish: no baseline row in the table");
    h.run_steps(3);
    for column in ["FID", "precision", "recall", "density", "coverage", "IS", "NLL (nats)"] {
        assert!(h.query_all_by_label(column).next().is_some(), "no {column} column");
    }
    assert!(h.query_all_by_label_contains("not comparable with Inception FID").next().is_some());
    h.render().expect("render").save(std::env::temp_dir().join("genlab-ui-compare.png")).ok();

    h.get_by_label("Lesson: mode dropping").click();
    h.run_steps(3);
    for case in ["Both clusters, sharp", "One cluster only", "Both clusters, blurred"] {
        assert!(h.query_by_label(case).is_some(), "the lesson shows no {case}");
    }
    h.render().expect("render").save(std::env::temp_dir().join("genlab-ui-lesson.png")).ok();
    let _ = std::fs::remove_dir_all(&dir);
}

fn count_colour(img: &image::RgbaImage, c: eframe::egui::Color32, tolerance: i32) -> usize {
    img.pixels()
        .filter(|p| {
            (p[0] as i32 - c.r() as i32).abs() <= tolerance
                && (p[1] as i32 - c.g() as i32).abs() <= tolerance
                && (p[2] as i32 - c.b() as i32).abs() <= tolerance
        })
        .count()
}

#[test]
fn gan_tab_plays_the_game_on_the_ring_and_draws_the_lab() {
    let _window = one_window();
    use genlab::gui::widgets::game_plane::{FAKE_POINT, REAL_POINT};
    let mut h = harness();
    h.run_steps(3);
    h.get_by_label("GAN").click();
    h.run_steps(3);
    // The 2-D lab is the default: single-player buttons and the no-gradient-penalty note.
    assert!(h.query_by_label("one D step").is_some() && h.query_by_label("one G step").is_some());
    assert!(h.query_by_label_contains("No gradient penalty").is_some(), "the GUI must say why there is no WGAN-GP");
    wait_for_button(&mut h, "Start");
    h.get_by_role_and_label(Role::Button, "Start").click();
    let playing = step_until(&mut h, 120.0, |h| h.query_all_by_label("D(fake)").next().is_some());
    assert!(playing, "no D(real)/D(fake) curves appeared after Start");
    // Enough steps for D to have an opinion (the heat map), however busy the machine is: a fixed
    // time was too short when the UI tests ran beside each other.
    let trained = step_until(&mut h, 120.0, |h| status_step(h) >= 600);
    assert!(trained, "the game did not reach 600 steps (status bar: step {})", status_step(&h));
    h.get_by_role_and_label(Role::Button, "Pause").click();
    h.run_steps(6);
    let img = h.render().expect("render");
    img.save(std::env::temp_dir().join("genlab-ui-gan-lab.png")).ok();
    // 1,000 real and 600 fake points (radius ≈ 2 px) and the heat map behind them.
    let (real, fake) = (count_colour(&img, REAL_POINT, 8), count_colour(&img, FAKE_POINT, 8));
    // Real points sit in 8 tight blobs, mostly under the fakes: fewer of their pixels show.
    assert!(real > 60 && fake > 300, "points drawn: {real} real, {fake} fake pixels");
    let heat = img.pixels().filter(|p| p[2] as i32 > p[1] as i32 + 40 && p[0] as i32 > p[1] as i32 + 20).count();
    assert!(heat > 20_000, "the heat map covers only {heat} purple pixels");
    assert!(h.query_by_label_contains("of 8 modes").is_some(), "no mode-coverage meter");
}

#[test]
fn diffusion_tab_steps_through_a_sampling_run_by_dragging_the_scrubber() {
    let _window = one_window();
    let mut h = harness();
    h.run_steps(3);
    h.get_by_label("Diffusion").click();
    h.run_steps(3);
    // The forward process is there before any training: ᾱ_t of the default linear schedule.
    assert!(h.query_by_label_contains("ᾱ_t = ").is_some(), "no forward-process readout");
    wait_for_button(&mut h, "Start");
    h.get_by_role_and_label(Role::Button, "Start").click();
    step_until(&mut h, 6.0, |_| false);
    h.get_by_role_and_label(Role::Button, "Pause").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Sample 600 and keep every step").click();
    let arrived = step_until(&mut h, 60.0, |h| h.query_all_by_label("denoising step").next().is_some());
    assert!(arrived, "the step-through never arrived");
    h.run_steps(3);
    // DDIM with 50 leading steps starts at t = 980 (diffusers' default spacing).
    assert!(h.query_by_label("t = 980").is_some(), "the scrubber does not start at the first step");
    h.get_by_role_and_label(Role::Slider, "denoising step").scroll_to_me();
    h.run_steps(2);
    let rect = h.get_by_role_and_label(Role::Slider, "denoising step").rect();
    h.drag_at(rect.left_center() + eframe::egui::vec2(3.0, 0.0));
    h.run_steps(1);
    for i in 1..=10 {
        h.hover_at(rect.left_center() + eframe::egui::vec2(rect.width() * i as f32 / 10.0 + 20.0, 0.0));
        h.run_steps(1);
    }
    h.drop_at(rect.right_center() + eframe::egui::vec2(20.0, 0.0));
    h.run_steps(4);
    assert!(h.query_by_label("t = 980").is_none(), "dragging the scrubber did not move it");
    assert!(h.query_by_label("result").is_some(), "dragged to the end, the scrubber should show the result");
    let img = h.render().expect("render");
    img.save(std::env::temp_dir().join("genlab-ui-diffusion.png")).ok();
    // The samples (orange) are drawn on the flow plot.
    let orange =
        img.pixels().filter(|p| (p[0] as i32 - 242).abs() < 10 && (p[1] as i32 - 142).abs() < 12 && (p[2] as i32 - 43).abs() < 14).count();
    assert!(orange > 500, "only {orange} orange sample pixels drawn");
}

/// The probabilities printed beside the next-character bars ("e 0.123"), top bar first.
fn bar_probabilities(h: &Harness<'static, GenlabApp>) -> Vec<f64> {
    use egui_kittest::kittest::NodeT as _;
    let mut found: Vec<(f32, f64)> = h
        .query_all_by_role(Role::Label)
        .filter_map(|n| {
            let text = n.accesskit_node().label().or_else(|| n.accesskit_node().value())?;
            let (name, p) = text.rsplit_once(' ')?;
            // A bar label is one shown character (\n for a newline) and a probability with three decimals.
            (name.chars().count() <= 2 && p.len() == 5 && p.starts_with(['0', '1'])).then_some(())?;
            Some((n.rect().min.y, p.parse().ok()?))
        })
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.into_iter().map(|(_, p)| p).collect()
}

#[test]
fn character_model_bars_follow_the_temperature_slider() {
    let _window = one_window();
    let mut h = harness();
    h.run_steps(3);
    h.get_by_label("Character model").click();
    h.run_steps(3);
    // Train a few steps so the distribution has a shape.
    wait_for_button(&mut h, "Start");
    h.get_by_role_and_label(Role::Button, "Start").click();
    let trained = step_until(&mut h, 120.0, |h| status_step(h) >= 40);
    assert!(trained, "the character model did not train (status bar: step {})", status_step(&h));
    h.get_by_role_and_label(Role::Button, "Pause").click();
    let shown = step_until(&mut h, 60.0, |h| bar_probabilities(h).len() >= 10);
    assert!(shown, "no next-character bars");
    let before = bar_probabilities(&h);
    assert!(before[0] < 0.999, "at temperature 0.8 the top character should not be certain: {before:?}");
    // Temperature 0 is greedy: all the mass on the most likely character.
    h.get_by_role_and_label(Role::Slider, "temperature").set_value_accesskit(0.0);
    step_until(&mut h, 2.0, |_| false);
    let greedy = bar_probabilities(&h);
    assert_eq!(greedy[0], 1.0, "at temperature 0 the top bar holds everything: {greedy:?}");
    assert!(greedy[1..].iter().all(|&p| p == 0.0), "{greedy:?}");
    // Hotter than 1 flattens: the top character loses probability.
    h.get_by_role_and_label(Role::Slider, "temperature").set_value_accesskit(2.0);
    step_until(&mut h, 2.0, |_| false);
    let hot = bar_probabilities(&h);
    assert!(hot[0] < before[0], "temperature 2 should flatten the bars: {before:?} → {hot:?}");
    assert!(h.query_all_by_label_contains("nats/char").next().is_some(), "no cross-entropy readout in nats per character");
}

#[test]
fn pixelcnn_tab_draws_an_image_pixel_by_pixel() {
    let _window = one_window();
    let mut h = harness();
    h.run_steps(3);
    h.get_by_label("PixelCNN").click();
    h.run_steps(3);
    wait_for_button(&mut h, "Step");
    h.get_by_role_and_label(Role::Button, "Step").click();
    wait_for_button(&mut h, "Draw");
    h.get_by_role_and_label(Role::Button, "Draw").click();
    let drawn = step_until(&mut h, 120.0, |h| h.query_by_label_contains("last drawn: pixel").is_some());
    assert!(drawn, "the pixel-by-pixel view did not advance");
    assert!(h.query_by_label_contains("p(on) = ").is_some(), "no probability for the last pixel");
    assert!(h.query_by_label_contains("it can see").is_some(), "no receptive-field readout");
}

#[test]
fn each_new_family_tab_opens_and_trains() {
    let _window = one_window();
    let mut h = harness();
    h.run_steps(3);
    // (tab, something only that tab draws once it has trained a little)
    let tabs = [
        ("Autoencoder", "reconstruction"),
        ("Flow", "couplings applied"),
        ("RBM", "Filters: the weights of 64 hidden units"),
        ("GMMN", "The witness function"),
        ("Flow matching", "From noise to data, step by step"),
        ("DBN", "What each layer's units look for"),
    ];
    for (tab, shows) in tabs {
        h.get_by_label(tab).click();
        h.run_steps(3);
        wait_for_button(&mut h, "Start");
        h.get_by_role_and_label(Role::Button, "Start").click();
        let trained = step_until(&mut h, 120.0, |h| status_step(h) >= 20 && h.query_all_by_label_contains(shows).next().is_some());
        assert!(trained, "{tab}: no training or no \"{shows}\" (status bar: step {})", status_step(&h));
        h.get_by_role_and_label(Role::Button, "Pause").click();
        h.run_steps(2);
    }
}
