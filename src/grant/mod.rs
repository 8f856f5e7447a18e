//! `vaudit grant` (cli.md §3a): from the privileges audit's verdict, the
//! smallest set of role and permission changes that closes every gap
//! ([`plan`]), made in order behind an undo journal, and undone from it
//! ([`apply`]). It sits above the gate and the report: it reads the
//! verdict the privileges check gives and renders through `report::grant`.

pub mod apply;
pub mod explain;
pub mod gather;
pub mod plan;

pub use apply::{ApplyContext, GrantError, Journal, apply, default_journal, read_journal, undo};
pub use gather::{Gathered, gather};
pub use plan::{Inputs, Options, Plan, PlanError, plan};
