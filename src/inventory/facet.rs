//! The parts of the inventory a check reads ("facets"), each a set of
//! managed object types and property paths. A command asks the property
//! collector for the union its checks declare (in the registry), not for
//! the whole inventory: at 10,000 VMs the VMs are nearly all the bytes, and
//! a folder or pool listing never looks at them.

use crate::config::TargetKind;
use crate::vsphere::PropertySpec;

/// One part of the inventory. Paths of every entity follow the parent
/// chain, so each facet brings the facets its parents live in (`closed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// Folders: name, parent, the kinds of children each may hold.
    Folders,
    Datacenters,
    /// Standalone hosts' compute resources and clusters (hosts, HA).
    Compute,
    /// ESXi hosts: connection, maintenance, version, core speed.
    Hosts,
    /// Resource pools and vApps: owner, unreserved memory and CPU.
    Pools,
    /// Every property of every VM the checks read.
    Vms,
    /// What the templates check and the template target read: every VM's
    /// `config.template`, then name, place and creation date of the
    /// templates alone (`Facet::selects`).
    Templates,
    /// How many VMs there are (the support matrix's 9,500), nothing else.
    VmCount,
    /// Datastores: space, URL, the hosts that mount them.
    Datastores,
    Networks,
    /// Distributed switches (the `--switch` target).
    Switches,
}

impl Facet {
    /// What finding a target of this kind in the inventory reads.
    pub fn of_target(t: TargetKind) -> Facet {
        match t {
            TargetKind::Datacenter => Facet::Datacenters,
            TargetKind::Folder => Facet::Folders,
            TargetKind::Pool => Facet::Pools,
            TargetKind::Datastore => Facet::Datastores,
            TargetKind::Network | TargetKind::Portgroup => Facet::Networks,
            TargetKind::Template => Facet::Templates,
            TargetKind::Cluster => Facet::Compute,
            TargetKind::Host => Facet::Hosts,
            TargetKind::Switch => Facet::Switches,
        }
    }

    const ALL: [Facet; 11] = [
        Facet::Folders,
        Facet::Datacenters,
        Facet::Compute,
        Facet::Hosts,
        Facet::Pools,
        Facet::Vms,
        Facet::Templates,
        Facet::VmCount,
        Facet::Datastores,
        Facet::Networks,
        Facet::Switches,
    ];

    fn bit(self) -> u16 {
        1 << self as u16
    }

    /// What it is, for a reason that names what was not read.
    pub fn what(self) -> &'static str {
        match self {
            Facet::Folders => "folders",
            Facet::Datacenters => "datacenters",
            Facet::Compute => "clusters and compute resources",
            Facet::Hosts => "ESXi hosts",
            Facet::Pools => "resource pools and vApps",
            Facet::Vms => "virtual machines",
            Facet::Templates => "templates",
            Facet::VmCount => "the VM count",
            Facet::Datastores => "datastores",
            Facet::Networks => "networks",
            Facet::Switches => "distributed switches",
        }
    }

    /// The facets an entity of this facet hangs from, for its path: every
    /// path runs through folders and datacenters; pools hang from compute
    /// resources, hosts from compute resources, VMs may sit in vApps.
    fn parents(self) -> &'static [Facet] {
        match self {
            Facet::VmCount => &[],
            // A folder's path runs through its datacenter, and back up
            // through the folders above it.
            Facet::Folders => &[Facet::Datacenters],
            Facet::Datacenters => &[Facet::Folders],
            Facet::Datastores | Facet::Networks | Facet::Switches => {
                &[Facet::Folders, Facet::Datacenters]
            }
            Facet::Compute => &[Facet::Folders, Facet::Datacenters],
            Facet::Hosts | Facet::Pools => &[Facet::Compute],
            Facet::Vms | Facet::Templates => &[Facet::Pools],
        }
    }

    fn specs(self) -> &'static [PropertySpec<'static>] {
        match self {
            Facet::Folders => &[PropertySpec {
                kind: "Folder",
                paths: &["name", "parent", "childType"],
            }],
            Facet::Datacenters => &[PropertySpec {
                kind: "Datacenter",
                paths: &["name", "parent"],
            }],
            Facet::Compute => &[
                PropertySpec {
                    kind: "ComputeResource",
                    paths: &["name", "parent", "host"],
                },
                PropertySpec {
                    kind: "ClusterComputeResource",
                    // HA: `configurationEx` (whole, see `Value::ClusterHa`),
                    // else the deprecated `configuration`, which older
                    // servers fill alone.
                    paths: &[
                        "name",
                        "parent",
                        "host",
                        "configurationEx",
                        "configuration.dasConfig.enabled",
                    ],
                },
            ],
            Facet::Hosts => &[PropertySpec {
                kind: "HostSystem",
                paths: &[
                    "name",
                    "parent",
                    "runtime.connectionState",
                    "runtime.inMaintenanceMode",
                    "config.product.version",
                    "summary.hardware.cpuMhz",
                ],
            }],
            Facet::Pools => &[
                PropertySpec {
                    kind: "ResourcePool",
                    paths: &[
                        "name",
                        "parent",
                        "owner",
                        "runtime.memory.unreservedForVm",
                        "runtime.cpu.unreservedForVm",
                    ],
                },
                PropertySpec {
                    kind: "VirtualApp",
                    paths: &[
                        "name",
                        "parent",
                        "owner",
                        "parentFolder",
                        "runtime.memory.unreservedForVm",
                        "runtime.cpu.unreservedForVm",
                    ],
                },
            ],
            Facet::Vms => &[PropertySpec {
                kind: "VirtualMachine",
                paths: &[
                    "name",
                    "parent",
                    "parentVApp",
                    "resourcePool",
                    "config.template",
                    "config.createDate",
                    "config.uuid",
                    "summary.config.vmPathName",
                    "runtime.powerState",
                ],
            }],
            // The rest is read for the templates alone (`selects`).
            Facet::Templates => &[PropertySpec {
                kind: "VirtualMachine",
                paths: &["config.template"],
            }],
            Facet::VmCount => &[PropertySpec {
                kind: "VirtualMachine",
                paths: &["config.template"],
            }],
            Facet::Datastores => &[PropertySpec {
                kind: "Datastore",
                paths: &[
                    "name",
                    "parent",
                    "summary.freeSpace",
                    "summary.capacity",
                    "summary.url",
                    "host",
                ],
            }],
            Facet::Networks => &[PropertySpec {
                kind: "Network",
                paths: &["name", "parent"],
            }],
            Facet::Switches => &[PropertySpec {
                kind: "DistributedVirtualSwitch",
                paths: &["name", "parent"],
            }],
        }
    }
}

