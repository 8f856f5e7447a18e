//! One collection: a walk of the inventory from the root folder for the
//! entity types the command's checks read (`Facets`), paged; a second pass by reference for the few
//! objects a facet selects (templates among VMs) when the first did not
//! read them whole; and one event query for the template history. The
//! passes are two steps (`first_pass`, `FirstPass::finish`) so that a
//! caller can ask what the first answers beside the second.

use std::collections::HashMap;

use super::{Entity, Facet, Facets, Index, SecondPass, Snapshot, VCenter};
use crate::vsphere::{
    Client, Error, InventorySink, Limits, MoRef, ObjectContent, PropertySpec, Value,
};

/// More than vCenter 8's maximum of 45,000 registered VMs, so that the
/// round trips do not grow with the inventory on a server that honours the
/// page size asked (a vCenter with a cap of its own pages anyway, and the
/// token is followed). Pages are decoded as they arrive, so their size costs
/// no memory as text; a page whose properties make it larger than the
/// transport's bound (64 MiB) is asked again in smaller pages
/// (`vsphere::property`), never dropped.
pub const PAGE_SIZE: u32 = 50_000;

/// The event types that record a VM made from a template, and its removal.
pub const TEMPLATE_EVENTS: &[&str] = &["VmDeployedEvent", "VmClonedEvent", "VmRemovedEvent"];

/// Reads `facets` (with the parents their paths run through) and, when
/// `with_events`, the template history. The snapshot records what it holds,
/// so a check that needs more is `not-verified`, never judged on a part.
pub async fn collect(
    client: &Client,
    vcenter: VCenter,
    facets: Facets,
    with_events: bool,
    limits: Limits,
    on_progress: impl FnMut(usize),
) -> Result<Snapshot, Error> {
    // Boxed: the gate's future nests the collection deep enough to pass
    // the compiler's layout depth otherwise.
    let first = Box::pin(first_pass(
        client,
        vcenter,
        facets,
        with_events,
        limits,
        on_progress,
    ))
    .await?;
    Box::pin(first.finish(client, limits)).await
}

/// The first pass's pages read (and the event history beside them): what
/// the first pass knows, with the second passes still to come (`finish`). A caller may ask what the first pass already
/// answers (`provisional`) beside them, rather than after.
pub struct FirstPass<F> {
    vcenter: VCenter,
    facets: Facets,
    read: Entities<F>,
    events: Option<Vec<super::VmEvent>>,
}

