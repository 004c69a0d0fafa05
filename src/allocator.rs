//! Keeps freed tensor buffers in the process instead of handing them back to the OS.
//!
//! On flex every op allocates its output (a 64 × 32 × 28 × 28 activation is 6.4 MB), and
//! glibc serves blocks that large with mmap and returns them with munmap, so each training
//! step page-faults its buffers in again and makes the kernel flush both cores' TLBs. With
//! mmap reserved for blocks above 256 MB and the heap trimmed only above 512 MB free, the
//! same buffers are reused from the heap. Measured on 2 cores (genlab bench, issue 7): DCGAN
//! 9.7 → 14.6 steps/s, the diffusion UNet 2.2 → 2.7, the MLP VAE 143 → 190, the conv VAE
//! 20 → 31. The cost is that up to 512 MB of freed memory stays with genlab.

/// Sets glibc's mmap and trim thresholds; does nothing on other C libraries.
pub fn keep_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes two thresholds of glibc's allocator; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
