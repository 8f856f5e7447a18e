//! The binary's logic: parse, configure logging, run one command, and turn
//! every failure into one sentence, a remedy and exit code 2.

mod about;
pub mod args;
mod check_cmd;
mod connection;
mod credentials;
mod error;
mod inventory_cmd;
mod keys;
mod keystore;
mod manifest_cmd;
mod output;
mod privileges_cmd;
mod settings;
mod stop;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

pub use args::Cli;
pub use error::Error;

use crate::report::exit;
use args::Command;

pub fn run() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    init_tracing(&cli.log);
    crate::report::terminal::init(cli.log.color.into());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::INCOMPLETE);
        }
    };
    let outcome = runtime.block_on(async {
        stop::install();
        tokio::select! {
            biased;
            r = dispatch(cli.command) => r,
            n = stop::signalled_outside_session() => Err(Error::Interrupted { signal: n }),
        }
    });
    match outcome {
        Ok(code) => ExitCode::from(code),
        // 128+N, as shells report a process ended by signal N (spec §4).
        Err(e) if e.is_interrupted() => {
            eprintln!("vaudit: {e}");
            ExitCode::from(e.exit_code())
        }
        Err(e) if e.is_closed_stdout() => error::exit_closed_stdout(),
        Err(e) => {
            // Errors quote server text (faults, certificate names): each
            // is one line, whatever newlines or escapes the text holds.
            eprintln!("error: {}", error::for_terminal(&e.to_string()));
            if let Some(r) = e.remedy() {
                eprintln!("  fix: {}", error::for_terminal(&r));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

async fn dispatch(command: Command) -> Result<u8, Error> {
    match command {
        Command::About(a) => about::run(&a).await,
        Command::Privileges(a) => privileges_cmd::run(&a).await,
        Command::Folders(a) => inventory_cmd::folders(&a).await,
        Command::Pools(a) => inventory_cmd::pools(&a).await,
        Command::Templates(a) => inventory_cmd::templates(&a).await,
        Command::Check(a) => check_cmd::run(&a).await,
        Command::Diagnose(a) => check_cmd::diagnose(&a).await,
        Command::Login(a) => keys::login(&a).await,
        Command::Logout(a) => keys::logout(&a),
        Command::Manifest(a) => manifest_cmd::run(&a),
        Command::Schema => {
            use std::io::Write;
            std::io::stdout().write_all(crate::report::SCHEMA_FILE.as_bytes())?;
            Ok(exit::SUCCESS)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "vaudit", &mut std::io::stdout());
            Ok(exit::SUCCESS)
        }
    }
}

fn init_tracing(log: &args::LogArgs) {
    use tracing_subscriber::EnvFilter;
    let default = match (log.quiet, log.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,vaudit=debug",
        (false, _) => "warn,vaudit=trace",
    };
    let filter = if log.verbose == 0 && !log.quiet {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    } else {
        EnvFilter::new(default)
    };
    // Log lines quote errors, and errors quote the server: every field is
    // escaped as the reports are, so no server text starts a line of its
    // own on stderr or drives the terminal.
    use tracing_subscriber::field::MakeExt;
    let fields = tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let text = crate::report::sanitize::line(&format!("{value:?}")).into_owned();
        if field.name() == "message" {
            write!(w, "{text}")
        } else {
            write!(w, "{field}={text}")
        }
    })
    .delimited(" ");
    tracing_subscriber::fmt()
        .fmt_fields(fields)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

/// A panic is a bug: say so in one line, without the payload (which could
/// hold data from the server) or a backtrace, and exit 2 like any failure.
/// `print!`'s panic on a stdout closed early: EPIPE on Unix; on Windows
/// ERROR_BROKEN_PIPE (109) or ERROR_NO_DATA (232), whose wording depends on
/// the system's language, so the code is matched.
fn is_closed_stdout(payload: &str) -> bool {
    let p = payload.to_ascii_lowercase();
    p.starts_with("failed printing to stdout")
        && ["broken pipe", "(os error 109)", "(os error 232)"]
            .iter()
            .any(|m| p.contains(m))
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // `print!` to a stdout that `vaudit … | head` closed early panics
        // with this message: not a bug.
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_closed_stdout(payload) {
            error::exit_closed_stdout();
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: vaudit hit an internal error{at}; the audit is incomplete. Please report it with the command you ran (not the password)."
        );
        std::process::exit(i32::from(exit::INCOMPLETE));
    }));
}

#[cfg(test)]
mod closed_stdout_tests {
    use super::is_closed_stdout;

    #[test]
    fn a_broken_pipe_on_unix_is_a_closed_stdout() {
        assert!(is_closed_stdout(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
    }

    #[test]
    fn a_pipe_being_closed_on_windows_is_a_closed_stdout() {
        assert!(is_closed_stdout(
            "failed printing to stdout: The pipe is being closed. (os error 232)"
        ));
        assert!(is_closed_stdout(
            "failed printing to stdout: OS Error 109 (FormatMessageW() returned error 317) (os error 109)"
        ));
    }

    #[test]
    fn another_print_failure_is_not_a_closed_stdout() {
        assert!(!is_closed_stdout(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_stdout("index out of bounds (os error 232)"));
    }
}
