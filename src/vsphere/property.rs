//! The PropertyCollector: one walk of the inventory from the root folder, read in pages
//! with `RetrievePropertiesEx` / `ContinueRetrievePropertiesEx`. Pages are
//! decoded straight from the stream into `ObjectContent`, without a DOM, since
//! this is where a 10,000-VM inventory flows through.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use super::envelope::Request;
use super::error::Error;
use super::limits::Limits;
use super::runs::Runs;
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
        self.retrieve_inventory_bounded(specs, page_size, Limits::default(), on_page)
            .await
    }

    /// Reads `specs` for every object of their types below the root folder
    /// (`inventory_request`), in pages of at most `page_size` objects.
    /// `on_page` sees the running object count, for progress.
    pub async fn retrieve_inventory_bounded(
        &self,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        limits: Limits,
        on_page: impl FnMut(usize),
    ) -> Result<Vec<ObjectContent>, Error> {
        let mut all = Progress {
            objects: Vec::new(),
            on_page,
        };
        self.retrieve_inventory_into(specs, page_size, limits, &mut all)
            .await?;
        Ok(all.objects)
    }

    /// As `retrieve_inventory_bounded`, each page handed to `sink` as it
    /// is read and checked, so that a caller that keeps less than the
    /// objects (a snapshot's entities) never holds the whole answer.
    pub async fn retrieve_inventory_into<S: InventorySink>(
        &self,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        limits: Limits,
        sink: &mut S,
    ) -> Result<(), Error> {
        self.relogin_once(async || {
            sink.restart();
            self.retrieve_pages(specs, page_size, limits, sink).await
        })
        .await
    }

    /// Runs `attempt`, and once more after logging in again if the session
    /// had expired: the result token and the reference list died
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

    async fn retrieve_pages(
        &self,
        specs: &[PropertySpec<'_>],
        page_size: u32,
        limits: Limits,
        sink: &mut impl InventorySink,
    ) -> Result<(), Error> {
        let pc = self.content().property_collector.clone();
        smaller_on_cut(page_size, async |size| {
            sink.restart();
            let req = inventory_request(&pc, &self.content().root_folder, specs, size);
            let mut read = Read::default();
            self.read_result(req, &mut read, limits, None, &mut |page| sink.page(page))
                .await
        })
        .await
    }

    /// Reads `spec` for the objects `objs` only, by reference, with no walk
    /// and no traversal: the second pass of a collection that first asked
    /// every object for one property and kept those it selects. Asked in
    /// batches of `page_size` objects, each answer paged as the walk's is
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
        smaller_on_cut(page_size, async |size| {
            let mut all = Vec::new();
            let mut read = Read::default();
            // The server's own page size is no batch size: a page's worth.
            let batch_size = if size == 0 { 100 } else { size as usize };
            for batch in objs.chunks(batch_size) {
                let asked: HashSet<&MoRef> = batch.iter().collect();
                let req = objects_request(&pc, spec, batch, size);
                self.read_result(req, &mut read, limits, Some(&asked), &mut |mut page| {
                    all.append(&mut page)
                })
                .await?;
            }
            Ok(all)
        })
        .await
    }

    /// Sends `req` and follows its result token to the end, handing the
    /// objects to `emit` as they are decoded and pass the bounds, so a
    /// page of the whole inventory is never held as objects either. `read`
    /// runs across the calls of one pass, so the bounds hold for the pass,
    /// not per request.
    async fn read_result(
        &self,
        req: Request,
        read: &mut Read,
        limits: Limits,
        asked: Option<&HashSet<&MoRef>>,
        emit: &mut impl FnMut(Vec<ObjectContent>),
    ) -> Result<(), Failed> {
        let pc = self.content().property_collector.clone();
        let mut req = req;
        let mut continued: Option<String> = None;
        loop {
            let token = self
                .page_into(req, continued.as_deref(), read, limits, asked, emit)
                .await?;
            let Some(token) = token else {
                return Ok(());
            };
            req = Request::new("ContinueRetrievePropertiesEx", &pc);
            req.session_bound = true;
            req.text("token", &token);
            continued = Some(token);
        }
    }

    async fn cancel_retrieve(&self, pc: &MoRef, token: &str) {
        let mut cancel = Request::new("CancelRetrievePropertiesEx", pc);
        cancel.text("token", token);
        let _ = self.transport.call(cancel).await;
    }

    /// One page (`continued`: of that token), its objects checked against
    /// the bounds and handed on as they arrive; returns its token. A page
    /// stopped at the byte bound says how many objects had arrived, so the
    /// pass can be asked again in pages that fit. Whatever stops a page,
    /// the server-side result set is freed.
    async fn page_into(
        &self,
        req: Request,
        continued: Option<&str>,
        read: &mut Read,
        limits: Limits,
        asked: Option<&HashSet<&MoRef>>,
        emit: &mut impl FnMut(Vec<ObjectContent>),
    ) -> Result<Option<String>, Failed> {
        let pc = self.content().property_collector.clone();
        let step = req.method;
        read.pages += 1;
        let n = read.pages;
        let endpoint = self.transport.endpoint().to_string();
        if n > limits.max_pages {
            let err = Error::TooLarge {
                endpoint,
                what: "pages",
                limit: limits.max_pages,
                during: COLLECTION.into(),
            };
            if let Some(token) = continued {
                self.cancel_retrieve(&pc, token).await;
            }
            return Err(err.into());
        }
        // Within a page a server may list an object the walk reached twice
        // (a folder and a vApp) or under two types (a subtype); the
        // collector reports each object once per call, so across pages a
        // repeat can only be a cursor that went back.
        let mut here: HashSet<u64> = HashSet::new();
        let seen = &read.seen;
        let objects = &mut read.objects;
        let mut check = |batch: Vec<ObjectContent>| -> Result<(), Error> {
            check_authenticated(step, &batch)?;
            if *objects + batch.len() > limits.max_objects {
                return Err(Error::TooLarge {
                    endpoint: endpoint.clone(),
                    what: "objects",
                    limit: limits.max_objects,
                    during: COLLECTION.into(),
                });
            }
            for o in &batch {
                let k = key(&o.obj);
                if seen.contains(&k) {
                    return Err(Error::CursorLoop {
                        endpoint: endpoint.clone(),
                        object: o.obj.to_string(),
                        page: n,
                    });
                }
                if let Some(asked) = asked
                    && !asked.contains(&o.obj)
                {
                    return Err(self
                        .transport
                        .decode_err(step, format!("{} was sent, and not asked for", o.obj)));
                }
                here.insert(k);
            }
            *objects += batch.len();
            emit(batch);
            Ok(())
        };
        let mut stream = PageStream::with(&mut check);
        let sent = self.transport.call_into(req, &mut stream).await;
        let (token, failed, cut) = (
            stream.page.token.take(),
            stream.failed.take(),
            stream.cut.then_some(stream.count),
        );
        drop(stream);
        let result = match (sent, failed) {
            (Err(err), _) => Err(Failed { err, cut }),
            (Ok(()), Some(err)) => Err(Failed::from(err)),
            (Ok(()), None) => Ok(token.clone()),
        };
        if result.is_err()
            && let Some(token) = token.as_deref().or(continued)
        {
            // Free the server-side result set; the error that stopped us
            // is what the user needs to see.
            self.cancel_retrieve(&pc, token).await;
        }
        read.seen.extend(here);
        result
    }

    /// Reads properties of one object (no walk).
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
        let mut found = None;
        let mut keep = |batch: Vec<ObjectContent>| -> Result<(), Error> {
            check_authenticated("RetrievePropertiesEx", &batch)?;
            found = found.take().or(batch.into_iter().next());
            Ok(())
        };
        let mut stream = PageStream::with(&mut keep);
        let sent = self.transport.call_into(req, &mut stream).await;
        let failed = stream.failed.take();
        drop(stream);
        sent?;
        if let Some(e) = failed {
            return Err(e);
        }
        found.ok_or_else(|| {
            self.transport.decode_err(
                "RetrievePropertiesEx",
                format!("no properties returned for {obj}"),
            )
        })
    }
}

