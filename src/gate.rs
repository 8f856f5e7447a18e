//! The gate, `vaudit check`, as a library: which targets the config and the
//! flags name, what one session gathers for the checks asked for, how a
//! failure to connect becomes a finding, and the registry run over it all.
//! The CLI only resolves settings, opens the session and prints.

use time::OffsetDateTime;

use crate::checks::check::{self, Check, Fact, Needs, Selection};
use crate::checks::facts::{Access, CredentialExpiry, ExpiryAnswer, Facts, IpHolder, Live};
use crate::checks::registry;
use crate::checks::{CheckResult, Finding, Outcome, Severity, Verdict};
use crate::config::ArcConfig;
use crate::inventory::appliance::{Appliance, DatastoreLatency, FoundBy, Probe};
use crate::inventory::vanished::Vanished;
use crate::inventory::{self, MoRef, Snapshot, TargetSpec, VCenter};
use crate::manifest::Manifest;
use crate::vsphere::{self, Client};

/// How the library reaches the vCenter: the caller's connection settings,
/// and the session it opens with them (with its own signals and deadline).
// One current-thread runtime: the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Session {
    /// The caller's error: a stop (a signal, the deadline) ends the run.
    type Error: From<crate::plan::Error>;
    fn username(&self) -> &str;
    fn password(&self) -> &str;
    /// The vCenter as connected to, for the report.
    fn url(&self) -> &str;
    /// How certificate verification was turned off, if it was.
    fn insecure(&self) -> Option<crate::checks::vcenter::InsecureSource>;
    /// How much one collection may read.
    fn limits(&self) -> vsphere::Limits;
    /// Opens a session, runs `body` in it, logs out.
    async fn with_session<T>(
        &self,
        body: impl AsyncFnOnce(&Client) -> Result<T, vsphere::Error>,
    ) -> Result<T, Self::Error>;
    /// A failed session as the run reports it: why the vCenter checks did
    /// not run and, when the failure is a verdict, the connection finding;
    /// or the error back when it ends the run (a signal).
    fn failed(&self, e: Self::Error) -> Result<(String, Option<Finding>), Self::Error>;
}

/// What the connected vCenter says of itself, with how this session
/// reached it (certificate verification, proxy).
fn vcenter_of<S: Session>(conn: &S, client: &Client) -> VCenter {
    VCenter::new(conn.url(), client, conn.insecure().is_some())
}

/// Where the vCenter facts came from, owned.
enum Reached {
    Live(Box<Snapshot>, Live),
    Offline(Box<Snapshot>),
    Unavailable(String, Option<Box<Finding>>),
}

/// What a run of `check` or `diagnose` produced, ready to render.
pub struct Audit {
    pub vcenter: VCenter,
    pub targets: std::collections::BTreeMap<&'static str, crate::checks::EntityRef>,
    pub results: Vec<CheckResult>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

impl Audit {
    /// The report of this run.
    pub fn page<'a, C>(
        &'a self,
        plan: &'a crate::plan::Plan<C>,
        seconds: f64,
        snapshot: Option<&'a str>,
    ) -> crate::report::check::CheckReport<'a> {
        crate::report::check::CheckReport {
            vcenter: &self.vcenter,
            targets: self.targets.clone(),
            privileges_user: plan.user.as_deref(),
            manifest: plan
                .wants(crate::checks::privileges::CHECK)
                .then_some(&plan.manifest),
            results: &self.results,
            findings: &self.findings,
            seconds,
            fail_on_warning: plan.fail_on == Severity::Warning,
            snapshot,
            command: plan.command.name,
            scopes: crate::report::check::scopes(&plan.targets),
        }
    }
}

/// `vaudit check` and `vaudit diagnose`: gather what the selected checks
/// read (one session, the network probes beside it), evaluate, and return
/// the audit to render.
pub async fn run<S: Session>(plan: &crate::plan::Plan<S>) -> Result<Audit, S::Error> {
    use crate::plan::Source;
    let spec = &plan.targets;
    // What the selected checks of this command read, from their entries.
    let needs = Needs::of(plan.command.checks, &plan.selection(), &plan.config);
    let wanted = needs.probes;
    let probes_plan = crate::probe::Subjects::new(
        &plan.config,
        plan.vcenter_address.as_deref(),
        plan.endpoints.clone(),
        wanted,
    );
    // The probes run while the session gathers: they add no time of their
    // own unless the vCenter answers faster than they time out.
    let probes = async {
        if wanted.any_network() && plan.config_given {
            Some(crate::probe::run(&probes_plan, plan.endpoints_from.clone()).await)
        } else {
            None
        }
    };
    let gathered = async {
        Ok::<Reached, S::Error>(match &plan.source {
            Source::Snapshot(path) => {
                let snap = Snapshot::load(path).map_err(|e| {
                    crate::plan::Error::new(e.to_string(), "give --from a file written by --save")
                })?;
                Reached::Offline(Box::new(snap))
            }
            Source::None(why) => Reached::Unavailable(why.clone(), None),
            Source::Live(Err(f)) => Reached::Unavailable(
                format!("not connected: {}", f.message),
                Some(Box::new(f.clone())),
            ),
            Source::Live(Ok(session)) => online(plan, &needs, session, &probes_plan).await?,
        })
    };
    let (gathered, mut network) = tokio::join!(gathered, probes);
    let gathered = gathered?;
    // The image upload goes to ESXi hosts only the inventory names, so this
    // probe waits for it.
    if let (Some(net), true, Reached::Live(snap, _) | Reached::Offline(snap)) = (
        network.as_mut(),
        wanted.has(check::Probe::Upload),
        &gathered,
    ) {
        let names = crate::checks::upload_path::host_names(snap, spec);
        net.upload = Some(crate::probe::upload::run(&names, crate::probe::STEP).await);
    }
    // The probe runs from this machine, only for diagnose, only to the
    // endpoint the config names.
    let probe = if plan.command.diagnose()
        && plan
            .selection()
            .enabled(crate::checks::appliance::CONTROL_PLANE)
    {
        probe_control_plane(&plan.config, std::time::Duration::from_secs(5)).await
    } else {
        None
    };
    if let (Some(path), Reached::Live(snap, _)) = (&plan.save, &gathered) {
        snap.save(path).map_err(|e| {
            crate::plan::Error::new(e.to_string(), "choose a writable path for --save")
        })?;
    }

    let vcenter = match &gathered {
        Reached::Live(snap, live) => Access::Live {
            snap: snap.as_ref(),
            live,
        },
        Reached::Offline(snap) => Access::Offline {
            snap: snap.as_ref(),
        },
        Reached::Unavailable(reason, finding) => Access::Unavailable {
            reason: reason.clone(),
            finding: finding.clone(),
        },
    };
    let vc: VCenter = match &gathered {
        Reached::Live(s, _) | Reached::Offline(s) => s.vcenter.clone(),
        Reached::Unavailable(..) => VCenter {
            url: plan.vcenter_address.clone().unwrap_or_default(),
            ..Default::default()
        },
    };
    let inputs = Inputs::of(plan, probe.as_ref(), network.as_ref());
    // A failed connection explains every vCenter check left not verified:
    // its finding (who was rejected, where each credential came from) is
    // reported whatever --only picked. --skip connection still takes it out.
    let mut only = plan.only.clone();
    if let Reached::Unavailable(_, Some(_)) = &gathered
        && !only.is_empty()
        && !only.iter().any(|o| o == crate::checks::connection::CHECK)
    {
        only.push(crate::checks::connection::CHECK.to_string());
    }
    let reported = Selection {
        only: &only,
        skip: &plan.skip,
    };
    let eval = evaluate_in(
        plan.command.checks,
        &inputs,
        vcenter,
        &reported,
        plan.fail_on,
    );
    let targets = match &gathered {
        Reached::Live(s, _) | Reached::Offline(s) => {
            crate::report::targets_map(&inventory::resolve_each(s, spec).0)
        }
        Reached::Unavailable(..) => Default::default(),
    };
    Ok(Audit {
        vcenter: vc,
        targets,
        results: eval.results,
        findings: eval.findings,
        verdict: eval.verdict,
    })
}

