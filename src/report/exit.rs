//! Every exit code vaudit ends with (spec §4), decided here and nowhere
//! else: a verdict maps in through `of_verdict`, a failure before any
//! verdict through `INCOMPLETE`, a signal through `of_signal`.

use crate::checks::Verdict;

/// The command did what was asked, and the verdict (if any) passed.
pub const SUCCESS: u8 = 0;

/// A check found something at the fail level.
pub const FAIL: u8 = 1;

/// The audit could not be completed: a check not verified, or an error
/// before any verdict (a bad flag, a file that cannot be read).
pub const INCOMPLETE: u8 = 2;

/// Stdout was closed before the report was written: what a shell reports
/// for a process ended by SIGPIPE (128 + 13).
pub const CLOSED_STDOUT: u8 = 141;

/// Spec §4: pass and warn exit 0, fail 1, incomplete 2.
pub fn of_verdict(v: Verdict) -> u8 {
    match v {
        Verdict::Pass | Verdict::Warn => SUCCESS,
        Verdict::Fail => FAIL,
        Verdict::Incomplete => INCOMPLETE,
    }
}

/// 128+N, as shells report a process ended by signal N.
pub fn of_signal(n: i32) -> u8 {
    128u8.saturating_add(u8::try_from(n).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_map_to_0_1_2() {
        assert_eq!(of_verdict(Verdict::Pass), 0);
        assert_eq!(of_verdict(Verdict::Warn), 0);
        assert_eq!(of_verdict(Verdict::Fail), 1);
        assert_eq!(of_verdict(Verdict::Incomplete), 2);
    }

    #[test]
    fn a_signal_exits_128_plus_its_number() {
        assert_eq!(of_signal(2), 130);
        assert_eq!(of_signal(15), 143);
    }
}
