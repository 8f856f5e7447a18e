//! The inventory snapshot one collection pass produces. It is plain data
//! (serde), so it can be saved with `--save` and audited offline with
//! `--from`; the checks read only this.

pub mod appliance;
pub mod checked_on;
mod collect;
mod facet;
pub mod privileges;
pub mod targets;
mod tree;
pub mod vanished;
pub mod visibility;

use std::path::Path;

use hashbrown::HashTable;
use serde::{Deserialize, Serialize};

pub use crate::vsphere::HostMount;
pub use crate::vsphere::MoRef;
pub use crate::vsphere::VmEvent;
pub use collect::{FirstPass, TEMPLATE_EVENTS, collect, first_pass};
pub use facet::{Facet, Facets, Plan, SecondPass};
pub use privileges::{Membership, PrivilegeAnswers};
pub use targets::{TargetError, TargetSpec, Targets, resolve_each};

/// Raised whenever a field the offline checks need is added: an older
/// snapshot lacks it, and an offline run must not mistake "absent" for
/// "nothing there".
pub const SNAPSHOT_SCHEMA: &str = "vaudit-snapshot/v2";

/// One managed entity with the properties any check reads. Fields that do
/// not apply to an entity's type are absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub moref: MoRef,
    pub name: String,
    /// The inventory path as govc writes it: `/DC0/vm/Arc`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<MoRef>,
    /// Folder: the kinds of children it may hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_types: Vec<String>,
    /// ResourcePool / VirtualApp: the compute resource it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<MoRef>,
    /// VirtualMachine: its pool (absent for templates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_pool: Option<MoRef>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub template: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_path: Option<String>,
    /// ClusterComputeResource: whether vSphere HA is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha_enabled: Option<bool>,
    /// Datastore: free and total bytes, URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_space: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Datastore: the hosts that mount it (`host[]`). `None` when it was not
    /// read (an older snapshot, or no access): unknown, never "no hosts".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mounts: Option<Vec<HostMount>>,
    /// ComputeResource / ClusterComputeResource: its hosts (`host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<MoRef>>,
    /// HostSystem: `runtime.connectionState` (`connected`, `disconnected`,
    /// `notResponding`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_state: Option<String>,
    /// HostSystem: `runtime.inMaintenanceMode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_maintenance: Option<bool>,
    /// HostSystem: the ESXi version (`config.product.version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
    /// HostSystem: the speed of one core in MHz (`summary.hardware.cpuMhz`),
    /// to turn vCPUs into the MHz a pool's reservations are counted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_mhz: Option<i64>,
    /// ResourcePool / VirtualApp: `runtime.memory.unreservedForVm` (bytes),
    /// which already counts what an expandable reservation may borrow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreserved_memory: Option<i64>,
    /// ResourcePool / VirtualApp: `runtime.cpu.unreservedForVm` (MHz).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreserved_cpu: Option<i64>,
}

impl Entity {
    pub fn kind(&self) -> &str {
        &self.moref.kind
    }
}

/// Entities by reference: their positions in a list, each found again by
/// the reference the entity at that position holds. A map keyed by a copy
/// of each reference would cost about 100 bytes an entity (5 MB at
/// vCenter's maximum); a position costs 4 and a control byte.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index(HashTable<u32>);

impl Index {
    /// Every entity of `entities`; a reference listed twice is found at
    /// its last place, as in a map built from the list.
    fn of(entities: &[Entity]) -> Index {
        let mut index = Index(HashTable::with_capacity(entities.len()));
        for i in 0..entities.len() {
            index.insert(entities, i);
        }
        index
    }

    /// Files `entities[i]` under its reference.
    pub(crate) fn insert(&mut self, entities: &[Entity], i: usize) {
        let at = u32::try_from(i).expect("fewer entities than u32::MAX");
        let m = &entities[i].moref;
        let entry = self.0.entry(
            hash_of(m),
            |&j| entities[j as usize].moref == *m,
            |&j| hash_of(&entities[j as usize].moref),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(mut o) => *o.get_mut() = at,
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(at);
            }
        }
    }

    pub(crate) fn find(&self, entities: &[Entity], m: &MoRef) -> Option<usize> {
        self.0
            .find(hash_of(m), |&i| entities[i as usize].moref == *m)
            .map(|&i| i as usize)
    }

    /// Forgets `m`; the entity at its place may change afterwards.
    pub(crate) fn remove(&mut self, entities: &[Entity], m: &MoRef) {
        if let Ok(o) = self
            .0
            .find_entry(hash_of(m), |&i| entities[i as usize].moref == *m)
        {
            o.remove();
        }
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

fn hash_of(m: &MoRef) -> u64 {
    m.hashed()
}

/// `{type, moref, name, path}`: how every report names an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub moref: String,
    pub name: String,
    pub path: String,
}