/// Where `retrieve_inventory_into` puts the walk's pages.
pub trait InventorySink {
    /// One page's objects, in the order read, past the bounds.
    fn page(&mut self, objects: Vec<ObjectContent>);
    /// The pass starts over (in smaller pages, or in a new session): what
    /// came so far is void.
    fn restart(&mut self);
}

/// Every object, and the running count for progress.
struct Progress<F> {
    objects: Vec<ObjectContent>,
    on_page: F,
}

impl<F: FnMut(usize)> InventorySink for Progress<F> {
    fn page(&mut self, mut objects: Vec<ObjectContent>) {
        self.objects.append(&mut objects);
        (self.on_page)(self.objects.len());
    }

    fn restart(&mut self) {
        self.objects.clear();
    }
}

/// What one pass has read so far, for its bounds. The objects of earlier
/// pages are known by a hash of their reference, not a copy of it: at
/// vCenter's maximum the copies would cost megabytes, and two references
/// that hash alike can only make a read fail (a loop reported), never
/// pass.
#[derive(Default)]
struct Read {
    seen: HashSet<u64>,
    pages: usize,
    objects: usize,
}

fn key(m: &MoRef) -> u64 {
    m.hashed()
}

/// A read that failed; `cut` holds how many objects had arrived when the
/// page it was reading passed the byte bound.
struct Failed {
    err: Error,
    cut: Option<usize>,
}

