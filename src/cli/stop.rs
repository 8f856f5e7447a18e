//! Why a command stops before it is done: a signal (SIGINT, SIGTERM,
//! SIGHUP) or the `--deadline`. Either way an open session is logged out
//! (within `LOGOUT_BOUND`), nothing partial reaches stdout, and the exit code
//! says why (128+signal as shells report it, or 2).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// Long enough for a healthy vCenter to end the session, short enough that a
/// user who pressed Ctrl-C is not kept waiting.
pub const LOGOUT_BOUND: Duration = Duration::from_secs(2);

static SIGNAL: OnceLock<watch::Receiver<Option<i32>>> = OnceLock::new();
static STARTED: OnceLock<Instant> = OnceLock::new();
/// Sessions open now: while one is, its owner answers a signal (it must log
/// out first).
static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// Starts the clock of `--deadline` and listens for the signals. Called
/// once, inside the runtime, before the command runs.
pub fn install() {
    STARTED.get_or_init(Instant::now);
    let (tx, rx) = watch::channel(None);
    if SIGNAL.set(rx).is_err() {
        return;
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::warn!(
                "cannot listen for signals; an interrupted run may leave its session open"
            );
            return;
        };
        tokio::spawn(async move {
            let n = tokio::select! {
                _ = int.recv() => libc::SIGINT,
                _ = term.recv() => libc::SIGTERM,
                _ = hup.recv() => libc::SIGHUP,
            };
            let _ = tx.send(Some(n));
        });
    }
    // Ctrl-Break is the console's other interrupt key (and what a CI agent
    // sends to stop a job): both stop the run as SIGINT does, exit 130.
    #[cfg(windows)]
    {
        use tokio::signal::windows::{ctrl_break, ctrl_c};
        let (Ok(mut int), Ok(mut brk)) = (ctrl_c(), ctrl_break()) else {
            tracing::warn!(
                "cannot listen for Ctrl-C; an interrupted run may leave its session open"
            );
            return;
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = brk.recv() => {}
            }
            let _ = tx.send(Some(2));
        });
    }
}

/// The number of the first signal received; pending until one is.
pub async fn signalled() -> i32 {
    let Some(mut rx) = SIGNAL.get().cloned() else {
        return std::future::pending().await;
    };
    match rx.wait_for(Option::is_some).await {
        Ok(v) => v.unwrap_or(0),
        Err(_) => std::future::pending().await,
    }
}

/// A signal that no open session will answer: the command can end at once.
pub async fn signalled_outside_session() -> i32 {
    let n = signalled().await;
    // The session's owner logs out (bounded) and returns; give it that long.
    let until = Instant::now() + LOGOUT_BOUND + Duration::from_millis(500);
    while SESSIONS.load(Ordering::SeqCst) > 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    n
}

/// When a command started `secs` ago would pass its deadline.
pub fn deadline(limit: Duration) -> Instant {
    *STARTED.get_or_init(Instant::now) + limit
}

/// Counts an open session for `signalled_outside_session` while alive.
pub struct SessionGuard(());

impl SessionGuard {
    pub fn open() -> SessionGuard {
        SESSIONS.fetch_add(1, Ordering::SeqCst);
        SessionGuard(())
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        SESSIONS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Named as the user sent it: on Windows the console's keys, not POSIX
/// signals (both keys are recorded as 2, so the exit code is 130 there too).
pub fn signal_name(n: i32) -> &'static str {
    match n {
        1 => "SIGHUP",
        2 if cfg!(windows) => "Ctrl-C or Ctrl-Break",
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_interrupt_is_named_as_the_platform_sends_it() {
        let shown = super::signal_name(2);
        if cfg!(windows) {
            assert_eq!(shown, "Ctrl-C or Ctrl-Break");
        } else {
            assert_eq!(shown, "SIGINT");
        }
    }
}
