//! Choosing where models compute: a real GPU through wgpu (sharing eframe's device in the GUI)
//! or burn's `flex` backend on the CPU; or, asked for explicitly, burn's wgpu backend on any
//! adapter, software ones included (slow, for testing the GPU code path on machines without a
//! GPU). Never panics when there is no GPU.

use std::sync::OnceLock;

use burn::tensor::Device;
use burn::tensor::wgpu::{WgpuSetup, wgpu};

/// What the user asked for with `--device`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// A real GPU if there is one, else the CPU.
    #[default]
    Auto,
    /// burn's flex backend on the CPU.
    Cpu,
    /// A real GPU; the CPU, with a warning, when there is none.
    Gpu,
    /// burn's wgpu backend on any adapter wgpu finds, software ones (Mesa's lavapipe) included: slow on a CPU, for testing the GPU code path.
    Wgpu,
}

/// The device models train on, and what to tell the user about it.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// The plain (non-autodiff) device; families call `.autodiff()` for training.
    pub device: Device,
    /// Shown in the status bar, e.g. "GPU: NVIDIA H100 (Vulkan)" or "CPU: burn flex, 2 threads".
    pub label: String,
    /// Models compute through burn's wgpu backend (on a GPU, or on a software adapter when
    /// `DeviceChoice::Wgpu` asked for one).
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

    /// For the command line and tests: burn opens its own wgpu device when a real GPU exists
    /// (or, for `DeviceChoice::Wgpu`, on any adapter).
    pub fn headless(choice: DeviceChoice) -> Self {
        match choice {
            DeviceChoice::Cpu => return Self::cpu(),
            DeviceChoice::Wgpu => {
                return Self::wgpu_any().unwrap_or_else(|e| Self::cpu_because(format!("{e}; training on the CPU")));
            }
            DeviceChoice::Auto | DeviceChoice::Gpu => {}
        }
        match probe_gpu() {
            Some((name, backend)) => match Device::wgpu_options().init() {
                Ok(device) => {
                    Self { device, label: format!("GPU: {name} ({backend})"), is_gpu: true, software_render: false, warning: None }
                }
                Err(e) => Self::cpu_because(format!("the GPU {name} could not be opened ({e}); training on the CPU")),
            },
            None if choice == DeviceChoice::Gpu => Self::cpu_because("no GPU found (only a software adapter); training on the CPU".into()),
            None => Self::cpu(),
        }
    }

    /// burn's wgpu backend on whatever adapter wgpu finds: a hardware one when there is one,
    /// else a software one (Mesa's lavapipe), which is slow (a few steps a second where flex
    /// does a hundred) but runs the same kernels, so tests can exercise the GPU code path on
    /// any machine with a Vulkan driver. The device is created the way eframe creates the
    /// window's (every feature and limit of the adapter) and handed to burn as an existing
    /// setup, as the GUI shares its device. Opened once per process; later calls return the
    /// same device. An error, never a panic, when no adapter can be opened.
    pub fn wgpu_any() -> Result<Self, String> {
        static OPENED: OnceLock<Result<ComputeDevice, String>> = OnceLock::new();
        OPENED
            .get_or_init(|| {
                // A driver that panics while starting is reported like a missing one.
                std::panic::catch_unwind(open_any_adapter)
                    .unwrap_or_else(|_| Err("wgpu failed while opening an adapter (the driver panicked)".into()))
            })
            .clone()
    }

    /// For the GUI: share eframe's wgpu device with burn when its adapter is a real GPU, or
    /// whatever its adapter is under `DeviceChoice::Wgpu`.
    pub fn from_render_state(choice: DeviceChoice, render_state: Option<&eframe::egui_wgpu::RenderState>) -> Self {
        if choice == DeviceChoice::Cpu {
            return Self::cpu();
        }
        let Some(rs) = render_state else {
            if choice == DeviceChoice::Wgpu {
                // No window device to share: burn opens its own.
                return Self::headless(choice);
            }
            return Self::cpu_because("the window has no wgpu renderer; training on the CPU".into());
        };
        let info = rs.adapter.get_info();
        let software = info.device_type == wgpu::DeviceType::Cpu;
        if software && choice != DeviceChoice::Wgpu {
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
        let slow = if software { ", software: slow" } else { "" };
        match Device::wgpu_options().setup(setup).init() {
            Ok(device) => Self {
                device,
                label: format!("GPU: {} ({:?}{slow}, shared with the window)", info.name, info.backend),
                is_gpu: true,
                software_render: software,
                warning: None,
            },
            Err(e) => Self {
                software_render: software,
                ..Self::cpu_because(format!("burn could not use the GPU {} ({e}); training on the CPU", info.name))
            },
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

/// An instance on the native APIs only: probing GL/EGL prints noise about display servers,
/// and burn's kernels are not run on GL here (llvmpipe's GL has drawn black frames).
fn native_instance() -> wgpu::Instance {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends &= wgpu::Backends::PRIMARY;
    wgpu::Instance::new(descriptor)
}

/// Looks for a hardware adapter without creating a device: Some((name, backend)) if found.
fn probe_gpu() -> Option<(String, String)> {
    let instance = native_instance();
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
    adapters
        .into_iter()
        .map(|a| a.get_info())
        .find(|info| matches!(info.device_type, wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu))
        .map(|info| (info.name, format!("{:?}", info.backend)))
}

/// Hardware first; a software adapter only when there is nothing else.
fn preference(device_type: wgpu::DeviceType) -> u8 {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// `ComputeDevice::wgpu_any`'s work: the preferred adapter, a device with all it offers, and
/// that device registered with burn.
fn open_any_adapter() -> Result<ComputeDevice, String> {
    let instance = native_instance();
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
    let adapter = adapters.into_iter().min_by_key(|a| preference(a.get_info().device_type)).ok_or_else(|| {
        "no wgpu adapter found (no Vulkan, Metal or DirectX 12 driver; on Debian or Ubuntu the \
         package mesa-vulkan-drivers provides lavapipe, a software one)"
            .to_string()
    })?;
    let info = adapter.get_info();
    let (device, queue) = pollster::block_on(adapter.request_device(&full_device_descriptor(&adapter)))
        .map_err(|e| format!("the adapter {} ({:?}) would not open a device ({e})", info.name, info.backend))?;
    let setup = WgpuSetup { instance, adapter, device, queue, backend: info.backend };
    let device = Device::wgpu_options()
        .setup(setup)
        .init()
        .map_err(|e| format!("burn could not use the adapter {} ({:?}): {e}", info.name, info.backend))?;
    let software = info.device_type == wgpu::DeviceType::Cpu;
    let slow = if software { ", software: slow" } else { "" };
    Ok(ComputeDevice {
        device,
        label: format!("GPU: {} ({:?}{slow}, burn's wgpu backend)", info.name, info.backend),
        is_gpu: true,
        software_render: false,
        warning: None,
    })
}