impl From<Error> for Failed {
    fn from(err: Error) -> Self {
        Failed { err, cut: None }
    }
}

/// At most this many times a pass is asked again in smaller pages: each
/// time the page is at most half what last passed the bound, so a server
/// that sends more than it was asked for is stopped within a few 64 MiB.
const MAX_RESIZES: usize = 4;

/// Runs `pass` with pages of `page_size` objects; when a page passes the
/// byte bound with `k` objects read, the whole pass starts over (the result
/// token cannot change its page size) with pages of three quarters of `k`
/// (at most half the page asked), so a large
/// page costs a second read, never a lost object. A page cut before its
/// first object ends is an object larger than the bound: that, and a server
/// that keeps sending too much, fail with the bound's error.
async fn smaller_on_cut<T>(
    page_size: u32,
    mut pass: impl AsyncFnMut(u32) -> Result<T, Failed>,
) -> Result<T, Error> {
    let mut size = page_size;
    for _ in 0..MAX_RESIZES {
        match pass(size).await {
            Ok(v) => return Ok(v),
            Err(Failed {
                cut: Some(read),
                err,
            }) => {
                // Three quarters of what fitted leaves room for objects
                // larger than those before the cut; at most half the page
                // asked, so a server that keeps sending too much meets
                // ever smaller asks.
                let fits = u32::try_from(read / 4 * 3).unwrap_or(u32::MAX);
                let next = if size == 0 { fits } else { fits.min(size / 2) };
                if next == 0 {
                    return Err(err);
                }
                tracing::debug!(
                    from = size,
                    to = next,
                    "a page passed the byte bound: asked again in smaller pages"
                );
                size = next;
            }
            Err(f) => return Err(f.err),
        }
    }
    pass(size).await.map_err(|f| f.err)
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

/// A `page_size` of 0 leaves the page size to the server (vCenter answers
/// about 100 objects a page then).
fn max_objects(req: &mut Request, page_size: u32) {
    req.open("options");
    if page_size > 0 {
        req.text("maxObjects", &page_size.to_string());
    }
    req.close("options");
}

/// One step of the walk down the inventory: from an object of `kind`,
/// along `path`, then on with the steps named in `next`.
struct Hop {
    name: &'static str,
    kind: &'static str,
    path: &'static str,
    next: &'static [&'static str],
}

/// The inventory as the vSphere Client shows it, walked from the root
/// folder: folders and datacenters, then each datacenter's four folder
/// trees; in the host folders, each compute resource's hosts and pool
/// tree (vApps among the pools, and the VMs of each vApp: every other VM
/// sits in a VM folder). Each folder tree has a step of its own, so no
/// step ever leads back up (a VM's `resourcePool`): a server that applied
/// a step to objects of another type, as vcsim does, still walks each
/// object once or twice, never once per sibling.
const WALK: &[Hop] = &[
    Hop {
        name: "root",
        kind: "Folder",
        path: "childEntity",
        next: &["root", "dcVm", "dcHost", "dcDs", "dcNet"],
    },
    Hop {
        name: "dcVm",
        kind: "Datacenter",
        path: "vmFolder",
        next: &["vmFolder"],
    },
    Hop {
        name: "vmFolder",
        kind: "Folder",
        path: "childEntity",
        next: &["vmFolder"],
    },
    Hop {
        name: "dcHost",
        kind: "Datacenter",
        path: "hostFolder",
        next: &["hostFolder"],
    },
    Hop {
        name: "hostFolder",
        kind: "Folder",
        path: "childEntity",
        next: &["hostFolder", "crHost", "crPool"],
    },
    Hop {
        name: "crHost",
        kind: "ComputeResource",
        path: "host",
        next: &[],
    },
    Hop {
        name: "crPool",
        kind: "ComputeResource",
        path: "resourcePool",
        next: &["pool", "vappVm"],
    },
    Hop {
        name: "pool",
        kind: "ResourcePool",
        path: "resourcePool",
        next: &["pool", "vappVm"],
    },
    Hop {
        name: "vappVm",
        kind: "VirtualApp",
        path: "vm",
        next: &[],
    },
    Hop {
        name: "dcDs",
        kind: "Datacenter",
        path: "datastoreFolder",
        next: &["dsFolder"],
    },
    Hop {
        name: "dsFolder",
        kind: "Folder",
        path: "childEntity",
        next: &["dsFolder"],
    },
    Hop {
        name: "dcNet",
        kind: "Datacenter",
        path: "networkFolder",
        next: &["netFolder"],
    },
    Hop {
        name: "netFolder",
        kind: "Folder",
        path: "childEntity",
        next: &["netFolder"],
    },
];