/// The inventory a listing (`folders`, `pools`, `templates`) judges: the
/// snapshot `--from` names, or one collection pass of what `check` and the
/// named targets read (all of it, with the event history and the clock, for
/// `--save`, so any command's `--save` serves every offline check), with
/// whether the user's view may be partial. `history`: the check reads the
/// event history.
pub async fn listing<S: Session>(
    plan: &crate::plan::Plan<S>,
    check: &str,
    history: bool,
) -> Result<Snapshot, S::Error> {
    use crate::plan::Source;
    let save = plan.save.is_some();
    let history = history || save;
    let facets = if save {
        inventory::Facets::all()
    } else {
        registry::listing_reads(check, &plan.targets)
    };
    let snap = match &plan.source {
        Source::Snapshot(path) => Snapshot::load(path).map_err(|e| {
            crate::plan::Error::new(e.to_string(), "give --from a file written by --save")
        })?,
        Source::Live(Ok(conn)) => {
            let progress = crate::report::terminal::Progress::start(true, "", None);
            conn.with_session(async |client| {
                let vc = vcenter_of(conn, client);
                // Whether this user's listing may be partial, asked beside
                // the collection as the gate does (two calls, any size).
                let root = client.content().root_folder.clone();
                let (snap, visibility) = tokio::join!(
                    inventory::collect(client, vc, facets, history, conn.limits(), |n| {
                        progress.objects(n)
                    }),
                    inventory::visibility::gather(client, &root, None)
                );
                let mut snap = snap?;
                snap.visibility = Some(visibility?);
                if history {
                    snap.server_time = Some(client.current_time().await?);
                }
                Ok(snap)
            })
            .await?
        }
        Source::Live(Err(f)) => {
            return Err(crate::plan::Error::new(f.message.clone(), f.remedy.clone()).into());
        }
        Source::None(why) => return Err(crate::plan::Error::new(why.clone(), "").into()),
    };
    if let Some(path) = &plan.save {
        snap.save(path).map_err(|e| {
            crate::plan::Error::new(e.to_string(), "choose a writable path for --save")
        })?;
    }
    Ok(snap)
}

/// The checks `vaudit privileges` judges with: its verdict is theirs, as
/// `check --only privileges,tagging` gives it on the same targets.
pub const PRIVILEGE_CHECKS: [&str; 2] = [
    crate::checks::privileges::CHECK,
    crate::checks::tagging::CHECK,
];

/// What `vaudit privileges` reports.
pub enum Privileges {
    /// The registry's privileges and tagging results, and the listing.
    Judged {
        answered: Box<crate::report::remediation::Answered>,
        results: Vec<CheckResult>,
        findings: Vec<Finding>,
    },
    /// A target named that does not exist.
    NoTarget(Box<Snapshot>, Vec<inventory::TargetError>),
}

