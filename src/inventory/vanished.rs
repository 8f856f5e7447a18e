//! An object the inventory pass saw that a later call of the same run found
//! gone (`ManagedObjectNotFound`): someone deleted or changed it meanwhile.
//! Not a connection failure: the checks that read it cannot be judged, the
//! others keep their verdicts.

use serde::{Deserialize, Serialize};

use super::Snapshot;
use crate::vsphere::MoRef;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vanished {
    /// The object the server said does not exist, when it named one.
    pub object: Option<MoRef>,
    /// The call that found it gone.
    pub step: String,
    /// The checks that read that call's answers.
    pub checks: Vec<String>,
}

impl Vanished {
    /// From a `ManagedObjectNotFound` fault, `None` for any other error.
    pub fn from_error(e: &crate::vsphere::Error, checks: &[&str]) -> Option<Vanished> {
        let object = e.managed_object_not_found()?;
        let step = match e {
            crate::vsphere::Error::Fault { step, .. } => step.clone(),
            _ => String::new(),
        };
        Some(Vanished {
            object: object.cloned(),
            step,
            checks: checks.iter().map(|c| c.to_string()).collect(),
        })
    }

    /// The not-verified reason: the object (with its path as the
    /// inventory pass saw it) and what to do.
    pub fn reason(&self, snap: &Snapshot) -> String {
        let what = match &self.object {
            Some(m) => match snap.get(m) {
                Some(e) => format!("{m} ({})", e.path),
                None => m.to_string(),
            },
            None => "an object the inventory read".into(),
        };
        format!(
            "the vCenter answered {} that {what} does not exist: it was deleted or changed during the run: run again",
            self.step
        )
    }
}
