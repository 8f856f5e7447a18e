//! An object the inventory pass saw that a later call of the same run found
//! gone (`ManagedObjectNotFound`): someone deleted or changed it meanwhile.
//! Not a connection failure: the checks that read it cannot be judged, the
//! others keep their verdicts.

use serde::{Deserialize, Deserializer, Serialize};

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

    /// The not-verified reason: what happened, and what to do.
    pub fn reason(&self, snap: &Snapshot) -> String {
        format!("{}: run again", self.what(snap))
    }

    /// What happened: the object (with its path as the inventory pass saw
    /// it) was deleted or changed, and which call found out.
    pub fn what(&self, snap: &Snapshot) -> String {
        let what = match &self.object {
            Some(m) => match snap.get(m) {
                Some(e) => format!("{m} ({})", e.path),
                None => m.to_string(),
            },
            None => "an object the inventory read".into(),
        };
        format!(
            "the vCenter answered {} that {what} does not exist: it was deleted or changed during the run",
            self.step
        )
    }
}

/// A snapshot's `vanished`: a list, or the single object earlier versions
/// wrote.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vanished>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Saved {
        Many(Vec<Vanished>),
        One(Box<Vanished>),
    }
    Ok(match Option::<Saved>::deserialize(d)? {
        Some(Saved::Many(v)) => v,
        Some(Saved::One(v)) => vec![*v],
        None => vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Saved {
        #[serde(default, deserialize_with = "one_or_many")]
        vanished: Vec<Vanished>,
    }

    /// A snapshot written before a run could record several steps holds
    /// one object: it still reads, as a list of one.
    #[test]
    fn a_snapshot_with_one_vanished_object_still_reads() {
        let one = r#"{"vanished":{"object":{"type":"VirtualMachine","value":"vm-1"},"step":"QueryPerf","checks":["datastore-latency"]}}"#;
        let many = r#"{"vanished":[{"object":null,"step":"s","checks":[]},{"object":null,"step":"t","checks":[]}]}"#;
        let read = |s: &str| serde_json::from_str::<Saved>(s).unwrap().vanished;
        assert_eq!(read(one).len(), 1);
        assert_eq!(read(one)[0].step, "QueryPerf");
        assert_eq!(read(many).len(), 2);
        assert!(read("{}").is_empty());
        assert!(read(r#"{"vanished":null}"#).is_empty());
    }
}
