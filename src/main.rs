fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`payfault list | head`) would
    // panic; restore the default: the process ends quietly, as other command-line tools do.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_DFL before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    payfault::cli::main()
}
