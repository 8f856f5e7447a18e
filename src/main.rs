fn main() -> std::process::ExitCode {
    vaudit::cli::run()
}