/// The first pass of `collect`.
pub async fn first_pass<F: FnMut(usize)>(
    client: &Client,
    vcenter: VCenter,
    facets: Facets,
    with_events: bool,
    limits: Limits,
    on_progress: F,
) -> Result<FirstPass<F>, Error> {
    let facets = facets.closed();
    let plan = facets.plan();
    let specs: Vec<PropertySpec<'_>> = plan
        .first
        .iter()
        .map(|(kind, paths)| PropertySpec { kind, paths })
        .collect();
    let mut read = Entities::new(plan.second.clone(), on_progress);
    let pages = async {
        if specs.is_empty() {
            return Ok(());
        }
        client
            .retrieve_inventory_into(&specs, PAGE_SIZE, limits, &mut read)
            .await
    };
    // The event history does not depend on the pages: asked beside them.
    let events = async {
        if with_events {
            client.query_vm_events(TEMPLATE_EVENTS).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (pages, events) = tokio::join!(pages, events);
    pages?;
    Ok(FirstPass {
        vcenter,
        facets,
        read,
        events: events?,
    })
}

impl<F: FnMut(usize)> FirstPass<F> {
    /// Whether second passes remain: then what needs only the first
    /// pass's objects can be asked beside them.
    pub fn has_second_pass(&self) -> bool {
        self.read.chosen.iter().any(|c| !c.is_empty())
    }

    /// The templates the first pass found (`config.template` true): the
    /// objects the second pass reads the names and places of.
    pub fn templates(&self) -> Vec<MoRef> {
        self.read
            .passes
            .iter()
            .zip(&self.read.chosen)
            .filter(|(p, _)| p.kind == "VirtualMachine" && p.when == "config.template")
            .flat_map(|(_, c)| c.iter().cloned())
            .collect()
    }

    /// The first pass's objects of every type but `VirtualMachine`, as a
    /// snapshot: what a question about the targets other than a template
    /// (a folder, a pool, a datastore…) reads, before the second pass adds
    /// the templates' names and places. A copy of the few thousand
    /// non-VM objects; the VMs, nearly all of the inventory, are left out.
    pub fn provisional(&self, root: MoRef) -> Snapshot {
        let entities = self
            .read
            .entities
            .iter()
            .filter(|e| &*e.moref.kind != "VirtualMachine")
            .cloned()
            .collect();
        let mut snap = Snapshot::new(self.vcenter.clone(), root, entities, None, String::new());
        snap.facets = Facets::of(
            &self
                .facets
                .iter()
                .filter(|f| !matches!(f, Facet::Vms | Facet::Templates | Facet::VmCount))
                .collect::<Vec<_>>(),
        );
        snap
    }

    /// The second passes, and the snapshot.
    pub async fn finish(self, client: &Client, limits: Limits) -> Result<Snapshot, Error> {
        let FirstPass {
            vcenter,
            facets,
            mut read,
            events,
        } = self;
        let chosen = std::mem::take(&mut read.chosen);
        let plan = read.passes.clone();
        for (pass, chosen) in plan.iter().zip(chosen) {
            second_pass(client, pass, chosen, &mut read, limits).await?;
        }
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        // The index by reference goes before the snapshot builds its own.
        let Entities {
            mut entities,
            dropped,
            ..
        } = read;
        if dropped > 0 {
            entities.retain(|e| !e.moref.value.is_empty());
        }
        let mut snap = Snapshot::new(
            vcenter,
            client.content().root_folder.clone(),
            entities,
            events,
            now,
        );
        snap.facets = facets;
        Ok(snap)
    }
}

/// The snapshot's entities, made from each page as it arrives: the page's
/// objects (their property names and values as read) are dropped once
/// made entities, so the answer is never held beside what is kept of it.
/// What stays is one `Entity` per object, an index to find it by
/// reference (a second pass adds to it, a subtype listed twice is kept
/// once), and for each second pass the objects it will read.
struct Entities<F> {
    passes: Vec<SecondPass>,
    entities: Vec<Entity>,
    at: Index,
    /// Per second pass, the objects whose `when` was true, in order.
    chosen: Vec<Vec<MoRef>>,
    /// Entities a second pass found deleted, blanked until the end.
    dropped: usize,
    on_progress: F,
}

impl<F: FnMut(usize)> Entities<F> {
    fn new(passes: Vec<SecondPass>, on_progress: F) -> Self {
        Entities {
            chosen: vec![Vec::new(); passes.len()],
            passes,
            entities: Vec::new(),
            at: Index::default(),
            dropped: 0,
            on_progress,
        }
    }
}

impl<F: FnMut(usize)> InventorySink for Entities<F> {
    fn page(&mut self, objects: Vec<ObjectContent>) {
        for o in objects {
            // An object the walk reached twice, or a subtype that matches
            // two property specs: kept once.
            // An object deleted while its page was read, whose properties
            // came back as `ManagedObjectNotFound`, is left out as the view
            // leaves out one deleted before: kept, it would be an object
            // with no name, judged on what it no longer is.
            if self.at.find(&self.entities, &o.obj).is_some() || deleted(&o) {
                continue;
            }
            for (pass, chosen) in self.passes.iter().zip(&mut self.chosen) {
                if &*o.obj.kind == pass.kind && o.get(pass.when) == Some(&Value::Bool(true)) {
                    chosen.push(o.obj.clone());
                }
            }
            self.entities.push(entity(o));
            self.at.insert(&self.entities, self.entities.len() - 1);
        }
        (self.on_progress)(self.entities.len());
    }

    fn restart(&mut self) {
        self.entities.clear();
        self.at.clear();
        self.chosen = vec![Vec::new(); self.passes.len()];
        self.dropped = 0;
    }
}

/// Reads `pass.paths` of the objects the first pass found `pass.when` true
/// on (`chosen`), and adds them to those objects' entities. Between the
/// passes an object may change: one deleted meanwhile (absent from the
/// answer, or reported `ManagedObjectNotFound`) is dropped, as it is no
/// longer in the inventory; one whose flag is now false keeps its
/// first-pass place with the flag false (`when` is read again, and the
/// later value wins), so a VM made a plain VM again is not listed as a
/// template, and neither is ever an object with no name. One that turned
/// true meanwhile is not seen: the snapshot is the inventory as the first
/// pass read it.
async fn second_pass<F>(
    client: &Client,
    pass: &SecondPass,
    chosen: Vec<MoRef>,
    read: &mut Entities<F>,
    limits: Limits,
) -> Result<(), Error> {
    if chosen.is_empty() {
        return Ok(());
    }
    let spec = PropertySpec {
        kind: pass.kind,
        paths: &pass.paths,
    };
    let found = client
        .retrieve_objects_bounded(spec, &chosen, PAGE_SIZE, limits)
        .await?;
    let mut found: HashMap<MoRef, ObjectContent> = found
        .into_iter()
        .filter(|o| !deleted(o))
        .map(|o| (o.obj.clone(), o))
        .collect();
    for m in chosen {
        let Some(i) = read.at.find(&read.entities, &m) else {
            continue;
        };
        match found.remove(&m) {
            Some(more) => apply(&mut read.entities[i], more.props),
            // Deleted since the first pass: blanked, and left out at the end.
            None => {
                read.at.remove(&read.entities, &m);
                read.entities[i] = Entity::default();
                read.dropped += 1;
            }
        }
    }
    Ok(())
}

/// Whether the server answered for `o` that it no longer exists.
fn deleted(o: &ObjectContent) -> bool {
    o.missing.iter().any(|m| m.fault == "ManagedObjectNotFound")
}

fn entity(o: ObjectContent) -> Entity {
    let mut e = Entity {
        moref: o.obj,
        ..Default::default()
    };
    apply(&mut e, o.props);
    e
}

/// Sets what `props` say of `e`; what they do not name stays as it was.
fn apply(e: &mut Entity, props: Vec<(std::sync::Arc<str>, Value)>) {
    let mut parent_vapp = None;
    let mut parent_folder = None;
    let (mut ha_ex, mut ha_old) = (None, None);
    for (path, v) in props {
        match (&*path, v) {
            ("name", Value::String(s)) => e.name = s,
            ("parent", Value::MoRef(m)) => e.parent = Some(m),
            ("parentVApp", Value::MoRef(m)) => parent_vapp = Some(m),
            ("parentFolder", Value::MoRef(m)) => parent_folder = Some(m),
            ("childType", Value::Strings(v)) => e.child_types = v,
            ("owner", Value::MoRef(m)) => e.owner = Some(m),
            ("resourcePool", Value::MoRef(m)) => e.resource_pool = Some(m),
            ("config.template", Value::Bool(b)) => e.template = b,
            ("config.createDate", Value::DateTime(s)) => e.created = Some(s),
            ("config.uuid", Value::String(s)) => e.uuid = Some(s),
            ("summary.config.vmPathName", Value::String(s)) => e.vm_path = Some(s),
            ("runtime.powerState", Value::String(s)) => e.power_state = Some(s),
            ("configurationEx", Value::ClusterHa(b)) => ha_ex = Some(b),
            ("configuration.dasConfig.enabled", Value::Bool(b)) => ha_old = Some(b),
            ("summary.freeSpace", Value::Int(i)) => e.free_space = Some(i),
            ("summary.capacity", Value::Int(i)) => e.capacity = Some(i),
            ("summary.url", Value::String(s)) => e.url = Some(s),
            ("host", Value::HostMounts(m)) => e.mounts = Some(m),
            ("host", Value::MoRefs(m)) => e.hosts = Some(m),
            ("runtime.connectionState", Value::String(s)) => e.connection_state = Some(s),
            ("runtime.inMaintenanceMode", Value::Bool(b)) => e.in_maintenance = Some(b),
            ("config.product.version", Value::String(s)) => e.product_version = Some(s),
            ("summary.hardware.cpuMhz", Value::Int(i)) => e.cpu_mhz = Some(i),
            ("runtime.memory.unreservedForVm", Value::Int(i)) => e.unreserved_memory = Some(i),
            ("runtime.cpu.unreservedForVm", Value::Int(i)) => e.unreserved_cpu = Some(i),
            _ => {}
        }
    }
    if ha_ex.is_some() || ha_old.is_some() {
        e.ha_enabled = ha_ex.flatten().or(ha_old);
    }
    // A VM inside a vApp has no `parent`; a vApp in a VM folder hangs from
    // its folder. Either way the path follows what the vSphere Client shows.
    if e.parent.is_none() {
        e.parent = parent_vapp.or(parent_folder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(ex: Option<bool>, old: Option<bool>) -> Entity {
        let mut props: Vec<(std::sync::Arc<str>, Value)> =
            vec![("configurationEx".into(), Value::ClusterHa(ex))];
        if let Some(b) = old {
            props.push(("configuration.dasConfig.enabled".into(), Value::Bool(b)));
        }
        entity(ObjectContent {
            obj: crate::vsphere::MoRef::new("ClusterComputeResource", "domain-c7"),
            props,
            missing: vec![],
        })
    }

    /// A page may carry an object deleted while it was read, its
    /// properties answered `ManagedObjectNotFound`: it is not in the
    /// snapshot, and no second pass asks for it.
    #[test]
    fn an_object_deleted_while_its_page_was_read_is_left_out() {
        let passes = Facets::of(&[super::super::Facet::Templates]).plan().second;
        let mut read = Entities::new(passes, |_| {});
        let vm = |id: &str, missing: Vec<crate::vsphere::MissingProperty>| ObjectContent {
            obj: MoRef::new("VirtualMachine", id),
            props: vec![
                ("name".into(), Value::String(id.into())),
                ("config.template".into(), Value::Bool(true)),
            ],
            missing,
        };
        read.page(vec![
            vm(
                "vm-1",
                vec![crate::vsphere::MissingProperty {
                    path: "config.template".into(),
                    fault: "ManagedObjectNotFound".into(),
                }],
            ),
            vm("vm-2", vec![]),
        ]);
        let names: Vec<&str> = read.entities.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["vm-2"]);
        assert_eq!(read.chosen, [vec![MoRef::new("VirtualMachine", "vm-2")]]);
    }

    #[test]
    fn ha_comes_from_configuration_ex_before_configuration() {
        assert_eq!(cluster(Some(false), Some(true)).ha_enabled, Some(false));
        assert_eq!(cluster(Some(true), None).ha_enabled, Some(true));
        assert_eq!(cluster(None, Some(true)).ha_enabled, Some(true));
        assert_eq!(cluster(None, None).ha_enabled, None);
    }
}