/// `vaudit privileges`: the gate run with its privileges and tagging checks
/// selected (`plan.only`), plus the listing body: the answers row by row
/// and, with `explain`, the permissions reaching each entity with a gap.
/// Errors of the session end the command (there is no connection check).
pub async fn privileges<S: Session>(
    plan: &crate::plan::Plan<S>,
    explain: bool,
) -> Result<Privileges, S::Error> {
    use crate::checks::privileges as p;
    use crate::plan::Source;
    let Source::Live(Ok(conn)) = &plan.source else {
        return Err(crate::plan::Error::new(
            "vaudit privileges needs a live session",
            "give --url and the credentials",
        )
        .into());
    };
    let needs = Needs::of(plan.command.checks, &plan.selection(), &plan.config);
    let wants = Wants::of(plan, &needs, conn, &crate::probe::Subjects::default());
    let progress = crate::report::terminal::Progress::start(
        crate::report::emit::shows_progress(plan.format),
        "",
        None,
    );
    let spec = &plan.targets;
    let gathered = conn
        .with_session(async |client| {
            let vc = vcenter_of(conn, client);
            let (mut snap, live) =
                gather(client, vc, spec, &wants, |n| progress.objects(n)).await?;
            let mut applying = Vec::new();
            if explain && let Some(answers) = &snap.privileges {
                let (targets, _) = inventory::resolve_each(&snap, spec);
                let root = p::root_entity(&snap.root);
                let placements = p::placements(&plan.manifest.kinds(), &targets, &root);
                let audit = p::check(crate::report::remediation::answers_of(
                    answers,
                    &placements,
                    &plan.manifest,
                ));
                // Every entity with a gap, and every target the VM's
                // privileges may be stranded on: grant's plan (the lines
                // --explain prints) reads who holds what there.
                let mut gaps: Vec<MoRef> = Vec::new();
                let stranded = audit
                    .findings
                    .iter()
                    .filter(|f| f.code == "privilege-not-propagated")
                    .filter_map(|f| f.entity.as_ref());
                let missing = audit
                    .rows
                    .iter()
                    .filter(|r| r.known && !r.granted)
                    .map(|r| &r.entity);
                for e in missing.chain(stranded) {
                    let m = MoRef::new(e.kind.clone(), e.moref.clone());
                    if !gaps.contains(&m) {
                        gaps.push(m);
                    }
                }
                // At most one call per entity kind: bounded by the seven kinds.
                // An entity deleted since the inventory pass leaves the
                // privileges check not verified, as in `check`.
                let mut vanished = Vec::new();
                for m in gaps {
                    let perms = client.retrieve_entity_permissions(&m, true).await;
                    if let Some(perms) = gone(perms.map(Some), &[p::CHECK], &mut vanished)? {
                        applying.push((m, perms));
                    }
                }
                snap.vanished.extend(vanished);
            }
            Ok((snap, live, applying))
        })
        .await;
    drop(progress);
    let (mut snap, mut live, applying) = gathered?;
    live.insecure = conn.insecure();
    let (targets, errors) = inventory::resolve_each(&snap, spec);
    if !errors.is_empty() {
        return Ok(Privileges::NoTarget(Box::new(snap), errors));
    }
    let inputs = Inputs::of(plan, None, None);
    let eval = evaluate_in(
        plan.command.checks,
        &inputs,
        Access::Live {
            snap: &snap,
            live: &live,
        },
        &plan.selection(),
        plan.fail_on,
    );
    // The listing's order: privileges, then tagging.
    let results: Vec<CheckResult> = PRIVILEGE_CHECKS
        .iter()
        .filter_map(|n| eval.results.iter().find(|r| r.name == *n).cloned())
        .collect();
    let root = p::root_entity(&snap.root);
    let placements = p::placements(&plan.manifest.kinds(), &targets, &root);
    let mut tmap = crate::report::targets_map(&targets);
    tmap.insert("root", crate::checks::EntityRef::from(&root));
    let Some(answers) = snap.privileges.take() else {
        // An entity deleted while the privilege questions were asked: no
        // answers to list, and no connection failure either.
        if let Some(v) = snap.vanished.first() {
            return Err(crate::plan::Error::new(
                format!("No privileges were judged: {}.", v.what(&snap)),
                "run the command again",
            )
            .into());
        }
        return Err(crate::plan::Error::new(
            "the vCenter gave no privilege answers for these targets",
            "run vaudit check --only targets to see which target is missing",
        )
        .into());
    };
    let global = live.global_permissions.take().map(|g| *g);
    // The same order for the findings (the registry runs tagging first).
    let findings: Vec<Finding> = PRIVILEGE_CHECKS
        .iter()
        .flat_map(|n| eval.findings.iter().filter(move |f| f.check == *n))
        .cloned()
        .collect();
    Ok(Privileges::Judged {
        answered: Box::new(crate::report::remediation::Answered {
            user: answers.user.clone(),
            answers,
            snap,
            targets: tmap,
            placements,
            applying,
            global,
        }),
        results,
        findings,
    })
}

/// The live session: everything the selected checks read, or why not. An
/// interruption (a signal) is the one error that ends the command instead.
async fn online<S: Session>(
    plan: &crate::plan::Plan<S>,
    needs: &Needs,
    conn: &S,
    probes: &crate::probe::Subjects,
) -> Result<Reached, S::Error> {
    let progress = crate::report::terminal::Progress::start(
        crate::report::emit::shows_progress(plan.format),
        "checking: ",
        Some("connecting to the vCenter…"),
    );
    let wants = Wants {
        ends_session: true,
        ..Wants::of(plan, needs, conn, probes)
    };
    let result = conn
        .with_session(async |client| {
            let vc = vcenter_of(conn, client);
            gather(client, vc, &plan.targets, &wants, |n| progress.objects(n)).await
        })
        .await;
    drop(progress);
    Ok(match result {
        Ok((snap, mut live)) => {
            live.insecure = conn.insecure();
            Reached::Live(Box::new(snap), live)
        }
        Err(e) => {
            let (why, finding) = conn.failed(e)?;
            Reached::Unavailable(why, finding.map(Box::new))
        }
    })
}

/// What the session must gather: the selected checks' declarations
/// (`Needs`) with what the plan gives them to ask with.
pub struct Wants<'a> {
    /// The inventory the selected checks read (`registry::inventory_for`),
    /// or all of it for `--save`.
    pub inventory: inventory::Facets,
    pub events: bool,
    pub privileges: Option<(&'a Manifest, Option<&'a str>)>,
    /// The credentials for the vAPI REST session, when tagging is asked for.
    pub tagging: Option<(&'a str, &'a str)>,
    /// Whether the manifest asks for `AttachTag`: on vCenter 9 the REST
    /// session then also lists the permissions (global ones decide it).
    pub global_permissions: bool,
    /// How much one collection may read (a server whose cursor never ends).
    pub limits: vsphere::Limits,
    /// The target datastore's latency samples (datastore-latency).
    pub latency: bool,
    /// `vaudit diagnose`: look for the appliance this config deployed.
    pub appliance: Option<&'a ArcConfig>,
    /// The plan's addresses to look up in vCenter (`FindAllByIp`), when
    /// the ip-conflict check is asked for.
    pub ip_search: Option<Vec<String>>,
    /// The logged-in user's name and password, for its SSO token (group
    /// membership).
    pub sso: Option<(&'a str, &'a str)>,
    /// Whether to ask SSO when the logged-in account's password expires
    /// (credential-expiry), with the `sso` credentials.
    pub credential_expiry: bool,
    /// Whether to ask if the inventory read may be partial, and for which
    /// `--user` besides the session's user.
    pub visibility: Option<Option<&'a str>>,
    /// The caller makes no SOAP call after `gather`: Logout is sent as soon
    /// as the last SOAP answer is in, beside the REST and SSO calls still
    /// on the wire, rather than after them.
    pub ends_session: bool,
}