impl From<&Entity> for EntityRef {
    fn from(e: &Entity) -> Self {
        EntityRef {
            kind: e.moref.kind.to_string(),
            moref: e.moref.value.clone(),
            name: e.name.clone(),
            path: e.path.clone(),
        }
    }
}

/// Where a snapshot came from: the `vcenter` block of every report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VCenter {
    pub url: String,
    pub product: String,
    pub version: String,
    pub build: String,
    pub api_version: String,
    pub instance_uuid: String,
    pub user: String,
    /// Whether certificate verification was skipped for this run.
    pub insecure: bool,
    /// The proxy the session went through, and who named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyUsed>,
}

/// A proxy in the path, as reports name it: its address without any
/// credentials, and the variable (or `--proxy`) that named it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyUsed {
    pub url: String,
    pub source: String,
}

impl From<&crate::vsphere::Proxy> for ProxyUsed {
    fn from(p: &crate::vsphere::Proxy) -> Self {
        let url = reqwest::Url::parse(&p.url)
            .map(|mut u| {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.to_string().trim_end_matches('/').to_string()
            })
            .unwrap_or_else(|_| p.shown.clone());
        ProxyUsed {
            url,
            source: p.var.to_string(),
        }
    }
}

/// What one collection pass saw.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    /// RFC 3339, this machine's clock.
    pub collected_at: String,
    pub vcenter: VCenter,
    pub root: MoRef,
    pub entities: Vec<Entity>,
    /// Deploy, clone and removal events, oldest first; `None` when they
    /// were not collected (the template history is then unknown, not empty).
    pub events: Option<Vec<VmEvent>>,
    /// The vCenter's own clock when the snapshot was taken (RFC 3339).
    #[serde(default)]
    pub server_time: Option<String>,
    /// The privilege and permission answers for the targets, when a
    /// privilege audit ran in the collecting session.
    #[serde(default)]
    pub privileges: Option<PrivilegeAnswers>,
    /// The target datastore's latency samples, when the datastore-latency
    /// check ran in the collecting session (absent in older snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastore_latency: Option<appliance::DatastoreLatency>,
    /// Whether the inventory read may be partial, when it was asked.
    #[serde(default)]
    pub visibility: Option<visibility::Visibility>,
    /// The objects calls after the inventory pass found deleted, one per
    /// step: the checks that read them are not verified. (A snapshot of an
    /// earlier version holds one object here, not a list.)
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "vanished::one_or_many"
    )]
    pub vanished: Vec<vanished::Vanished>,
    /// What of the inventory was read. Not saved: `--save` always collects
    /// everything, so a snapshot read back holds every facet.
    #[serde(skip, default = "Facets::all")]
    pub facets: Facets,
    /// The entities by reference: positions only, found again by the
    /// reference they hold (a map keyed by a copy of each reference would
    /// cost 100 bytes an entity, 5 MB at vCenter's maximum).
    #[serde(skip)]
    index: Index,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read the snapshot {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not a vaudit inventory snapshot: {reason}")]
    Format { path: String, reason: String },
    #[error("cannot write the snapshot {path}: {reason}")]
    Write { path: String, reason: String },
}

impl Snapshot {
    /// Builds a snapshot from entities whose paths are not yet known.
    pub fn new(
        vcenter: VCenter,
        root: MoRef,
        entities: Vec<Entity>,
        events: Option<Vec<VmEvent>>,
        collected_at: String,
    ) -> Snapshot {
        let mut s = Snapshot {
            schema: SNAPSHOT_SCHEMA.into(),
            collected_at,
            vcenter,
            root,
            entities,
            events,
            server_time: None,
            privileges: None,
            datastore_latency: None,
            visibility: None,
            vanished: Vec::new(),
            facets: Facets::all(),
            index: Index::default(),
        };
        tree::assign_paths(&mut s.entities, &s.root);
        // In place: a stable sort would borrow half the entities again
        // (13 MB at vCenter's maximum, the peak of the whole read), and a
        // reference appears once, so no two entities compare equal.
        s.entities
            .sort_unstable_by(|a, b| a.path.cmp(&b.path).then(a.moref.cmp(&b.moref)));
        s.reindex();
        s
    }

    fn reindex(&mut self) {
        self.index = Index::of(&self.entities);
    }

    pub fn get(&self, m: &MoRef) -> Option<&Entity> {
        self.index
            .find(&self.entities, m)
            .map(|i| &self.entities[i])
    }

