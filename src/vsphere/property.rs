//! The PropertyCollector: one ContainerView over the inventory, read in pages
//! with `RetrievePropertiesEx` / `ContinueRetrievePropertiesEx`. Pages are
//! decoded straight from the stream into `ObjectContent`, without a DOM, since
//! this is where a 10,000-VM inventory flows through.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use super::envelope::Request;
use super::error::Error;
use super::limits::Limits;
use super::session::Client;
use super::types::{HostMount, MissingProperty, MoRef, ObjectContent, Value};
use super::xml::{Cursor, Result as XmlResult, Tag, XmlError};

/// Where the collection's bounds apply, as errors say it.
const COLLECTION: &str = "in one inventory collection";

/// The properties to read for one managed object type.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec<'a> {
    pub kind: &'a str,
    pub paths: &'a [&'a str],
}

/// One decoded page.
#[derive(Debug, Default)]
pub struct Page {
    pub objects: Vec<ObjectContent>,
    pub token: Option<String>,
}

impl Client {
    /// As `retrieve_inventory_bounded`, within the default `Limits`.
    pub async fn retrieve_inventory(
        &self,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        on_page: impl FnMut(usize),
    ) -> Result<Vec<ObjectContent>, Error> {
        self.retrieve_inventory_bounded(
            specs,
            page_size,
            Limits::default(),
            on_page,
            async |_: &mut Vec<ObjectContent>| Ok(()),
        )
        .await
    }

    /// Reads `specs` for every object of their types below the root folder:
    /// `CreateContainerView`, then pages of at most `page_size` objects, then
    /// `DestroyView` (also when a page fails). `on_page` sees the running
    /// object count, for progress. `then` continues with the objects while
    /// `DestroyView` is on the wire (a second pass by reference needs no
    /// view), so a follow-up costs no round trip of its own for the view.
    pub async fn retrieve_inventory_bounded(
        &self,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        limits: Limits,
        mut on_page: impl FnMut(usize),
        mut then: impl AsyncFnMut(&mut Vec<ObjectContent>) -> Result<(), Error>,
    ) -> Result<Vec<ObjectContent>, Error> {
        self.relogin_once(async || {
            self.retrieve_inventory_once(specs, page_size, limits, &mut on_page, &mut then)
                .await
        })
        .await
    }

    /// Runs `attempt`, and once more after logging in again if the session
    /// had expired: the view, the result token and the reference list died
    /// with it, so the pass starts over.
    async fn relogin_once<T>(
        &self,
        mut attempt: impl AsyncFnMut() -> Result<T, Error>,
    ) -> Result<T, Error> {
        match attempt().await {
            Err(e) if e.is_not_authenticated() && self.transport.can_relogin() => {
                self.transport.relogin().await?;
                attempt().await
            }
            other => other,
        }
    }

    async fn retrieve_inventory_once(
        &self,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        limits: Limits,
        on_page: &mut impl FnMut(usize),
        then: &mut impl AsyncFnMut(&mut Vec<ObjectContent>) -> Result<(), Error>,
    ) -> Result<Vec<ObjectContent>, Error> {
        let view = self.create_container_view(specs).await?;
        let result = self
            .retrieve_pages(&view, specs, page_size, limits, on_page)
            .await;
        let mut objects = match result {
            Ok(objects) => objects,
            Err(e) => {
                let _ = self.destroy_view(&view).await;
                return Err(e);
            }
        };
        let (destroyed, continued) = tokio::join!(self.destroy_view(&view), then(&mut objects));
        continued?;
        destroyed?;
        Ok(objects)
    }