impl<'a> Wants<'a> {
    pub fn of<S: Session>(
        plan: &'a crate::plan::Plan<S>,
        needs: &Needs,
        conn: &'a S,
        probes: &crate::probe::Subjects,
    ) -> Wants<'a> {
        let credentials = (conn.username(), conn.password());
        Wants {
            // A saved snapshot serves every offline check: all of it.
            inventory: if plan.save.is_some() {
                inventory::Facets::all()
            } else {
                // Every target given is resolved (the targets check, the
                // manifest's kinds), whichever checks read it.
                needs.inventory.with(registry::asked_reads(&plan.targets))
            },
            events: needs.reads(Fact::Events),
            privileges: needs
                .reads(Fact::Privileges)
                .then_some((&plan.manifest, plan.user.as_deref())),
            tagging: needs.reads(Fact::Tagging).then_some(credentials),
            global_permissions: needs.reads(Fact::GlobalPermissions)
                && plan
                    .manifest
                    .get(crate::checks::tagging::ATTACH_TAG)
                    .is_some(),
            limits: conn.limits(),
            latency: needs.reads(Fact::Latency),
            appliance: needs.reads(Fact::Appliance).then_some(&plan.config),
            ip_search: needs.reads(Fact::IpSearch).then(|| {
                probes
                    .addresses
                    .iter()
                    .map(|(_, ip)| ip.to_string())
                    .collect()
            }),
            sso: needs.reads(Fact::Sso).then_some(credentials),
            credential_expiry: needs.reads(Fact::CredentialExpiry),
            visibility: needs
                .reads(Fact::Visibility)
                .then_some(plan.user.as_deref()),
            ends_session: false,
        }
    }
}

/// How many calls `gather` asks at once right after Login (the inventory's
/// first page, the clock, the event history, the privilege and role lists,
/// the perf catalog, the visibility question, the REST session, the Lookup
/// Service's two): the connections the gate's session opens ahead, beside
/// ServiceContent, so that none of them waits on a handshake.
pub const AT_ONCE: usize = 10;