    pub fn of_kind<'a>(&'a self, kinds: &'a [&'a str]) -> impl Iterator<Item = &'a Entity> + 'a {
        self.entities
            .iter()
            .filter(move |e| kinds.contains(&e.kind()))
    }

    /// The nearest ancestor (or the entity itself) of one of `kinds`.
    pub fn ancestor_of_kind<'a>(&'a self, e: &'a Entity, kinds: &[&str]) -> Option<&'a Entity> {
        let mut cur = Some(e);
        // Bounded by the entity count: a parent cycle in garbage data ends.
        for _ in 0..=self.entities.len() {
            let c = cur?;
            if kinds.contains(&c.kind()) {
                return Some(c);
            }
            cur = c.parent.as_ref().and_then(|p| self.get(p));
        }
        None
    }

    pub fn datacenter_of<'a>(&'a self, e: &'a Entity) -> Option<&'a Entity> {
        self.ancestor_of_kind(e, &["Datacenter"])
    }

    pub fn save(&self, path: &Path) -> Result<(), SnapshotError> {
        let err = |reason: String| SnapshotError::Write {
            path: path.display().to_string(),
            reason,
        };
        // Written as it is serialised: at vCenter's maximum the text is
        // larger than the inventory it describes, and is never held whole.
        use std::io::Write;
        let file = std::fs::File::create(path).map_err(|e| err(e.to_string()))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
        serde_json::to_writer_pretty(&mut out, self).map_err(|e| err(e.to_string()))?;
        out.flush().map_err(|e| err(e.to_string()))
    }

    pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
        let shown = path.display().to_string();
        let bytes = crate::files::read_bounded(path, crate::files::MAX_SNAPSHOT).map_err(|e| {
            SnapshotError::Read {
                path: shown.clone(),
                reason: e.to_string(),
            }
        })?;
        // The schema first, so an old snapshot gets the sentence that says
        // what to do rather than a missing-field error.
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
        }
        let head: Head = serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Format {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        match head.schema.as_deref() {
            Some(SNAPSHOT_SCHEMA) => {}
            Some(other) => {
                return Err(SnapshotError::Format {
                    path: shown,
                    reason: format!(
                        "its schema is {other:?}, and this vaudit reads {SNAPSHOT_SCHEMA:?} only; write it again with --save"
                    ),
                });
            }
            None => {
                return Err(SnapshotError::Format {
                    path: shown,
                    reason: "it has no schema field".into(),
                });
            }
        }
        let mut s: Snapshot =
            serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Format {
                path: shown.clone(),
                reason: crate::files::withhold_quoted(&e.to_string()),
            })?;
        s.reindex();
        Ok(s)
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Hand-built snapshots for the checks' unit tests.
    use super::*;

    pub struct Builder {
        entities: Vec<Entity>,
        events: Vec<VmEvent>,
    }

    pub fn root() -> MoRef {
        MoRef::new("Folder", "group-d1")
    }

    impl Builder {
        pub fn new() -> Self {
            Builder {
                entities: vec![],
                events: vec![],
            }
        }

        pub fn add(&mut self, kind: &str, id: &str, name: &str, parent: &MoRef) -> MoRef {
            let m = MoRef::new(kind, id);
            self.entities.push(Entity {
                moref: m.clone(),
                name: name.into(),
                parent: Some(parent.clone()),
                ..Default::default()
            });
            m
        }

        pub fn with(&mut self, m: &MoRef, f: impl FnOnce(&mut Entity)) {
            let e = self.entities.iter_mut().find(|e| &e.moref == m).unwrap();
            f(e);
        }

        pub fn folder(&mut self, id: &str, name: &str, parent: &MoRef, types: &[&str]) -> MoRef {
            let m = self.add("Folder", id, name, parent);
            self.with(&m, |e| {
                e.child_types = types.iter().map(|s| s.to_string()).collect()
            });
            m
        }

        pub fn event(&mut self, key: i64, kind: &str, vm: &MoRef, source: Option<&MoRef>) {
            self.events.push(VmEvent {
                key,
                kind: kind.into(),
                created: "2026-01-01T00:00:00Z".into(),
                user: String::new(),
                vm: Some(vm.clone()),
                vm_name: String::new(),
                source: source.cloned(),
            });
        }

        pub fn build(self) -> Snapshot {
            Snapshot::new(
                VCenter {
                    url: "https://vc.example.com/sdk".into(),
                    ..Default::default()
                },
                root(),
                self.entities,
                Some(self.events),
                "2026-11-23T00:00:00Z".into(),
            )
        }
    }

    /// A datacenter with its four standard folders, a cluster with HA and a
    /// child pool, a standalone host, and an `Arc` VM folder.
    #[allow(dead_code)]
    pub struct Dc {
        pub b: Builder,
        pub dc: MoRef,
        pub vm: MoRef,
        pub host: MoRef,
        pub datastore: MoRef,
        pub network: MoRef,
        pub arc: MoRef,
        pub cluster: MoRef,
        pub cluster_pool: MoRef,
        pub child_pool: MoRef,
        pub standalone: MoRef,
        pub host_pool: MoRef,
    }

    pub fn datacenter() -> Dc {
        let mut b = Builder::new();
        let dc = b.add("Datacenter", "datacenter-2", "DC0", &root());
        let vm = b.folder(
            "group-v3",
            "vm",
            &dc,
            &["Folder", "VirtualMachine", "VirtualApp"],
        );
        let host = b.folder("group-h4", "host", &dc, &["Folder", "ComputeResource"]);
        let datastore = b.folder(
            "group-s5",
            "datastore",
            &dc,
            &["Folder", "Datastore", "StoragePod"],
        );
        let network = b.folder(
            "group-n6",
            "network",
            &dc,
            &["Folder", "Network", "DistributedVirtualSwitch"],
        );
        let arc = b.folder(
            "group-v7",
            "Arc",
            &vm,
            &["Folder", "VirtualMachine", "VirtualApp"],
        );
        let cluster = b.add("ClusterComputeResource", "domain-c8", "C0", &host);
        b.with(&cluster, |e| e.ha_enabled = Some(true));
        let cluster_pool = b.add("ResourcePool", "resgroup-9", "Resources", &cluster);
        b.with(&cluster_pool, |e| e.owner = Some(cluster.clone()));
        let child_pool = b.add("ResourcePool", "resgroup-10", "Arc", &cluster_pool);
        b.with(&child_pool, |e| e.owner = Some(cluster.clone()));
        let standalone = b.add("ComputeResource", "domain-s11", "esx1.example.com", &host);
        let host_pool = b.add("ResourcePool", "resgroup-12", "Resources", &standalone);
        b.with(&host_pool, |e| e.owner = Some(standalone.clone()));
        Dc {
            b,
            dc,
            vm,
            host,
            datastore,
            network,
            arc,
            cluster,
            cluster_pool,
            child_pool,
            standalone,
            host_pool,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;

    #[test]
    fn paths_follow_the_parent_chain() {
        let d = datacenter();
        let (arc, pool) = (d.arc.clone(), d.child_pool.clone());
        let s = d.b.build();
        assert_eq!(s.get(&arc).unwrap().path, "/DC0/vm/Arc");
        assert_eq!(s.get(&pool).unwrap().path, "/DC0/host/C0/Resources/Arc");
    }

    #[test]
    fn save_and_load_round_trip() {
        let s = datacenter().b.build();
        let dir = std::env::temp_dir().join(format!("vaudit-snap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("s.json");
        s.save(&p).unwrap();
        let back = Snapshot::load(&p).unwrap();
        assert_eq!(back.entities, s.entities);
        assert!(back.get(&MoRef::new("Folder", "group-v7")).is_some());
        std::fs::write(&p, b"{\"schema\": \"other\"}").unwrap();
        assert!(Snapshot::load(&p).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_entity_is_found_by_its_reference_and_no_other() {
        let s = datacenter().b.build();
        for e in &s.entities {
            assert_eq!(s.get(&e.moref), Some(e));
        }
        assert_eq!(s.get(&MoRef::new("Folder", "group-v404")), None);
        assert_eq!(
            s.get(&MoRef::new("VirtualMachine", "group-v7")),
            None,
            "the type is part of the reference"
        );
    }

    #[test]
    fn entities_sort_by_path_then_reference_as_a_stable_sort_would() {
        let s = datacenter().b.build();
        let mut stable = s.entities.clone();
        stable.sort_by(|a, b| a.path.cmp(&b.path).then(a.moref.cmp(&b.moref)));
        assert_eq!(s.entities, stable);
    }

    #[test]
    fn a_reference_listed_twice_is_found_at_its_last_place() {
        let m = MoRef::new("Folder", "group-v9");
        let twice = |name: &str| Entity {
            moref: m.clone(),
            name: name.into(),
            ..Default::default()
        };
        let index = Index::of(&[twice("first"), twice("second")]);
        assert_eq!(index.find(&[twice("first"), twice("second")], &m), Some(1));
    }

    #[test]
    fn a_removed_reference_is_not_found_and_the_others_still_are() {
        let s = datacenter().b.build();
        let mut index = Index::of(&s.entities);
        let gone = s.entities[1].moref.clone();
        index.remove(&s.entities, &gone);
        assert_eq!(index.find(&s.entities, &gone), None);
        for (i, e) in s.entities.iter().enumerate().filter(|(i, _)| *i != 1) {
            assert_eq!(index.find(&s.entities, &e.moref), Some(i));
        }
    }
}