    async fn create_container_view(&self, specs: &[PropertySpec<'_>]) -> Result<MoRef, Error> {
        let vm = self.require("ViewManager", &self.content().view_manager)?;
        let mut req = Request::new("CreateContainerView", &vm);
        req.session_bound = true;
        req.moref("container", &self.content().root_folder.clone());
        for s in specs {
            req.text("type", s.kind);
        }
        req.text("recursive", "true");
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree("CreateContainerView", &body)?;
        node.child("returnval")
            .map(|n| MoRef::new(n.attr("type").unwrap_or("ContainerView"), n.text.trim()))
            .ok_or_else(|| {
                self.transport
                    .decode_err("CreateContainerView", "no view in the answer")
            })
    }

    /// A view lives in its session: if the session expired (the pass
    /// beside it logs in again) or the server already dropped the view,
    /// there is nothing left to destroy, and failing here would make
    /// `relogin_once` redo a collection that succeeded.
    async fn destroy_view(&self, view: &MoRef) -> Result<(), Error> {
        let mut req = Request::new("DestroyView", view);
        req.session_bound = true;
        match self.transport.call(req).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_authenticated() || e.is_managed_object_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn retrieve_pages(
        &self,
        view: &MoRef,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        limits: Limits,
        on_page: &mut impl FnMut(usize),
    ) -> Result<Vec<ObjectContent>, Error> {
        let pc = self.content().property_collector.clone();
        let req = view_request(&pc, view, specs, page_size);
        let mut all = Vec::new();
        let mut seen: HashSet<MoRef> = HashSet::new();
        let mut pages = 0usize;
        self.read_result(req, &mut all, &mut seen, &mut pages, limits, None, on_page)
            .await?;
        Ok(all)
    }

    /// Reads `spec` for the objects `objs` only, by reference, with no view
    /// and no traversal: the second pass of a collection that first asked
    /// every object for one property and kept those it selects. Asked in
    /// batches of `page_size` objects, each answer paged as the view's is
    /// and held to the same `limits` (counted over every batch) and the same
    /// guard against an object sent twice; an object the request did not
    /// name is an answer to some other question, and fails the pass.
    ///
    /// An object deleted since `objs` was read does not fail the call
    /// (`reportMissingObjectsInResults`): it is left out of the answer, as
    /// the API documents for a RetrieveResult, or comes back with
    /// `ManagedObjectNotFound` in its `missing`, as in an UpdateSet. The
    /// caller decides what a vanished object means.
    pub async fn retrieve_objects_bounded(
        &self,
        spec: PropertySpec<'_>,
        objs: &[MoRef],
        page_size: u32,
        limits: Limits,
    ) -> Result<Vec<ObjectContent>, Error> {
        self.relogin_once(async || {
            self.retrieve_objects_once(spec, objs, page_size, limits)
                .await
        })
        .await
    }

    async fn retrieve_objects_once(
        &self,
        spec: PropertySpec<'_>,
        objs: &[MoRef],
        page_size: u32,
        limits: Limits,
    ) -> Result<Vec<ObjectContent>, Error> {
        let pc = self.content().property_collector.clone();
        let mut all = Vec::new();
        let mut seen: HashSet<MoRef> = HashSet::new();
        let mut pages = 0usize;
        for batch in objs.chunks(page_size.max(1) as usize) {
            let asked: HashSet<&MoRef> = batch.iter().collect();
            let req = objects_request(&pc, spec, batch, page_size);
            self.read_result(
                req,
                &mut all,
                &mut seen,
                &mut pages,
                limits,
                Some(&asked),
                &mut |_| {},
            )
            .await?;
        }
        Ok(all)
    }

    /// Sends `req` and follows its result token to the end, appending to
    /// `all`. `seen` and `pages` run across the calls of one pass, so the
    /// bounds hold for the pass, not per request.
    #[allow(clippy::too_many_arguments)]
    async fn read_result(
        &self,
        req: Request,
        all: &mut Vec<ObjectContent>,
        seen: &mut HashSet<MoRef>,
        pages: &mut usize,
        limits: Limits,
        asked: Option<&HashSet<&MoRef>>,
        on_page: &mut impl FnMut(usize),
    ) -> Result<(), Error> {
        let pc = self.content().property_collector.clone();
        let step = req.method;
        let mut page = self.page(req).await?;
        *pages += 1;
        loop {
            let mut bound = self.check_page(&page, seen, *pages, all.len(), limits);
            if bound.is_ok()
                && let Some(asked) = asked
                && let Some(o) = page.objects.iter().find(|o| !asked.contains(&o.obj))
            {
                bound = Err(self
                    .transport
                    .decode_err(step, format!("{} was sent, and not asked for", o.obj)));
            }
            if let Err(e) = bound {
                if let Some(token) = &page.token {
                    self.cancel_retrieve(&pc, token).await;
                }
                return Err(e);
            }
            all.append(&mut page.objects);
            on_page(all.len());
            let Some(token) = page.token.take() else {
                return Ok(());
            };
            *pages += 1;
            let mut req = Request::new("ContinueRetrievePropertiesEx", &pc);
            req.session_bound = true;
            req.text("token", &token);
            page = match self.page(req).await {
                Ok(p) => p,
                Err(e) => {
                    // Free the server-side result set; the error that
                    // stopped us is what the user needs to see.
                    self.cancel_retrieve(&pc, &token).await;
                    return Err(e);
                }
            };
        }
    }

    async fn cancel_retrieve(&self, pc: &MoRef, token: &str) {
        let mut cancel = Request::new("CancelRetrievePropertiesEx", pc);
        cancel.text("token", token);
        let _ = self.transport.call(cancel).await;
    }

    /// Page `n` against the bounds: an object seen before means the cursor
    /// went back (it would loop forever); too many objects or pages means
    /// the answer is not this vCenter's inventory.
    fn check_page(
        &self,
        page: &Page,
        seen: &mut HashSet<MoRef>,
        n: usize,
        so_far: usize,
        limits: Limits,
    ) -> Result<(), Error> {
        let endpoint = self.transport.endpoint().to_string();
        if n > limits.max_pages {
            return Err(Error::TooLarge {
                endpoint,
                what: "pages",
                limit: limits.max_pages,
                during: COLLECTION.into(),
            });
        }
        if so_far + page.objects.len() > limits.max_objects {
            return Err(Error::TooLarge {
                endpoint,
                what: "objects",
                limit: limits.max_objects,
                during: COLLECTION.into(),
            });
        }
        // Within a page the view may list an object under two type filters
        // (a subtype); across pages a repeat can only be a cursor that
        // went back.
        let mut here: HashSet<&MoRef> = HashSet::new();
        for o in &page.objects {
            if seen.contains(&o.obj) {
                return Err(Error::CursorLoop {
                    endpoint,
                    object: o.obj.to_string(),
                    page: n,
                });
            }
            here.insert(&o.obj);
        }
        seen.extend(here.into_iter().cloned());
        Ok(())
    }

    async fn page(&self, req: Request) -> Result<Page, Error> {
        let step = req.method;
        let body = self.transport.call(req).await?;
        let page = decode_page(&body).map_err(|e| self.transport.decode_err(step, e))?;
        check_authenticated(step, &page.objects)?;
        Ok(page)
    }

    /// Reads properties of one object (not through a view).
    pub async fn retrieve_object(
        &self,
        obj: &MoRef,
        paths: &[&str],
    ) -> Result<ObjectContent, Error> {
        let pc = self.content().property_collector.clone();
        let mut req = Request::new("RetrievePropertiesEx", &pc);
        req.open("specSet").open("propSet").text("type", &obj.kind);
        for p in paths {
            req.text("pathSet", p);
        }
        req.close("propSet");
        req.open("objectSet")
            .moref("obj", obj)
            .close("objectSet")
            .close("specSet");
        req.open("options").close("options");
        let page = self.page(req).await?;
        page.objects.into_iter().next().ok_or_else(|| {
            self.transport.decode_err(
                "RetrievePropertiesEx",
                format!("no properties returned for {obj}"),
            )
        })
    }
}

fn prop_sets(req: &mut Request, specs: &[PropertySpec<'_>]) {
    for s in specs {
        req.open("propSet").text("type", s.kind);
        for p in s.paths {
            req.text("pathSet", p);
        }
        req.close("propSet");
    }
}

fn max_objects(req: &mut Request, page_size: u32) {
    req.open("options")
        .text("maxObjects", &page_size.to_string())
        .close("options");
}

/// `RetrievePropertiesEx` of `specs` over every object the container view
/// holds.
fn view_request(pc: &MoRef, view: &MoRef, specs: &[PropertySpec<'_>], page_size: u32) -> Request {
    let mut req = Request::new("RetrievePropertiesEx", pc);
    req.session_bound = true;
    req.open("specSet");
    prop_sets(&mut req, specs);
    req.open("objectSet")
        .moref("obj", view)
        .text("skip", "true");
    req.open_typed("selectSet", "TraversalSpec")
        .text("name", "view")
        .text("type", "ContainerView")
        .text("path", "view")
        .text("skip", "false")
        .close("selectSet");
    req.close("objectSet").close("specSet");
    max_objects(&mut req, page_size);
    req
}

/// `RetrievePropertiesEx` of `spec` for the objects `objs`: one ObjectSpec
/// each, no traversal. An object deleted in the meantime is reported in
/// the result (`reportMissingObjectsInResults`, vSphere 4.1 and later)
/// rather than failing the whole call with `ManagedObjectNotFound`.
fn objects_request(pc: &MoRef, spec: PropertySpec<'_>, objs: &[MoRef], page_size: u32) -> Request {
    let mut req = Request::new("RetrievePropertiesEx", pc);
    // The result token belongs to this session.
    req.session_bound = true;
    req.open("specSet");
    prop_sets(&mut req, &[spec]);
    for o in objs {
        req.open("objectSet")
            .moref("obj", o)
            .text("skip", "false")
            .close("objectSet");
    }
    req.text("reportMissingObjectsInResults", "true");
    req.close("specSet");
    max_objects(&mut req, page_size);
    req
}

/// vcsim (and vCenter, for some calls) answers an unauthenticated read with
/// 200 and `NotAuthenticated` per property: that is a login failure, never an
/// empty inventory.
fn check_authenticated(step: &str, objects: &[ObjectContent]) -> Result<(), Error> {
    let unauth = objects
        .iter()
        .flat_map(|o| &o.missing)
        .any(|m| m.fault == "NotAuthenticated");
    if unauth {
        return Err(Client::not_authenticated(step));
    }
    Ok(())
}

/// Decodes a `RetrievePropertiesExResponse` or
/// `ContinueRetrievePropertiesExResponse` body.
pub fn decode_page(body: &[u8]) -> XmlResult<Page> {
    let mut cur = Cursor::new(body);
    let resp = cur.enter_body()?;
    if resp.is("Fault") {
        return Err(XmlError("a SOAP fault in a successful answer".into()));
    }
    let mut page = Page::default();
    let mut shared = Shared::default();
    // An empty result has no returnval at all.
    while let Some(rv) = cur.next_child()? {
        if !rv.is("returnval") {
            cur.skip()?;
            continue;
        }
        while let Some(tag) = cur.next_child()? {
            if tag.is("token") {
                page.token = Some(cur.text()?.trim_ascii().to_string()).filter(|t| !t.is_empty());
            } else if tag.is("objects") {
                page.objects.push(decode_object(&mut cur, &mut shared)?);
            } else {
                cur.skip()?;
            }
        }
    }
    Ok(page)
}

/// More than the paths and types of the inventory's property specs.
const MAX_SHARED: usize = 64;

/// One copy per page of the strings every object repeats (property names,
/// reference types), each found again by where the last object had it:
/// objects of a type list their properties in one order.
#[derive(Default)]
struct Shared {
    seen: Vec<Arc<str>>,
    next: usize,
    /// How many properties the last object had.
    last_count: usize,
}

impl Shared {
    fn get(&mut self, name: &str) -> Arc<str> {
        let at = match self.seen.get(self.next) {
            Some(n) if &**n == name => self.next,
            _ => match self.seen.iter().position(|n| &**n == name) {
                Some(at) => at,
                // A hostile page of endless new names must not make the
                // search quadratic: past a spec's worth, names are not shared.
                None if self.seen.len() >= MAX_SHARED => return Arc::from(name),
                None => {
                    self.seen.push(Arc::from(name));
                    self.seen.len() - 1
                }
            },
        };
        self.next = at + 1;
        self.seen[at].clone()
    }
}

fn decode_object(cur: &mut Cursor<'_>, shared: &mut Shared) -> XmlResult<ObjectContent> {
    let mut obj = None;
    // Objects of a type come in runs: as many as the last one had.
    let mut props = Vec::with_capacity(shared.last_count);
    let mut missing = Vec::new();
    while let Some(tag) = cur.next_child()? {
        if tag.is("obj") {
            obj = Some(moref(cur, &tag, shared)?);
        } else if tag.is("propSet") {
            let mut name = None;
            let mut val = None;
            while let Some(t) = cur.next_child()? {
                if t.is("name") {
                    name = Some(shared.get(cur.text()?.trim_ascii()));
                } else if t.is("val") {
                    val = Some(decode_value(cur, &t, shared)?);
                } else {
                    cur.skip()?;
                }
            }
            if let (Some(n), Some(v)) = (name, val) {
                props.push((n, v));
            }
        } else if tag.is("missingSet") {
            let mut path = String::new();
            let mut fault = String::new();
            while let Some(t) = cur.next_child()? {
                if t.is("path") {
                    path = cur.text()?.trim_ascii().to_string();
                } else if t.is("fault") {
                    // LocalizedMethodFault: the MethodFault is its `fault` child.
                    while let Some(f) = cur.next_child()? {
                        if f.is("fault") {
                            fault = cur
                                .xsi_type(&f)?
                                .map_or_else(|| "unknown".into(), Cow::into_owned);
                        }
                        cur.skip()?;
                    }
                } else {
                    cur.skip()?;
                }
            }
            missing.push(MissingProperty { path, fault });
        } else {
            cur.skip()?;
        }
    }
    let obj = obj.ok_or_else(|| XmlError("an object without its reference".into()))?;
    shared.last_count = props.len();
    Ok(ObjectContent {
        obj,
        props,
        missing,
    })
}

fn moref(cur: &mut Cursor<'_>, tag: &Tag<'_>, shared: &mut Shared) -> XmlResult<MoRef> {
    let kind = shared.get(tag.attr("type")?.as_deref().unwrap_or_default());
    let value = cur.text()?.trim_ascii().to_string();
    Ok(MoRef { kind, value })
}

/// Decodes a typed `val` by its xsi:type. Unknown complex types are skipped
/// whole and kept only by name.
fn decode_value<'a>(cur: &mut Cursor<'a>, tag: &Tag<'a>, shared: &mut Shared) -> XmlResult<Value> {
    let ty = cur.xsi_type(tag)?;
    let bad = |what: &str, text: &str| XmlError(format!("{text:?} is not a valid {what}"));
    Ok(match ty.as_deref().unwrap_or("string") {
        "string" => Value::String(cur.text()?.into_owned()),
        "boolean" => {
            let t = cur.text()?;
            match t.trim_ascii() {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                other => return Err(bad("boolean", other)),
            }
        }
        "int" | "long" | "short" | "byte" => {
            let t = cur.text()?;
            Value::Int(
                t.trim_ascii()
                    .parse()
                    .map_err(|_| bad("integer", t.trim_ascii()))?,
            )
        }
        "dateTime" => Value::DateTime(cur.text()?.trim_ascii().to_string()),
        "ManagedObjectReference" => Value::MoRef(moref(cur, tag, shared)?),
        "ArrayOfString" => {
            let mut v = Vec::new();
            while let Some(t) = cur.next_child()? {
                if t.is("string") {
                    v.push(cur.text()?.into_owned());
                } else {
                    cur.skip()?;
                }
            }
            Value::Strings(v)
        }
        "ArrayOfManagedObjectReference" => {
            let mut v = Vec::new();
            while let Some(t) = cur.next_child()? {
                if t.is("ManagedObjectReference") {
                    v.push(moref(cur, &t, shared)?);
                } else {
                    cur.skip()?;
                }
            }
            Value::MoRefs(v)
        }
        "ArrayOfDatastoreHostMount" => {
            let mut v = Vec::new();
            while let Some(t) = cur.next_child()? {
                if t.is("DatastoreHostMount") {
                    v.push(host_mount(cur, shared)?);
                } else {
                    cur.skip()?;
                }
            }
            Value::HostMounts(v)
        }
        "ClusterConfigInfoEx" => {
            let mut enabled = None;
            while let Some(t) = cur.next_child()? {
                if t.is("dasConfig") {
                    while let Some(d) = cur.next_child()? {
                        if d.is("enabled") {
                            enabled = match cur.text()?.trim_ascii() {
                                "true" | "1" => Some(true),
                                "false" | "0" => Some(false),
                                other => return Err(bad("boolean", other)),
                            };
                        } else {
                            cur.skip()?;
                        }
                    }
                } else {
                    cur.skip()?;
                }
            }
            Value::ClusterHa(enabled)
        }
        // Enumerations (VirtualMachinePowerState, …) are plain text under
        // their own type name; data objects nest elements and are skipped.
        other => match cur.text_or_skip()? {
            Some(text) if !text.trim_ascii().is_empty() => {
                Value::String(text.trim_ascii().to_string())
            }
            _ => Value::Other(other.to_string()),
        },
    })
}

/// One `DatastoreHostMount`; a mount without its host is not a mount.
fn host_mount(cur: &mut Cursor<'_>, shared: &mut Shared) -> XmlResult<HostMount> {
    let mut host = None;
    let (mut mounted, mut accessible) = (None, None);
    let flag = |t: &str| match t.trim_ascii() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    };
    while let Some(t) = cur.next_child()? {
        if t.is("key") {
            host = Some(moref(cur, &t, shared)?);
        } else if t.is("mountInfo") {
            while let Some(m) = cur.next_child()? {
                if m.is("mounted") {
                    mounted = flag(&cur.text()?);
                } else if m.is("accessible") {
                    accessible = flag(&cur.text()?);
                } else {
                    cur.skip()?;
                }
            }
        } else {
            cur.skip()?;
        }
    }
    let host = host.ok_or_else(|| XmlError("a DatastoreHostMount without its host".into()))?;
    Ok(HostMount {
        host,
        mounted,
        accessible,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
<token>tok-1</token>
<objects><obj type="VirtualMachine">vm-42</obj>
 <propSet><name>name</name><val xsi:type="xsd:string">web &amp; db</val></propSet>
 <propSet><name>config.template</name><val xsi:type="xsd:boolean">true</val></propSet>
 <propSet><name>parent</name><val type="Folder" xsi:type="ManagedObjectReference">group-v3</val></propSet>
 <propSet><name>config.createDate</name><val xsi:type="xsd:dateTime">2024-01-02T03:04:05Z</val></propSet>
 <propSet><name>summary.storage.committed</name><val xsi:type="xsd:long">123</val></propSet>
 <propSet><name>runtime</name><val xsi:type="VirtualMachineRuntimeInfo"><powerState>poweredOff</powerState><device><runtimeState xsi:type="VirtualMachineDeviceRuntimeInfoVirtualEthernetCardRuntimeState"/></device></val></propSet>
 <propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>
</objects>
<objects><obj type="Folder">group-v3</obj>
 <propSet><name>childType</name><val xsi:type="ArrayOfString"><string>Folder</string><string>VirtualMachine</string></val></propSet>
 <propSet><name>childEntity</name><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="VirtualMachine">vm-42</ManagedObjectReference></val></propSet>
 <missingSet><path>configStatus</path><fault><fault xsi:type="NoPermission"><object type="Folder">group-v3</object><privilegeId>System.Read</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet>
</objects>
</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;

    #[test]
    fn a_second_pass_names_each_object_and_traverses_nothing() {
        let pc = MoRef::new("PropertyCollector", "propertyCollector");
        let objs = [
            MoRef::new("VirtualMachine", "vm-7"),
            MoRef::new("VirtualMachine", "vm-<9>"),
        ];
        let spec = PropertySpec {
            kind: "VirtualMachine",
            paths: &["config.template", "name"],
        };
        let req = objects_request(&pc, spec, &objs, 1000);
        assert!(req.session_bound, "its result token dies with the session");
        let body = req.body().unwrap();
        let inner = body
            .split_once("<specSet>")
            .and_then(|(_, r)| r.split_once("</RetrievePropertiesEx>"))
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(
            inner,
            concat!(
                "<propSet><type>VirtualMachine</type>",
                "<pathSet>config.template</pathSet><pathSet>name</pathSet></propSet>",
                r#"<objectSet><obj type="VirtualMachine">vm-7</obj><skip>false</skip></objectSet>"#,
                r#"<objectSet><obj type="VirtualMachine">vm-&lt;9&gt;</obj><skip>false</skip></objectSet>"#,
                "<reportMissingObjectsInResults>true</reportMissingObjectsInResults>",
                "</specSet><options><maxObjects>1000</maxObjects></options>"
            )
        );
    }

    #[test]
    fn the_view_pass_traverses_the_view_once() {
        let pc = MoRef::new("PropertyCollector", "propertyCollector");
        let view = MoRef::new("ContainerView", "session[1]view");
        let body = view_request(&pc, &view, VM_SPEC, 500).body().unwrap();
        assert_eq!(body.matches("<objectSet>").count(), 1);
        assert_eq!(body.matches("<selectSet").count(), 1);
        assert!(body.contains("<maxObjects>500</maxObjects>"));
        assert!(!body.contains("reportMissingObjectsInResults"));
    }

    const VM_SPEC: &[PropertySpec<'static>] = &[PropertySpec {
        kind: "VirtualMachine",
        paths: &["config.template"],
    }];

    #[test]
    fn decodes_a_page() {
        let page = decode_page(PAGE.as_bytes()).unwrap();
        assert_eq!(page.token.as_deref(), Some("tok-1"));
        assert_eq!(page.objects.len(), 2);
        let vm = &page.objects[0];
        assert_eq!(vm.obj, MoRef::new("VirtualMachine", "vm-42"));
        assert_eq!(vm.get("name"), Some(&Value::String("web & db".into())));
        assert_eq!(vm.get("config.template"), Some(&Value::Bool(true)));
        assert_eq!(
            vm.get("parent"),
            Some(&Value::MoRef(MoRef::new("Folder", "group-v3")))
        );
        assert_eq!(
            vm.get("config.createDate"),
            Some(&Value::DateTime("2024-01-02T03:04:05Z".into()))
        );
        assert_eq!(vm.get("summary.storage.committed"), Some(&Value::Int(123)));
        assert_eq!(
            vm.get("runtime"),
            Some(&Value::Other("VirtualMachineRuntimeInfo".into()))
        );
        let f = &page.objects[1];
        assert_eq!(
            f.get("childType").and_then(Value::as_strings),
            Some(&["Folder".to_string(), "VirtualMachine".to_string()][..])
        );
        assert_eq!(
            f.get("childEntity")
                .and_then(Value::as_morefs)
                .map(<[_]>::len),
            Some(1)
        );
        assert_eq!(f.missing[0].path, "configStatus");
        assert_eq!(f.missing[0].fault, "NoPermission");
    }

    #[test]
    fn decodes_datastore_host_mounts() {
        let body = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
<objects><obj type="Datastore">datastore-1</obj>
 <propSet><name>host</name><val xsi:type="ArrayOfDatastoreHostMount">
  <DatastoreHostMount><key type="HostSystem">host-1</key><mountInfo><path>/vmfs/volumes/x</path><accessMode>readWrite</accessMode><mounted>true</mounted><accessible>true</accessible></mountInfo></DatastoreHostMount>
  <DatastoreHostMount><key type="HostSystem">host-2</key><mountInfo><accessMode>readWrite</accessMode><accessible>false</accessible></mountInfo></DatastoreHostMount>
 </val></propSet>
</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
        let page = decode_page(body.as_bytes()).unwrap();
        let m = page.objects[0]
            .get("host")
            .and_then(Value::as_host_mounts)
            .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].host, MoRef::new("HostSystem", "host-1"));
        assert_eq!((m[0].mounted, m[0].accessible), (Some(true), Some(true)));
        assert_eq!((m[1].mounted, m[1].accessible), (None, Some(false)));
    }

    fn cluster_ha(config: &str) -> Option<Value> {
        let body = format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>
<objects><obj type="ClusterComputeResource">domain-c7</obj>
 <propSet><name>configurationEx</name><val xsi:type="ClusterConfigInfoEx">{config}</val></propSet>
</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
        );
        decode_page(body.as_bytes()).unwrap().objects[0]
            .get("configurationEx")
            .cloned()
    }

