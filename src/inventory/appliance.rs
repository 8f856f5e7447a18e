//! What a diagnosis gathers about the deployed appliance, and the target
//! datastore's latency samples: plain data the checks read.

use serde::{Deserialize, Serialize};

use crate::vsphere::{Event, HostSeries, MoRef, StatsInterval, VmGuest};

/// The target datastore's write latency over the last hour, per host that
/// mounts it. Saved in snapshots (`--save`), so an offline run can judge it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatastoreLatency {
    pub datastore: MoRef,
    /// The volume UUID the counters are kept under.
    pub instance: String,
    /// The id of `datastore.totalWriteLatency.average`; `None` when this
    /// vCenter has no such counter.
    pub counter: Option<i32>,
    pub intervals: Vec<StatsInterval>,
    /// The connected hosts that mount the datastore: the ones asked.
    pub hosts: Vec<MoRef>,
    /// The hosts that answered with samples.
    pub series: Vec<HostSeries>,
    /// The window asked for, the vCenter's clock (RFC 3339).
    pub start: String,
    pub end: String,
}

/// How the appliance VM was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// A guest address is the control-plane endpoint or in the node pool.
    GuestIp,
    /// Deployed from the configured template (vCenter's event history).
    Template,
    NotFound,
}

/// The control-plane probe, run from this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// `address:port`.
    pub target: String,
    /// `None` when it answered; otherwise why not.
    pub error: Option<String>,
}

/// Everything `vaudit diagnose` gathered about the appliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appliance {
    /// The addresses searched for (control plane first, then the node pool).
    pub searched: Vec<String>,
    /// The configured template's name, when the search fell back to it.
    pub template: Option<String>,
    pub found_by: FoundBy,
    pub vms: Vec<VmGuest>,
    /// `BadUsernameSessionEvent`s from an address of the appliance (the
    /// configured ones and those its VMs report).
    pub bad_logins: Vec<Event>,
    /// Recent lifecycle events of the appliance VMs.
    pub events: Vec<Event>,
}

/// The lifecycle events a diagnosis lists as notes.
pub const LIFECYCLE_EVENTS: &[&str] = &[
    "VmPoweredOffEvent",
    "VmPoweredOnEvent",
    "VmSuspendedEvent",
    "VmResettingEvent",
    "VmGuestRebootEvent",
    "VmGuestShutdownEvent",
    "VmMigratedEvent",
    "DrsVmMigratedEvent",
    "VmRelocatedEvent",
    "VmReconfiguredEvent",
    "VmRestartedOnAlternateHostEvent",
    "VmFailoverFailed",
    "VmDasBeingResetEvent",
    "VmDasResetFailedEvent",
];
