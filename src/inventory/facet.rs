//! The parts of the inventory a check reads ("facets"), each a set of
//! managed object types and property paths. A command asks the property
//! collector for the union its checks declare (in the registry), not for
//! the whole inventory: at 10,000 VMs the VMs are nearly all the bytes, and
//! a folder or pool listing never looks at them.

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
    /// `config.template`, name, place and creation date.
    Templates,
    /// How many VMs there are (the support matrix's 9,500), nothing else.
    VmCount,
    /// Datastores: space, URL, the hosts that mount them.
    Datastores,
    Networks,
}

impl Facet {
    const ALL: [Facet; 10] = [
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
            Facet::Datastores | Facet::Networks => &[Facet::Folders, Facet::Datacenters],
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
            Facet::Templates => &[PropertySpec {
                kind: "VirtualMachine",
                paths: &[
                    "name",
                    "parent",
                    "parentVApp",
                    "config.template",
                    "config.createDate",
                ],
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
        }
    }
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

    /// One property spec per type, the union of the members' paths, in a
    /// stable order (types as `Facet` lists them, paths as first named).
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

    #[test]
    fn vm_facets_merge_into_one_spec() {
        let specs = Facets::of(&[Facet::VmCount, Facet::Templates]).specs();
        let vm: Vec<_> = specs
            .iter()
            .filter(|(k, _)| *k == "VirtualMachine")
            .collect();
        assert_eq!(vm.len(), 1);
        assert_eq!(
            vm[0].1,
            [
                "name",
                "parent",
                "parentVApp",
                "config.template",
                "config.createDate"
            ]
        );
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
                "Network"
            ]
        );
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