    #[test]
    fn reads_ha_from_configuration_ex_and_nothing_else_of_it() {
        // drsConfig's and a VM override's `enabled` come first and are not HA's.
        let ex = r#"<drsConfig><enabled>true</enabled></drsConfig><dasConfig><enabled>false</enabled><hostMonitoring>enabled</hostMonitoring><admissionControlPolicy xsi:type="ClusterFailoverLevelAdmissionControlPolicy"><failoverLevel>1</failoverLevel></admissionControlPolicy></dasConfig><dasVmConfig><key type="VirtualMachine">vm-1</key><dasSettings><restartPriority>high</restartPriority></dasSettings></dasVmConfig>"#;
        assert_eq!(cluster_ha(ex), Some(Value::ClusterHa(Some(false))));
        let on = "<dasConfig><enabled>true</enabled></dasConfig>";
        assert_eq!(cluster_ha(on), Some(Value::ClusterHa(Some(true))));
        let unset = "<dasConfig><hostMonitoring>enabled</hostMonitoring></dasConfig><drsConfig><enabled>true</enabled></drsConfig>";
        assert_eq!(cluster_ha(unset), Some(Value::ClusterHa(None)));
    }

    #[test]
    fn empty_result_has_no_returnval() {
        let body = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
        let page = decode_page(body.as_bytes()).unwrap();
        assert!(page.objects.is_empty());
        assert!(page.token.is_none());
    }

    #[test]
    fn bad_scalar_is_an_error_not_a_guess() {
        let body = PAGE.replace(">true<", ">maybe<");
        let err = decode_page(body.as_bytes()).unwrap_err();
        assert!(err.0.contains("boolean"), "{err}");
    }

    #[test]
    fn not_authenticated_in_missing_set_is_an_auth_error() {
        let body = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="Folder">group-d1</obj><missingSet><path>name</path><fault><fault xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
        let page = decode_page(body.as_bytes()).unwrap();
        let err = check_authenticated("RetrievePropertiesEx", &page.objects).unwrap_err();
        assert!(err.to_string().contains("not authenticated"), "{err}");
    }
}