/// Properties a facet reads only for the objects of `kind` whose boolean
/// property `when` is true: templates are a few dozen of 10,000 VMs, so
/// their names and places are asked for by reference after every VM was
/// asked for `config.template` alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Select {
    pub kind: &'static str,
    pub when: &'static str,
    pub paths: &'static [&'static str],
}

impl Facet {
    /// The facet's second pass, if it reads some properties of only the
    /// objects its first-pass `specs` select (`Select::when` must be among
    /// them).
    fn selects(self) -> Option<Select> {
        match self {
            Facet::Templates => Some(Select {
                kind: "VirtualMachine",
                when: "config.template",
                paths: &["name", "parent", "parentVApp", "config.createDate"],
            }),
            _ => None,
        }
    }
}

/// The second pass of a collection: `paths` of the objects of `kind` the
/// first pass found `when` true on. `paths` starts with `when`, read again:
/// an object that changed between the passes is judged as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondPass {
    pub kind: &'static str,
    pub when: &'static str,
    pub paths: Vec<&'static str>,
}

/// What one collection asks the property collector: every object of the
/// `first` types through the view, then each `second` pass by reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub first: Vec<(&'static str, Vec<&'static str>)>,
    pub second: Vec<SecondPass>,
}

/// A set of facets: what a command collects, and what a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facets(u16);

impl Facets {
    pub const NONE: Facets = Facets(0);

    /// Everything any check reads: what `--save` writes, and what an
    /// offline snapshot holds.
    pub fn all() -> Facets {
        Facets::of(&Facet::ALL)
    }

    pub fn of(facets: &[Facet]) -> Facets {
        Facets(facets.iter().fold(0, |a, f| a | f.bit()))
    }

    pub fn with(self, other: Facets) -> Facets {
        Facets(self.0 | other.0)
    }