/// The steps a collection of `kinds` takes: the folder trees always (every
/// path runs through them); the hosts only for hosts; the pool trees for
/// pools, vApps and the VMs inside vApps.
fn walk_for(kinds: &[&str]) -> Vec<&'static Hop> {
    let wants = |k: &[&str]| kinds.iter().any(|x| k.contains(x));
    let hosts = wants(&["HostSystem"]);
    let pools = wants(&["ResourcePool", "VirtualApp", "VirtualMachine"]);
    WALK.iter()
        .filter(|h| match h.name {
            "crHost" => hosts,
            "crPool" | "pool" | "vappVm" => pools,
            _ => true,
        })
        .collect()
}

/// Writes the steps `next` as the selectSets of one level: in full those
/// no enclosing level defines (before any is followed), by name the rest.
/// A server that learns the names level by level as it walks (vcsim does)
/// then knows every name a level uses before it follows any; each step is
/// written in full once, and the root folder meets only the root step
/// (every step listed at the top would be tried on it, and each folder
/// step would walk its children again).
fn level(req: &mut Request, walk: &[&Hop], next: &[&str], scope: &[&'static str]) {
    let taken: Vec<&Hop> = next
        .iter()
        .filter_map(|n| walk.iter().find(|h| h.name == *n).copied())
        .collect();
    let mut inner: Vec<&'static str> = scope.to_vec();
    inner.extend(taken.iter().map(|h| h.name).filter(|n| !scope.contains(n)));
    for hop in taken {
        if scope.contains(&hop.name) {
            req.open("selectSet")
                .text("name", hop.name)
                .close("selectSet");
            continue;
        }
        req.open_typed("selectSet", "TraversalSpec")
            .text("name", hop.name)
            .text("type", hop.kind)
            .text("path", hop.path)
            .text("skip", "false");
        level(req, walk, hop.next, &inner);
        req.close("selectSet");
    }
}

/// `RetrievePropertiesEx` of `specs` for every object of their types
/// below the root folder, walked by `WALK` in the same call: the root
/// itself is not reported (as a ContainerView leaves out its container),
/// and no view is made, so the first page is the collection's first call.
fn inventory_request(
    pc: &MoRef,
    root: &MoRef,
    specs: &[PropertySpec<'_>],
    page_size: u32,
) -> Request {
    let mut req = Request::new("RetrievePropertiesEx", pc);
    req.session_bound = true;
    req.open("specSet");
    prop_sets(&mut req, specs);
    let kinds: Vec<&str> = specs.iter().map(|s| s.kind).collect();
    let walk = walk_for(&kinds);
    req.open("objectSet")
        .moref("obj", root)
        .text("skip", "true");
    level(&mut req, &walk, &["root"], &[]);
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
    let mut page = Page::default();
    decode_into(body, &mut page, &mut Shared::default(), false)?;
    Ok(page)
}

/// Decodes `body` into `page`. With `partial`, `body` is the answer's
/// start followed by whole `objects` elements only, and decoding stops at
/// its last byte rather than asking for the closing tags.
fn decode_into(body: &[u8], page: &mut Page, shared: &mut Shared, partial: bool) -> XmlResult<()> {
    let mut cur = Cursor::new(body);
    let resp = cur.enter_body()?;
    if resp.is("Fault") {
        return Err(XmlError("a SOAP fault in a successful answer".into()));
    }
    // An empty result has no returnval at all.
    while let Some(rv) = cur.next_child()? {
        if !rv.is("returnval") {
            cur.skip()?;
            continue;
        }
        loop {
            if partial && cur.at_end_of_input() {
                return Ok(());
            }
            let Some(tag) = cur.next_child()? else { break };
            if tag.is("token") {
                page.token = Some(cur.text()?.trim_ascii().to_string()).filter(|t| !t.is_empty());
            } else if tag.is("objects") {
                page.objects.push(decode_object(&mut cur, shared)?);
            } else {
                cur.skip()?;
            }
        }
    }
    if partial {
        return Err(XmlError(
            "the objects are not where a page holds them".into(),
        ));
    }
    Ok(())
}

/// A page decoded as it arrives. The answer's start (envelope, namespace
/// bindings, `returnval`, the token) is kept; each run of whole `objects`
/// elements that has arrived is decoded behind it and dropped
/// (`vsphere::runs`), so what is held is the start, one chunk and the
/// objects decoded, never the text of the page; with `emit`, the objects
/// are handed on as each run is decoded and not held either. A run that
/// does not decode, or an answer written with a prefix on `objects`, is
/// read whole and decoded at the end, the same as `decode_page` would, so
/// the guess never changes the result.
pub struct PageStream<'a> {
    pub page: Page,
    shared: Shared,
    runs: Runs,
    /// Decoding in runs stopped: the rest is decoded at the end.
    whole: bool,
    /// The transport stopped the answer at its byte bound.
    pub cut: bool,
    /// Objects of this page decoded so far.
    count: usize,
    emit: Option<Emit<'a>>,
    /// What `emit` refused the objects for.
    failed: Option<Error>,
}

type Emit<'a> = &'a mut dyn FnMut(Vec<ObjectContent>) -> Result<(), Error>;

impl Default for PageStream<'_> {
    fn default() -> Self {
        PageStream {
            page: Page::default(),
            shared: Shared::default(),
            runs: Runs::new(b"<objects>", b"</objects>"),
            whole: false,
            cut: false,
            count: 0,
            emit: None,
            failed: None,
        }
    }
}

