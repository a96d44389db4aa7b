fn main() -> std::process::ExitCode {
    payfault::cli::main()
}