    pub fn has(self, f: Facet) -> bool {
        self.0 & f.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Facet> {
        Facet::ALL.into_iter().filter(move |f| self.has(*f))
    }

    /// With what every member's path runs through.
    pub fn closed(self) -> Facets {
        let mut s = self;
        loop {
            let next = s.iter().fold(s, |acc, f| acc.with(Facets::of(f.parents())));
            if next == s {
                return s;
            }
            s = next;
        }
    }

    /// The first of `needed` this set lacks.
    pub fn missing(self, needed: Facets) -> Option<Facet> {
        needed.iter().find(|f| !self.has(*f))
    }

    /// The passes that read the set. A selection whose paths the first
    /// pass already reads for every object (the VMs facet reads all a
    /// template's) needs no second pass, and costs no round trip.
    pub fn plan(self) -> Plan {
        let first = self.specs();
        let mut second: Vec<SecondPass> = Vec::new();
        for sel in self.iter().filter_map(Facet::selects) {
            let have = first
                .iter()
                .find(|(k, _)| *k == sel.kind)
                .map_or(&[][..], |(_, p)| p.as_slice());
            debug_assert!(have.contains(&sel.when), "a selection reads its flag first");
            let lacking = sel.paths.iter().filter(|p| !have.contains(p));
            let at = match second
                .iter()
                .position(|s| s.kind == sel.kind && s.when == sel.when)
            {
                Some(i) => i,
                None => {
                    second.push(SecondPass {
                        kind: sel.kind,
                        when: sel.when,
                        paths: vec![sel.when],
                    });
                    second.len() - 1
                }
            };
            for p in lacking {
                if !second[at].paths.contains(p) {
                    second[at].paths.push(p);
                }
            }
        }
        second.retain(|s| s.paths.len() > 1);
        Plan { first, second }
    }

    /// One first-pass property spec per type, the union of the members'
    /// paths, in a stable order (types as `Facet` lists them, paths as
    /// first named).
    pub fn specs(self) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for f in self.iter() {
            for s in f.specs() {
                let at = match out.iter().position(|(k, _)| *k == s.kind) {
                    Some(i) => i,
                    None => {
                        out.push((s.kind, Vec::new()));
                        out.len() - 1
                    }
                };
                for p in s.paths {
                    if !out[at].1.contains(p) {
                        out[at].1.push(p);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(f: Facets) -> Vec<&'static str> {
        f.specs().into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn folders_read_folders_and_datacenters_only() {
        let f = Facets::of(&[Facet::Folders]).closed();
        assert_eq!(
            kinds(f.with(Facets::of(&[Facet::Datacenters]))),
            ["Folder", "Datacenter"]
        );
    }

    #[test]
    fn pools_bring_their_parents_for_paths() {
        let k = kinds(Facets::of(&[Facet::Pools]).closed());
        for t in [
            "Folder",
            "Datacenter",
            "ComputeResource",
            "ClusterComputeResource",
            "ResourcePool",
            "VirtualApp",
        ] {
            assert!(k.contains(&t), "{t} missing from {k:?}");
        }
        assert!(!k.contains(&"VirtualMachine"));
        assert!(!k.contains(&"HostSystem"));
    }

    fn vm_paths(p: &Plan) -> Vec<&'static str> {
        p.first
            .iter()
            .filter(|(k, _)| *k == "VirtualMachine")
            .flat_map(|(_, p)| p.clone())
            .collect()
    }

    #[test]
    fn templates_read_every_vm_for_the_flag_and_templates_by_reference() {
        let plan = Facets::of(&[Facet::VmCount, Facet::Templates]).plan();
        assert_eq!(vm_paths(&plan), ["config.template"]);
        assert_eq!(
            plan.second,
            [SecondPass {
                kind: "VirtualMachine",
                when: "config.template",
                paths: vec![
                    "config.template",
                    "name",
                    "parent",
                    "parentVApp",
                    "config.createDate"
                ],
            }]
        );
    }

    #[test]
    fn templates_beside_every_vm_take_one_pass() {
        let plan = Facets::of(&[Facet::Vms, Facet::Templates]).closed().plan();
        assert!(plan.second.is_empty(), "{:?}", plan.second);
        let vm = vm_paths(&plan);
        for p in ["name", "parent", "parentVApp", "config.createDate"] {
            assert!(vm.contains(&p), "{p} missing from {vm:?}");
        }
    }

    #[test]
    fn facets_without_a_selection_take_one_pass() {
        let plan = Facets::of(&[Facet::Pools, Facet::VmCount]).closed().plan();
        assert!(plan.second.is_empty());
        assert_eq!(vm_paths(&plan), ["config.template"]);
    }

    #[test]
    fn all_is_every_type_the_checks_read() {
        assert_eq!(
            kinds(Facets::all()),
            [
                "Folder",
                "Datacenter",
                "ComputeResource",
                "ClusterComputeResource",
                "HostSystem",
                "ResourcePool",
                "VirtualApp",
                "VirtualMachine",
                "Datastore",
                "Network",
                "DistributedVirtualSwitch"
            ]
        );
    }

    /// benches/scale.sh compares vaudit's whole-inventory read with the
    /// pyVmomi peer's: the peer must ask for the same types and paths.
    #[test]
    fn the_pyvmomi_peer_reads_what_a_saved_snapshot_reads() {
        let peer = include_str!("../../benches/pyvmomi_inventory.py");
        let specs = peer
            .split_once("SPECS = [")
            .and_then(|(_, r)| r.split_once("\n]\n"))
            .map(|(s, _)| s)
            .expect("SPECS in the peer");
        let plan = Facets::all().plan();
        assert!(plan.second.is_empty());
        for (kind, paths) in &plan.first {
            let at = specs
                .find(&format!("vim.{kind},"))
                .unwrap_or_else(|| panic!("the peer does not read {kind}"));
            let entry = &specs[at..];
            let entry = &entry[..entry.find("),").unwrap_or(entry.len())];
            for p in paths {
                assert!(
                    entry.contains(&format!("\"{p}\"")),
                    "the peer does not read {kind}.{p}"
                );
            }
            assert_eq!(
                entry.matches('"').count(),
                2 * paths.len(),
                "the peer reads more of {kind} than vaudit: {entry}"
            );
        }
        assert_eq!(specs.matches("vim.").count(), plan.first.len());
    }

    #[test]
    fn missing_names_the_first_absent_facet() {
        let have = Facets::of(&[Facet::Folders]);
        assert_eq!(
            have.missing(Facets::of(&[Facet::Folders, Facet::Vms])),
            Some(Facet::Vms)
        );
        assert_eq!(have.missing(have), None);
    }
}
