//! Choosing where models compute: a real GPU through wgpu (sharing eframe's device in the GUI)
//! or burn's `flex` backend on the CPU. Never panics when there is no GPU.

use burn::tensor::wgpu::{wgpu, WgpuSetup};
use burn::tensor::Device;

/// What the user asked for with `--device`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// A real GPU if there is one, else the CPU.
    #[default]
    Auto,
    Cpu,
    Gpu,
}

/// The device models train on, and what to tell the user about it.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// The plain (non-autodiff) device; families call `.autodiff()` for training.
    pub device: Device,
    /// Shown in the status bar, e.g. "GPU: NVIDIA H100 (Vulkan)" or "CPU: burn flex, 2 threads".
    pub label: String,
    pub is_gpu: bool,
    /// The window is drawn by a software rasteriser (lavapipe, llvmpipe) on the same cores
    /// that train: the GUI then repaints less often while training.
    pub software_render: bool,
    /// Set when the choice could not be honoured (e.g. `--device gpu` without a GPU).
    pub warning: Option<String>,
}

impl ComputeDevice {
    pub fn cpu() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            device: Device::flex(),
            label: format!("CPU: burn flex, {threads} threads"),
            is_gpu: false,
            software_render: false,
            warning: None,
        }
    }

    fn cpu_because(warning: String) -> Self {
        Self { warning: Some(warning), ..Self::cpu() }
    }

    /// For the command line and tests: burn opens its own wgpu device when a real GPU exists.
    pub fn headless(choice: DeviceChoice) -> Self {
        if choice == DeviceChoice::Cpu {
            return Self::cpu();
        }
        match probe_gpu() {
            Some((name, backend)) => match Device::wgpu_options().init() {
                Ok(device) => {
                    Self { device, label: format!("GPU: {name} ({backend})"), is_gpu: true, software_render: false, warning: None }
                }
                Err(e) => Self::cpu_because(format!("the GPU {name} could not be opened ({e}); training on the CPU")),
            },
            None if choice == DeviceChoice::Gpu => {
                Self::cpu_because("no GPU found (only a software adapter); training on the CPU".into())
            }
            None => Self::cpu(),
        }
    }

    /// For the GUI: share eframe's wgpu device with burn when its adapter is a real GPU.
    pub fn from_render_state(
        choice: DeviceChoice,
        render_state: Option<&eframe::egui_wgpu::RenderState>,
    ) -> Self {
        if choice == DeviceChoice::Cpu {
            return Self::cpu();
        }
        let Some(rs) = render_state else {
            return Self::cpu_because("the window has no wgpu renderer; training on the CPU".into());
        };
        let info = rs.adapter.get_info();
        if info.device_type == wgpu::DeviceType::Cpu {
            let cpu = if choice == DeviceChoice::Gpu {
                Self::cpu_because(format!("no GPU found (the only adapter is {}, a software renderer); training on the CPU", info.name))
            } else {
                Self::cpu()
            };
            return Self { software_render: true, ..cpu };
        }
        let setup = WgpuSetup {
            instance: rs.instance.clone(),
            adapter: rs.adapter.clone(),
            device: rs.device.clone(),
            queue: rs.queue.clone(),
            backend: info.backend,
        };
        match Device::wgpu_options().setup(setup).init() {
            Ok(device) => Self {
                device,
                label: format!("GPU: {} ({:?}, shared with the window)", info.name, info.backend),
                is_gpu: true,
                software_render: false,
                warning: None,
            },
            Err(e) => Self::cpu_because(format!("burn could not use the GPU {} ({e}); training on the CPU", info.name)),
        }
    }
}

/// The device eframe should create: every feature and limit the adapter has (burn's kernels
/// need more than egui's defaults), as cubecl asks for its own devices.
pub fn full_device_descriptor(adapter: &wgpu::Adapter) -> wgpu::DeviceDescriptor<'static> {
    wgpu::DeviceDescriptor {
        label: Some("genlab device"),
        required_features: adapter
            .features()
            .difference(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS)
            .difference(wgpu::Features::all_experimental_mask()),
        required_limits: adapter.limits(),
        memory_hints: wgpu::MemoryHints::MemoryUsage,
        trace: wgpu::Trace::Off,
        experimental_features: wgpu::ExperimentalFeatures::disabled(),
    }
}

/// Looks for a hardware adapter without creating a device: Some((name, backend)) if found.
fn probe_gpu() -> Option<(String, String)> {
    // The native APIs only: probing GL/EGL here prints noise about display servers.
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends &= wgpu::Backends::PRIMARY;
    let instance = wgpu::Instance::new(descriptor);
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
    adapters
        .into_iter()
        .map(|a| a.get_info())
        .find(|info| matches!(info.device_type, wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu))
        .map(|info| (info.name, format!("{:?}", info.backend)))
}
