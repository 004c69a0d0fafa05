fn main() -> std::process::ExitCode {
    genlab::allocator::keep_freed_buffers();
    genlab::cli::main()
}