/// One session's gathering: the inventory, the vCenter's time, the event
/// history, the privilege answers for the targets, the REST probe. Every
/// call runs in the caller's session.
pub async fn gather(
    client: &Client,
    vcenter: VCenter,
    spec: &TargetSpec,
    wants: &Wants<'_>,
    on_progress: impl FnMut(usize),
) -> Result<(Snapshot, Live), vsphere::Error> {
    // First, everything that does not need the inventory, beside it: over
    // a WAN each call costs a round trip, and these are independent. The
    // paging itself stays sequential, as the API requires.
    let root = client.content().root_folder.clone();
    // One SSO token serves the privileges and the credential-expiry checks.
    let sso = vsphere::sso::Cache::default();
    let privileges_prelude = async {
        match wants.privileges {
            Some((_, user)) => inventory::privileges::prelude(client, user).await.map(Some),
            None => Ok(None),
        }
    };
    // The groups (an SSO chain of three calls) on their own: no SOAP call
    // waits on them, and they join the privilege answers at the end.
    let membership = async {
        match wants.privileges {
            Some((_, user)) => {
                Some(inventory::privileges::membership(client, &sso, wants.sso, user).await)
            }
            None => None,
        }
    };
    let catalog = async {
        if wants.latency {
            client.perf_catalog().await.map(Some)
        } else {
            Ok(None)
        }
    };
    // The SSO token service and its admin calls: on their own, beside it all.
    let credential_expiry = async {
        match (wants.credential_expiry, wants.sso) {
            (true, Some((user, password))) => Some(Box::new(
                gather_credential_expiry(client, &sso, user, password).await,
            )),
            (true, None) => Some(Box::new(CredentialExpiry {
                account: String::new(),
                answer: ExpiryAnswer::Failed("no credentials for the SSO token service".into()),
            })),
            (false, _) => None,
        }
    };
    let visibility = async {
        match wants.visibility {
            Some(user) => inventory::visibility::gather(client, &root, user)
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    // vCenter 9 lists global permissions (AttachTag counts only there) in
    // the same REST session as the tag probe.
    let authz = wants.global_permissions
        && crate::checks::tagging::lists_global_permissions(&vcenter.version);
    let tagging = async {
        match wants.tagging {
            Some((user, password)) => {
                let (tags, listing) = rest_answers(client, user, password, authz).await;
                (Some(tags), listing.map(Box::new))
            }
            None => (None, None),
        }
    };
    let ip_holders = async {
        match &wants.ip_search {
            Some(ips) => Some(find_by_ip(client, ips).await),
            None => None,
        }
    };
    // The REST probe (up to four calls in a row on its own connection)
    // runs beside both steps below, so it never holds up the SOAP ones.
    let work = async {
        // What the questions about the targets need waits; the clock, the
        // visibility question and the address search are only kept, so
        // they go on beside everything below rather than hold it up.
        let needed = async {
            tokio::join!(
                Box::pin(inventory::first_pass(
                    client,
                    vcenter,
                    wants.inventory,
                    wants.events,
                    wants.limits,
                    on_progress
                )),
                privileges_prelude,
                catalog,
            )
        };
        let kept = async { tokio::join!(client.current_time(), visibility, ip_holders) };
        let asked = async {
            let (first, prelude, catalog) = needed.await;
            let first = first?;
            let (prelude, catalog) = (prelude?, catalog?);
            // Boxed: the gate's future nests deep enough to pass the
            // compiler's layout depth otherwise.
            Box::pin(ask_of_targets(
                client, first, spec, wants, prelude, catalog, &root,
            ))
            .await
        };
        let (asked, (server_time, visibility, ip_holders)) = tokio::join!(asked, kept);
        let (mut snap, (privileges, latency, appliance)) = asked?;
        let (server_time, visibility) = (server_time?, visibility?);
        snap.server_time = Some(server_time);
        snap.visibility = visibility;
        // An object deleted since the inventory pass ends the checks that
        // read it not verified; it says nothing of the connection.
        let mut vanished = Vec::new();
        let privileges = gone(
            privileges,
            &[
                crate::checks::privileges::CHECK,
                crate::checks::tagging::CHECK,
            ],
            &mut vanished,
        )?;
        let latency = gone(latency, &[crate::checks::latency::CHECK], &mut vanished)?;
        let appliance = gone(appliance, &appliance_checks(), &mut vanished)?;
        snap.vanished = vanished;
        snap.privileges = privileges;
        snap.datastore_latency = latency;
        Ok::<_, vsphere::Error>((snap, appliance, ip_holders))
    };
    let work = async {
        let done = work.await;
        if wants.ends_session
            && let Err(e) = client.end_session().await
        {
            tracing::warn!("logout failed: {e}");
        }
        done
    };
    // The SOAP work first: the first call polled takes the connection Login
    // left idle, and the inventory's calls follow one another on it, so the
    // longest chain never waits on a TLS handshake; the others open theirs
    // while it runs.
    let (work, (tagging, global_permissions), credential_expiry, membership) =
        tokio::join!(work, tagging, credential_expiry, membership);
    let (mut snap, appliance, ip_holders) = work?;
    if let (Some(answers), Some(m)) = (snap.privileges.as_mut(), membership) {
        answers.membership = Some(m);
    }
    Ok((
        snap,
        Live {
            certificate: client.server_certificate(),
            tagging,
            global_permissions,
            insecure: None,
            appliance,
            ip_holders,
            credential_expiry,
        },
    ))
}

/// The questions about the targets (privileges, latency, the appliance),
/// and the snapshot. They need only the first pass's folders, pools and
/// datastores, so they are asked beside the templates' second pass when
/// no question reads a VM's name (the appliance search does): the
/// privileges then ask about every template the first pass found, and
/// keep the answers for the one the snapshot's template target names. Over
/// a WAN, waiting for the second pass costs a round trip.
async fn ask_of_targets(
    client: &Client,
    first: inventory::FirstPass<impl FnMut(usize)>,
    spec: &TargetSpec,
    wants: &Wants<'_>,
    prelude: Option<inventory::privileges::Prelude>,
    catalog: Option<vsphere::PerfCatalog>,
    root: &MoRef,
) -> Result<(Snapshot, Asked), vsphere::Error> {
    let privileges = async |snap: &Snapshot,
                            spec: &TargetSpec,
                            prelude: Option<inventory::privileges::Prelude>,
                            also: &[MoRef]| {
        match (wants.privileges, prelude) {
            (Some((manifest, user)), Some(prelude)) => {
                let (targets, errors) = inventory::resolve_each(snap, spec);
                // A target that does not exist is reported by the targets
                // check; asking about the others would judge a partial set.
                if errors.is_empty() {
                    inventory::privileges::gather_with(
                        client, snap, &targets, manifest, user, prelude, also,
                    )
                    .await
                    .map(Some)
                } else {
                    Ok(None)
                }
            }
            _ => Ok(None),
        }
    };
    let others = async |snap: &Snapshot| {
        let latency = async {
            match catalog {
                Some(c) => gather_latency(client, snap, spec, c).await,
                None => Ok(None),
            }
        };
        let appliance = async {
            match wants.appliance {
                Some(cfg) => gather_appliance(client, snap, cfg, spec)
                    .await
                    .map(|a| Some(Box::new(a))),
                None => Ok(None),
            }
        };
        tokio::join!(latency, appliance)
    };
    if !first.has_second_pass() || wants.appliance.is_some() {
        let snap = Box::pin(first.finish(client, wants.limits)).await?;
        let (privileges, (latency, appliance)) =
            tokio::join!(privileges(&snap, spec, prelude, &[]), others(&snap));
        return Ok((snap, (privileges, latency, appliance)));
    }
    let provisional = first.provisional(root.clone());
    let named = spec.template.is_some();
    let templates = if named { first.templates() } else { Vec::new() };
    let early = TargetSpec {
        template: None,
        ..spec.clone()
    };
    let again = prelude.clone();
    let (snap, (asked, (latency, appliance))) =
        tokio::join!(Box::pin(first.finish(client, wants.limits)), async {
            tokio::join!(
                privileges(&provisional, &early, prelude, &templates),
                others(&provisional)
            )
        });
    let snap = snap?;
    let privileges = match (asked, wants.privileges) {
        (Ok(Some(answers)), Some((manifest, _))) if named => {
            let (targets, errors) = inventory::resolve_each(&snap, spec);
            // As the sequential order would have: nothing when a target
            // is missing, else the answers for the targets alone.
            Ok(match errors.is_empty() {
                true => answers.keep_only(inventory::privileges::entities_asked(
                    &snap, &targets, manifest,
                )),
                false => None,
            })
        }
        // A template deleted between the passes made the call fail: the
        // snapshot no longer holds it, so ask as the sequential order does
        // (a round trip more, only in that race).
        (Err(e), _) if named && e.is_managed_object_not_found() => {
            privileges(&snap, spec, again, &[]).await
        }
        (other, _) => other,
    };
    Ok((snap, (privileges, latency, appliance)))
}

/// The answers `ask_of_targets` gathers: privileges, latency, appliance.
type Asked = (
    Result<Option<inventory::privileges::PrivilegeAnswers>, vsphere::Error>,
    Result<Option<DatastoreLatency>, vsphere::Error>,
    Result<Option<Box<Appliance>>, vsphere::Error>,
);

/// A step's answer, or none when it found an object deleted since it was
/// seen (kept in `vanished` for `checks`).
fn gone<T>(
    r: Result<Option<T>, vsphere::Error>,
    checks: &[&str],
    vanished: &mut Vec<Vanished>,
) -> Result<Option<T>, vsphere::Error> {
    match r {
        Err(e) => match Vanished::from_error(&e, checks) {
            Some(v) => {
                vanished.push(v);
                Ok(None)
            }
            None => Err(e),
        },
        ok => ok,
    }
}

/// The checks that read what the appliance search found: every one of
/// them judges the VM it found, so a VM gone before it was read leaves
/// them all unjudged (the control-plane probe reads none of it).
fn appliance_checks() -> Vec<&'static str> {
    registry::DIAGNOSE
        .iter()
        .filter(|c| c.facts.contains(&Fact::Appliance))
        .map(|c| c.name)
        .collect()
}

/// The REST probe's answers as the checks read them: the tag probe's
/// outcome and, with `authz`, vCenter 9's permission listing (a session
/// that could not be opened fails both).
async fn rest_answers(
    client: &Client,
    user: &str,
    password: &str,
    authz: bool,
) -> (
    Result<(), String>,
    Option<crate::checks::tagging::GlobalListing>,
) {
    match client.rest_probe(user, password, authz).await {
        Ok(p) => (
            p.tags.map(|_| ()).map_err(|e| e.to_string()),
            p.authorization.map(|a| a.map_err(|e| e.to_string())),
        ),
        Err(e) => (
            Err(e.to_string()),
            authz.then(|| Err(format!("no REST session: {e}"))),
        ),
    }
}

/// vCenter 9's global permissions for a command that judges `AttachTag`
/// without the tag probe (`vaudit privileges`): one REST session.
pub async fn global_permissions(
    client: &Client,
    user: &str,
    password: &str,
) -> crate::checks::tagging::GlobalListing {
    rest_answers(client, user, password, true)
        .await
        .1
        .unwrap_or_else(|| Err("the REST permission list was not asked".into()))
}

/// What vCenter SSO says of the logged-in account's password, asked with
/// the account's own token from the STS of the `--url` host:
/// 1. `GetSystemDomainName`: SSO keeps only the passwords of its own
///    domain's users; an account of another identity source (Active
///    Directory, LDAP) cannot be answered for.
/// 2. `GetDaysRemainingUntilPasswordExpiration` (principal management),
///    asked beside 1 and read only when 1 allows: the days left, or -1 for
///    never; it needs the SSO Administrator role.
/// 3. Without that role, `GetLocalPasswordPolicy` (open to every user):
///    no lifetime means local passwords never expire; a lifetime without
///    the account's own days left cannot be answered for (SSO's self
///    service has no days-left call in its published SOAP bindings).
///
/// Failures are kept for the check to report, not fatal to the rest.
pub async fn gather_credential_expiry(
    client: &Client,
    sso: &vsphere::sso::Cache,
    user: &str,
    password: &str,
) -> CredentialExpiry {
    let failed = |account: &str, why: String| CredentialExpiry {
        account: account.to_string(),
        answer: ExpiryAnswer::Failed(why),
    };
    let token = match sso.token(client, user, password).await {
        Ok(t) => t,
        Err(e) => return failed(user, format!("no SSO token: {e}")),
    };
    let admin = vsphere::sso::SsoAdmin::new(client, &token);
    let account = token.subject.clone();
    let answer = |answer| CredentialExpiry {
        account: account.clone(),
        answer,
    };
    let principal = vsphere::Principal::parse(&account);
    // Both asked at once (over a WAN each is a round trip): the days left
    // are read only once the system domain says they are SSO's to give.
    let (system, days) = tokio::join!(
        admin.system_domain(),
        admin.days_until_password_expiration(&principal)
    );
    let system = match system {
        Ok(d) => d,
        Err(e) => return failed(&account, e.to_string()),
    };
    let domain = principal.domain_or_default().to_lowercase();
    if !domain.eq_ignore_ascii_case(system.trim()) {
        return answer(ExpiryAnswer::Unanswerable(format!(
            "it is an account of {domain}, not of vCenter SSO's own domain {system}; its directory (such as Active Directory) keeps its password"
        )));
    }
    use vsphere::sso::DaysRemaining;
    match days {
        Ok(DaysRemaining::Days(d)) => answer(ExpiryAnswer::Days(d)),
        Ok(DaysRemaining::Never) => answer(ExpiryAnswer::Never {
            source: "GetDaysRemainingUntilPasswordExpiration (-1)".into(),
        }),
        Ok(DaysRemaining::InvalidPrincipal(t)) => answer(ExpiryAnswer::Unanswerable(format!(
            "SSO keeps no password for it ({t})"
        ))),
        Ok(DaysRemaining::NoPermission(_)) => match admin.password_lifetime_days().await {
            Ok(None) => answer(ExpiryAnswer::Never {
                source: "the local password policy (GetLocalPasswordPolicy) sets no lifetime"
                    .into(),
            }),
            Ok(Some(days)) => answer(ExpiryAnswer::Unanswerable(format!(
                "the local password policy lets passwords live {days} days, and only an SSO administrator may ask how many are left (GetDaysRemainingUntilPasswordExpiration)"
            ))),
            Err(e) => failed(&account, e.to_string()),
        },
        Err(e) => failed(&account, e.to_string()),
    }
}

/// The target datastore's write latency over the vCenter's last hour, from
/// the connected hosts that mount it: one batched `QueryPerf`. `None` when
/// the datastore is not there to ask about (the targets check says why).
async fn gather_latency(
    client: &Client,
    snap: &Snapshot,
    spec: &TargetSpec,
    catalog: vsphere::PerfCatalog,
) -> Result<Option<DatastoreLatency>, vsphere::Error> {
    let (targets, _) = inventory::resolve_each(snap, spec);
    let Some(ds) = targets.datastore else {
        return Ok(None);
    };
    let hosts: Vec<MoRef> = ds
        .mounts
        .iter()
        .flatten()
        .filter(|m| m.mounted != Some(false) && m.accessible != Some(false))
        .map(|m| m.host.clone())
        .filter(|h| {
            snap.get(h)
                .and_then(|e| e.connection_state.as_deref())
                .is_none_or(|c| c == "connected")
        })
        .collect();
    // vCenter keeps the counters under the volume UUID, the last element
    // of the datastore's URL (ds:///vmfs/volumes/<uuid>/).
    let instance = ds
        .url
        .as_deref()
        .unwrap_or_default()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let rfc = &time::format_description::well_known::Rfc3339;
    let end = snap
        .server_time
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, rfc).ok())
        .unwrap_or_else(OffsetDateTime::now_utc);
    let start = end - time::Duration::hours(1);
    let (start, end) = (
        start.format(rfc).unwrap_or_default(),
        end.format(rfc).unwrap_or_default(),
    );
    let series = match catalog.write_latency_counter {
        Some(c) => {
            client
                .query_host_latency(c, &hosts, &instance, &start, &end)
                .await?
        }
        None => vec![],
    };
    Ok(Some(DatastoreLatency {
        datastore: ds.moref.clone(),
        instance,
        counter: catalog.write_latency_counter,
        intervals: catalog.intervals,
        hosts,
        series,
        start,
        end,
    }))
}