impl<'a> PageStream<'a> {
    fn with(emit: Emit<'a>) -> Self {
        PageStream {
            emit: Some(emit),
            ..Default::default()
        }
    }

    fn decode_runs(&mut self) {
        let Some(run) = self.runs.ready() else {
            return;
        };
        let before = self.page.objects.len();
        match decode_into(run, &mut self.page, &mut self.shared, true) {
            Ok(()) => self.runs.consume(),
            Err(_) => {
                self.page.objects.truncate(before);
                self.whole = true;
            }
        }
    }

    /// Hands the objects decoded so far to `emit`, if any.
    fn hand_on(&mut self) -> XmlResult<()> {
        let Some(emit) = self.emit.as_mut() else {
            return Ok(());
        };
        if self.page.objects.is_empty() {
            return Ok(());
        }
        let objects = std::mem::take(&mut self.page.objects);
        // Once refused, the rest is still read and decoded (within the byte
        // bound), so that an answer that is broken as well is reported as
        // broken, which says more than the bound it also broke.
        if self.failed.is_none()
            && let Err(e) = emit(objects)
        {
            self.failed = Some(e);
        }
        Ok(())
    }
}

impl super::transport::BodySink for PageStream<'_> {
    fn feed(&mut self, chunk: &[u8]) -> XmlResult<()> {
        self.runs.push(chunk);
        if !self.whole {
            let before = self.page.objects.len();
            self.decode_runs();
            self.count += self.page.objects.len() - before;
            self.hand_on()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> XmlResult<()> {
        let mut shared = std::mem::take(&mut self.shared);
        let rest = self.runs.take();
        let before = self.page.objects.len();
        decode_into(&rest, &mut self.page, &mut shared, false)?;
        self.count += self.page.objects.len() - before;
        self.hand_on()
    }

    fn cut(&mut self) {
        self.cut = true;
    }

    fn reset(&mut self) {
        let emit = self.emit.take();
        *self = PageStream::default();
        self.emit = emit;
    }

    /// Objects handed on cannot be taken back: a page cut off after some
    /// fails, as a cut-off answer to a call that is not retried does.
    fn retryable(&self) -> bool {
        self.emit.is_none() || self.count == 0
    }
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
        // `VirtualMachine.guest.net`: only the addresses each NIC reports.
        "ArrayOfGuestNicInfo" => {
            let mut v = Vec::new();
            while let Some(nic) = cur.next_child()? {
                while let Some(t) = cur.next_child()? {
                    if nic.is("GuestNicInfo") && t.is("ipAddress") {
                        v.push(cur.text()?.trim_ascii().to_string());
                    } else {
                        cur.skip()?;
                    }
                }
            }
            Value::Strings(v)
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

    fn walk_body(kinds: &[&'static str]) -> String {
        let pc = MoRef::new("PropertyCollector", "propertyCollector");
        let root = MoRef::new("Folder", "group-d1");
        let specs: Vec<PropertySpec<'static>> = kinds
            .iter()
            .map(|k| PropertySpec {
                kind: k,
                paths: &["name"],
            })
            .collect();
        inventory_request(&pc, &root, &specs, 500).body().unwrap()
    }

    /// Each step is written in full once and named after that, so the
    /// root folder meets one step, and a server resolves every name.
    #[test]
    fn the_walk_defines_each_step_once_from_the_root_it_skips() {
        let body = walk_body(&["VirtualMachine", "HostSystem"]);
        assert_eq!(body.matches("<objectSet>").count(), 1);
        assert!(body.contains(r#"<obj type="Folder">group-d1</obj><skip>true</skip>"#));
        for hop in WALK {
            let full = format!("<name>{}</name><type>{}</type>", hop.name, hop.kind);
            assert_eq!(body.matches(&full).count(), 1, "{} in {body}", hop.name);
        }
        assert!(body.contains("<maxObjects>500</maxObjects>"));
        assert!(!body.contains("ContainerView"));
    }

    #[test]
    fn the_walk_to_folders_alone_skips_the_hosts_and_pools() {
        let body = walk_body(&["Folder", "Datacenter"]);
        for skipped in ["crHost", "crPool", "<name>pool</name>", "vappVm"] {
            assert!(!body.contains(skipped), "{skipped} in {body}");
        }
        for taken in ["vmFolder", "hostFolder", "dsFolder", "netFolder"] {
            assert!(body.contains(taken), "{taken} missing from {body}");
        }
    }

    /// A VM in a vApp is in no VM folder: only the pool tree reaches it.
    #[test]
    fn the_walk_to_vms_goes_through_the_pools_to_the_vapps() {
        let body = walk_body(&["VirtualMachine"]);
        assert!(body.contains("<name>vappVm</name><type>VirtualApp</type><path>vm</path>"));
        assert!(!body.contains("crHost"), "{body}");
    }

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

    fn streamed(body: &[u8], chunk: usize) -> XmlResult<Page> {
        use crate::vsphere::transport::BodySink;
        let mut s = PageStream::default();
        let mut held = 0;
        for c in body.chunks(chunk) {
            s.feed(c)?;
            held = held.max(s.runs.held());
        }
        if !s.whole && body.len() > 4096 {
            assert!(
                held < body.len() / 2,
                "the page was held whole: {held} bytes"
            );
        }
        s.finish()?;
        Ok(s.page)
    }

    fn many_objects(n: usize) -> String {
        let objs: String = (0..n)
            .map(|i| format!(r#"<objects><obj type="VirtualMachine">vm-{i}</obj><propSet><name>name</name><val xsi:type="xsd:string">vm &lt;{i}&gt;</val></propSet></objects>"#))
            .collect();
        PAGE.replacen("<objects>", &format!("{objs}<objects>"), 1)
    }

    #[test]
    fn a_page_decoded_as_it_arrives_is_the_page_decoded_whole() {
        let body = many_objects(40);
        let whole = decode_page(body.as_bytes()).unwrap();
        for chunk in [1, 7, 64, 1000, body.len()] {
            let parts = streamed(body.as_bytes(), chunk).unwrap();
            assert_eq!(parts.token, whole.token, "chunks of {chunk}");
            assert_eq!(
                format!("{:?}", parts.objects),
                format!("{:?}", whole.objects),
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn a_boundary_inside_a_value_is_read_whole_and_decodes_the_same() {
        // CDATA may hold the closing tag's text: the guess at the boundary
        // fails to decode, and the page is decoded whole instead.
        let body = PAGE.replace("web &amp; db", "<![CDATA[web </objects><objects> db]]>");
        let whole = decode_page(body.as_bytes()).unwrap();
        let parts = streamed(body.as_bytes(), 16).unwrap();
        assert_eq!(
            format!("{:?}", parts.objects),
            format!("{:?}", whole.objects)
        );
        assert_eq!(
            parts.objects[0].get("name"),
            Some(&Value::String("web </objects><objects> db".into()))
        );
    }

    #[test]
    fn a_broken_page_fails_streamed_as_whole() {
        let body = PAGE.replace("</objects>\n</returnval>", "</returnval>");
        assert!(decode_page(body.as_bytes()).is_err());
        assert!(streamed(body.as_bytes(), 9).is_err());
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
