//! The gate, `vaudit check`, as a library: which targets the config and the
//! flags name, what one session gathers for the checks asked for, how a
//! failure to connect becomes a finding, and the registry run over it all.
//! The CLI only resolves settings, opens the session and prints.

use time::OffsetDateTime;

use crate::checks::facts::{Facts, Live, Vcenter};
use crate::checks::registry::{self, Selection};
use crate::checks::{CheckResult, Finding, Severity, Verdict};
use crate::config::ArcConfig;
use crate::inventory::{self, Snapshot, TargetSpec, VCenter};
use crate::manifest::Manifest;
use crate::vsphere::{self, Client};

/// The targets: a flag wins over the config key it stands for.
pub fn targets(flags: &TargetSpec, cfg: &ArcConfig) -> TargetSpec {
    TargetSpec {
        datacenter: flags.datacenter.clone().or(cfg.datacenter.clone()),
        folder: flags.folder.clone().or(cfg.folder.clone()),
        pool: flags.pool.clone().or(cfg.resource_pool.clone()),
        datastore: flags.datastore.clone().or(cfg.datastore.clone()),
        network: flags.network.clone().or(cfg.network.clone()),
        template: flags.template.clone().or(cfg.template.clone()),
    }
}

/// What the session must gather, from the checks asked for.
pub struct Wants<'a> {
    pub events: bool,
    pub privileges: Option<(&'a Manifest, Option<&'a str>)>,
    /// The credentials for the vAPI REST session, when tagging is asked for.
    pub tagging: Option<(&'a str, &'a str)>,
    /// How much one collection may read (a server whose cursor never ends).
    pub limits: vsphere::Limits,
    /// The logged-in user's name and password, for its SSO token (group
    /// membership).
    pub sso: Option<(&'a str, &'a str)>,
    /// Whether to ask if the inventory read may be partial, and for which
    /// `--user` besides the session's user.
    pub visibility: Option<Option<&'a str>>,
}

/// Whether any selected check reads the vCenter.
pub fn needs_vcenter(selection: &Selection<'_>) -> bool {
    registry::CHECKS
        .iter()
        .any(|c| selection.enabled(c.name) && c.reads != registry::Reads::Nothing)
        || selection.enabled(crate::checks::connection::CHECK)
}

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
    let mut snap =
        inventory::collect(client, vcenter, wants.events, wants.limits, on_progress).await?;
    snap.server_time = Some(client.current_time().await?);
    if let Some((manifest, user)) = wants.privileges {
        let (targets, errors) = inventory::resolve_each(&snap, spec);
        // A target that does not exist is reported by the targets check;
        // asking about the others would judge a partial set.
        if errors.is_empty() {
            let answers =
                inventory::privileges::gather(client, &snap, &targets, manifest, user, wants.sso)
                    .await?;
            snap.privileges = Some(answers);
        }
    }
    if let Some(user) = wants.visibility {
        snap.visibility = Some(inventory::visibility::gather(client, &snap.root, user).await?);
    }
    let tagging = match wants.tagging {
        Some((user, password)) => Some(
            client
                .rest_tag_categories(user, password)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        None => None,
    };
    Ok((
        snap,
        Live {
            certificate: client.server_certificate(),
            tagging,
            insecure: None,
        },
    ))
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
}

/// The registry's verdict on what was gathered.
pub struct Evaluation {
    pub results: Vec<CheckResult>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

pub fn evaluate(
    inputs: &Inputs<'_>,
    vcenter: Vcenter<'_>,
    selection: &Selection<'_>,
    fail_on: Severity,
) -> Evaluation {
    let (targets, target_errors) = match &vcenter {
        Vcenter::Live { snap, .. } | Vcenter::Offline { snap } => {
            inventory::resolve_each(snap, inputs.spec)
        }
        Vcenter::Unavailable { .. } => Default::default(),
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
    };
    let run = registry::run(&facts, selection, fail_on);
    let verdict = Verdict::of(&run.results);
    Evaluation {
        results: run.results,
        findings: run.findings,
        verdict,
    }
}