/// Finds the appliance VM(s): first by guest address (the control-plane
/// endpoint, then each node-pool address, within the target datacenter),
/// else the VMs deployed from the configured template that still exist
/// (vCenter's deploy and clone events). Then reads their guest facts, the
/// failed logins from their addresses and their recent lifecycle events.
pub async fn gather_appliance(
    client: &Client,
    snap: &Snapshot,
    cfg: &ArcConfig,
    spec: &TargetSpec,
) -> Result<Appliance, vsphere::Error> {
    let searched = crate::checks::appliance::addresses(cfg);
    let (targets, _) = inventory::resolve_each(snap, spec);
    let dc = targets.datacenter.map(|d| d.moref.clone());
    let mut vms: Vec<MoRef> = Vec::new();
    for ip in &searched {
        for m in client.find_all_by_ip(ip, dc.as_ref(), true).await? {
            if !vms.contains(&m) {
                vms.push(m);
            }
        }
    }
    let mut found_by = FoundBy::GuestIp;
    if vms.is_empty() {
        found_by = FoundBy::Template;
        if let (Some(t), Some(events)) = (targets.template, &snap.events) {
            for e in events {
                if e.source.as_ref() == Some(&t.moref)
                    && let Some(vm) = &e.vm
                    && snap.get(vm).is_some_and(|v| !v.template)
                    && !vms.contains(vm)
                {
                    vms.push(vm.clone());
                }
            }
        }
    }
    let guests: Vec<vsphere::VmGuest> = client
        .vm_guests(&vms)
        .await?
        .into_iter()
        .filter(|g| !g.template)
        .collect();
    if guests.is_empty() {
        found_by = FoundBy::NotFound;
    }
    let mut addresses = searched.clone();
    for g in &guests {
        for a in &g.ip_addresses {
            if !addresses.contains(a) {
                addresses.push(a.clone());
            }
        }
    }
    let bad_logins = if addresses.is_empty() {
        vec![]
    } else {
        client
            .query_events(&["BadUsernameSessionEvent"], None)
            .await?
            .into_iter()
            .filter(|e| e.ip_address.as_ref().is_some_and(|a| addresses.contains(a)))
            .collect()
    };
    let mut events = Vec::new();
    for g in &guests {
        match client
            .query_events(inventory::appliance::LIFECYCLE_EVENTS, Some(&g.vm))
            .await
        {
            Ok(e) => events.extend(e),
            Err(e) => return Err(deleted_or(client, &g.vm, e).await),
        }
    }
    events.sort_by_key(|e| e.key);
    Ok(Appliance {
        searched,
        template: spec.template.clone(),
        found_by,
        vms: guests,
        bad_logins,
        events,
    })
}

