fn main() -> std::process::ExitCode {
    genlab::cli::main()
}