/// `e`, or the answer that `vm` no longer exists when that is why a call
/// about it was refused: vCenter refuses an event filter naming a deleted
/// entity as an invalid argument, which alone does not say so.
async fn deleted_or(client: &Client, vm: &MoRef, e: vsphere::Error) -> vsphere::Error {
    if e.is_managed_object_not_found() || !matches!(e, vsphere::Error::Fault { .. }) {
        return e;
    }
    match client.vm_guests(std::slice::from_ref(vm)).await {
        Err(gone) if gone.is_managed_object_not_found() => gone,
        _ => e,
    }
}

/// Whether the bridge's API server accepts a TCP connection on the
/// control-plane endpoint, port 6443, from this machine. `None` when the
/// config names no endpoint.
pub async fn probe_control_plane(cfg: &ArcConfig, timeout: std::time::Duration) -> Option<Probe> {
    let host = vsphere::host_of(cfg.control_plane_endpoint.as_deref()?);
    let target = format!("{host}:{}", crate::checks::appliance::API_PORT);
    let error = match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&target)).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("no answer within {} s", timeout.as_secs())),
    };
    Some(Probe { target, error })
}

/// The VMs (by guest address) and hosts (by vNIC) vCenter knows at each
/// address. A failure is kept for the ip-conflict check to report, not
/// fatal to the rest of the gathering.
async fn find_by_ip(client: &Client, ips: &[String]) -> Result<Vec<IpHolder>, String> {
    let mut out = Vec::new();
    for ip in ips {
        for vm in [true, false] {
            let found = client
                .find_all_by_ip(ip, None, vm)
                .await
                .map_err(|e| e.to_string())?;
            out.extend(found.into_iter().map(|moref| IpHolder {
                ip: ip.clone(),
                moref,
                vm,
            }));
        }
    }
    Ok(out)
}

/// The listing's check, through the registry: the `targets` check when a
/// target is named, then the command's own. Without its target a listing
/// judges what applies to the whole inventory (pools, templates) or, for
/// folders, nothing: the result then says so (`skipped`, listed only).
pub fn judge_listing(
    check: &'static str,
    snap: &Snapshot,
    spec: &TargetSpec,
    max_age: Option<u32>,
    fail_on: Severity,
) -> (Vec<CheckResult>, Vec<Finding>) {
    let manifest = crate::manifest::default_manifest();
    let config = crate::config::ArcConfig::default();
    let (targets, target_errors) = inventory::resolve_each(snap, spec);
    let facts = Facts {
        config: &config,
        config_given: false,
        spec,
        vcenter_address: None,
        now: time::OffsetDateTime::now_utc(),
        max_age,
        manifest: &manifest,
        support_matrix: crate::checks::support_matrix::embedded(),
        privileges_user: None,
        whole_inventory: true,
        vcenter: Access::Offline { snap },
        targets,
        target_errors,
        probe: None,
        network: None,
    };
    let mut results = Vec::new();
    let mut findings = Vec::new();
    let mut push = |name: &str, o: Outcome| {
        results.push(CheckResult::from_outcome(name, &o, fail_on));
        findings.extend(o.findings().iter().cloned());
    };
    let named = spec.datacenter.is_some()
        || spec.folder.is_some()
        || spec.pool.is_some()
        || spec.datastore.is_some()
        || spec.network.is_some()
        || spec.template.is_some();
    if named {
        push(
            crate::checks::targets::CHECK,
            crate::checks::targets::run(&facts),
        );
    }
    let Some(entry) = registry::get(check) else {
        return (results, findings);
    };
    // The targets check says when the view may be partial; without it the
    // listing's own check carries the same note.
    let notes = if named {
        vec![]
    } else {
        crate::checks::targets::inventory_filtered(&facts, check)
    };
    let given = entry.targets.iter().all(|t| spec.get(*t).is_some());
    if given {
        push(check, with_notes(check::run_one(entry, &facts), notes));
    } else if check == crate::checks::folders::CHECK {
        let mut skipped = CheckResult::skipped(
            check,
            "no --folder given: every folder is listed, none is judged as the target",
        );
        skipped.findings = notes.len();
        results.push(skipped);
        findings.extend(notes);
    } else {
        push(check, with_notes((entry.run)(&facts), notes));
    }
    (results, findings)
}

/// `o` with `notes` (info findings, which change no status) added.
fn with_notes(o: Outcome, notes: Vec<Finding>) -> Outcome {
    match o {
        Outcome::Verified(mut f) => {
            f.extend(notes);
            Outcome::Verified(f)
        }
        Outcome::NotVerified {
            reason,
            mut findings,
        } => {
            findings.extend(notes);
            Outcome::NotVerified { reason, findings }
        }
    }
}

/// The finding that says why the vCenter could not be audited.
pub fn connection_finding(e: &vsphere::Error, user: Option<&str>) -> Finding {
    let code = match e {
        vsphere::Error::Dns { .. }
        | vsphere::Error::Refused { .. }
        | vsphere::Error::Timeout { .. }
        | vsphere::Error::Connect { .. } => "endpoint-unreachable",
        vsphere::Error::Untrusted { .. } => "tls-untrusted",
        v if v.is_invalid_login() => "login-failed",
        _ => "connection-failed",
    };
    let mut message = e.to_string();
    if code == "login-failed"
        && let Some(u) = user
    {
        message = format!("{message} (user {u})");
    }
    Finding::new(
        crate::checks::connection::CHECK,
        Severity::Error,
        code,
        None,
        message,
        e.remedy()
            .unwrap_or_else(|| "fix the connection settings and run the check again".into()),
    )
}

/// The short reason the other vCenter checks give when the connection failed.
pub fn not_run_because(f: &Finding) -> String {
    match f.code.as_str() {
        "login-failed" => "login failed".into(),
        "tls-untrusted" => "the vCenter's certificate is not trusted".into(),
        "endpoint-unreachable" => "the vCenter could not be reached".into(),
        _ => "the connection to the vCenter failed".into(),
    }
}

/// Everything a check run needs besides the vCenter facts.
pub struct Inputs<'a> {
    pub config: &'a ArcConfig,
    pub config_given: bool,
    pub spec: &'a TargetSpec,
    pub vcenter_address: Option<&'a str>,
    pub max_age: Option<u32>,
    pub manifest: &'a Manifest,
    pub support_matrix: &'a crate::checks::support_matrix::SupportMatrix,
    pub privileges_user: Option<&'a str>,
    pub now: OffsetDateTime,
    /// `vaudit diagnose`: the control-plane probe.
    pub probe: Option<&'a Probe>,
    /// What the network probes saw, when they ran.
    pub network: Option<&'a crate::probe::NetworkFacts>,
}

impl<'a> Inputs<'a> {
    /// What the plan gives the checks, with what the probes saw.
    pub fn of<C>(
        plan: &'a crate::plan::Plan<C>,
        probe: Option<&'a Probe>,
        network: Option<&'a crate::probe::NetworkFacts>,
    ) -> Inputs<'a> {
        Inputs {
            config: &plan.config,
            config_given: plan.config_given,
            spec: &plan.targets,
            vcenter_address: plan.vcenter_address.as_deref(),
            max_age: plan.max_age,
            manifest: &plan.manifest,
            support_matrix: plan.support_matrix(),
            privileges_user: plan.user.as_deref(),
            now: time::OffsetDateTime::now_utc(),
            probe,
            network,
        }
    }
}

/// The registry's verdict on what was gathered.
pub struct Evaluation {
    pub results: Vec<CheckResult>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

pub fn evaluate(
    inputs: &Inputs<'_>,
    vcenter: Access<'_>,
    selection: &Selection<'_>,
    fail_on: Severity,
) -> Evaluation {
    evaluate_in(registry::CHECKS, inputs, vcenter, selection, fail_on)
}

/// As `evaluate`, over `checks` (`registry::CHECKS` or `registry::DIAGNOSE`).
pub fn evaluate_in(
    checks: &[Check],
    inputs: &Inputs<'_>,
    vcenter: Access<'_>,
    selection: &Selection<'_>,
    fail_on: Severity,
) -> Evaluation {
    let (targets, target_errors) = match &vcenter {
        Access::Live { snap, .. } | Access::Offline { snap } => {
            inventory::resolve_each(snap, inputs.spec)
        }
        Access::Unavailable { .. } => Default::default(),
    };
    let facts = Facts {
        config: inputs.config,
        config_given: inputs.config_given,
        spec: inputs.spec,
        vcenter_address: inputs.vcenter_address,
        now: inputs.now,
        max_age: inputs.max_age,
        manifest: inputs.manifest,
        support_matrix: inputs.support_matrix,
        privileges_user: inputs.privileges_user,
        whole_inventory: false,
        vcenter,
        targets,
        target_errors,
        probe: inputs.probe,
        network: inputs.network,
    };
    let run = check::run_checks(checks, &facts, selection, fail_on);
    let verdict = Verdict::of(&run.results);
    Evaluation {
        results: run.results,
        findings: run.findings,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsphere::{Fault, FaultKind};

    /// The appliance search met its VM deleted (the guest read answered
    /// `ManagedObjectNotFound`): every check that reads the search's answer
    /// is not verified, naming the VM and saying to run again; the others
    /// are judged as if nothing happened.
    #[test]
    fn an_appliance_vm_gone_leaves_only_the_appliance_checks_not_verified() {
        let vm = MoRef::new("VirtualMachine", "vm-74");
        let fault = vsphere::Error::Fault {
            step: "RetrievePropertiesEx".into(),
            fault: Fault {
                kind: FaultKind::ManagedObjectNotFound {
                    obj: Some(vm.clone()),
                },
                message: "The object has already been deleted".into(),
            },
        };
        let mut vanished = Vec::new();
        let found: Result<Option<Box<Appliance>>, _> = Err(fault);
        assert_eq!(
            gone(found, &appliance_checks(), &mut vanished).unwrap(),
            None
        );
        // Any other failure still ends the session.
        let refused: Result<Option<()>, _> = Err(vsphere::Error::Unsendable {
            field: "x".into(),
            step: "y".into(),
        });
        assert!(gone(refused, &appliance_checks(), &mut vanished).is_err());
        let mut snap = Snapshot::new(
            VCenter::default(),
            MoRef::new("Folder", "group-d1"),
            vec![],
            None,
            String::new(),
        );
        snap.vanished = vanished;
        let live = Live::default();
        let config = crate::config::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("mocks/config/bridge-appliance.yaml"),
        )
        .unwrap();
        let spec = TargetSpec::default();
        let manifest = crate::manifest::default_manifest();
        let facts = Facts {
            config: &config,
            config_given: true,
            spec: &spec,
            vcenter_address: None,
            now: OffsetDateTime::now_utc(),
            max_age: None,
            manifest: &manifest,
            support_matrix: crate::checks::support_matrix::embedded(),
            privileges_user: None,
            whole_inventory: false,
            vcenter: Access::Live {
                snap: &snap,
                live: &live,
            },
            targets: Default::default(),
            target_errors: vec![],
            probe: None,
            network: None,
        };
        let appliance = appliance_checks();
        assert_eq!(appliance.len(), 6, "{appliance:?}");
        for c in registry::DIAGNOSE {
            let reason = match check::run_one(c, &facts) {
                Outcome::NotVerified { reason, .. } => reason,
                Outcome::Verified(_) => String::new(),
            };
            let gone = reason.contains("VirtualMachine:vm-74 does not exist")
                && reason.ends_with("it was deleted or changed during the run: run again");
            assert_eq!(gone, appliance.contains(&c.name), "{}: {reason}", c.name);
        }
    }
}
