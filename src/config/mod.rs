//! The Azure Arc resource bridge configuration files: `*-appliance.yaml`
//! (which names its infra file in `infrastructureConfigPath`) and
//! `*-infra.yaml` (the vSphere provider settings). vaudit reads the same
//! files `az arcappliance deploy` will, so the gate checks what will be used.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The two sections vaudit reads, each from the file `az arcappliance`
/// reads it from: `vsphereprovider` from the infra file,
/// `applianceClusterConfig` from the appliance file. A check that needs a
/// section that was not read cannot be verified (see `ArcConfig::unread`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Infra,
    Appliance,
}

impl Section {
    pub fn key(self) -> &'static str {
        match self {
            Section::Infra => "vsphereprovider",
            Section::Appliance => "applianceClusterConfig",
        }
    }

    /// What of the section vaudit reads, for reasons.
    pub fn holds(self) -> &'static str {
        match self {
            Section::Infra => {
                "vsphereprovider.{credentials, datacenter, datastore, folder, resourcepool, network, appliancevm}"
            }
            Section::Appliance => "applianceClusterConfig.{controlPlaneEndpoint, networking.proxy}",
        }
    }

    /// The section a dotted config key belongs to.
    pub fn of_key(key: &str) -> Section {
        if key.starts_with("applianceClusterConfig") {
            Section::Appliance
        } else {
            Section::Infra
        }
    }
}

mod openshift;
mod target;

pub use target::TargetKind;

/// The config keys the checks name when one is missing or empty.
pub mod keys {
    pub const CONTROL_PLANE: &str = "applianceClusterConfig.controlPlaneEndpoint";
    pub const PREFIX: &str = "vsphereprovider.network.ipaddressprefix";
    pub const GATEWAY: &str = "vsphereprovider.network.gateway";
    pub const POOL_START: &str = "vsphereprovider.network.k8snodeippoolstart";
    pub const POOL_END: &str = "vsphereprovider.network.k8snodeippoolend";
    pub const DNS_SERVERS: &str = "vsphereprovider.network.dnsservers";
    pub const DATACENTER: &str = "vsphereprovider.datacenter";
    pub const DATASTORE: &str = "vsphereprovider.datastore";
    pub const FOLDER: &str = "vsphereprovider.folder";
    pub const POOL: &str = "vsphereprovider.resourcepool";
    pub const NETWORK: &str = "vsphereprovider.network.segment";
    pub const TEMPLATE: &str = "vsphereprovider.appliancevm.vmtemplate";
    pub const ADDRESS: &str = "vsphereprovider.credentials.address";
    pub const USERNAME: &str = "vsphereprovider.credentials.username";
}

/// Everything vaudit reads from the configuration.
#[derive(Default, Clone)]
pub struct ArcConfig {
    /// The files read, appliance file first.
    pub files: Vec<PathBuf>,
    /// Each section read, and the file it was read from.
    pub sections: Vec<(Section, PathBuf)>,
    /// The keys written with an empty value (`folder: ""`): they are unset
    /// here, and a check that needs one says it is empty.
    pub empty: Vec<&'static str>,
    pub address: Option<String>,
    pub username: Option<String>,
    /// Used to log in when no other password is given; never printed.
    pub password: Option<String>,
    pub datacenter: Option<String>,
    pub datastore: Option<String>,
    pub folder: Option<String>,
    pub resource_pool: Option<String>,
    pub network: Option<String>,
    pub template: Option<String>,
    /// OpenShift's `install-config.yaml` alone names one (`computeCluster`).
    pub cluster: Option<String>,
    pub control_plane_endpoint: Option<String>,
    pub node_ip_pool_start: Option<String>,
    pub node_ip_pool_end: Option<String>,
    pub ip_prefix: Option<String>,
    pub gateway: Option<String>,
    pub dns_servers: Vec<String>,
    /// (setting, URL) of each proxy setting given.
    pub proxies: Vec<(String, String)>,
    /// `proxy.noproxy` as written: what the appliance reaches directly.
    pub noproxy: Option<String>,
    /// `proxy.certificateFilePath`, relative paths taken from the appliance
    /// file's folder: the SSL-inspecting proxy's CA the appliance will trust.
    pub proxy_certificate: Option<PathBuf>,
}

impl ArcConfig {
    /// The file a section was read from, if it was.
    pub fn file_of(&self, s: Section) -> Option<&Path> {
        self.sections
            .iter()
            .find(|(k, _)| *k == s)
            .map(|(_, p)| p.as_path())
    }

    /// Why a section a check needs is not at hand (no config at all, or
    /// files without it), naming the file to give; `None` when it was read.
    pub fn unread(&self, s: Section) -> Option<String> {
        if self.file_of(s).is_some() {
            return None;
        }
        let give = match s {
            Section::Appliance => format!(
                "give --config the *-appliance.yaml, which holds {} and names the infra file in infrastructureConfigPath",
                s.holds()
            ),
            Section::Infra => format!(
                "give --config the *-infra.yaml, or the *-appliance.yaml that names it in infrastructureConfigPath ({} holds {})",
                s.key(),
                s.holds()
            ),
        };
        if self.files.is_empty() {
            return Some(format!("no config given: {give}"));
        }
        let read: Vec<String> = self.files.iter().map(|p| p.display().to_string()).collect();
        let verb = if read.len() == 1 { "holds" } else { "hold" };
        Some(format!(
            "{} was not read ({} {verb} none): {give}",
            s.key(),
            read.join(" and ")
        ))
    }

    /// Why the sections a check needs are not all at hand, in one sentence
    /// per file to give; `None` when every one was read.
    pub fn unread_of(&self, sections: &[Section]) -> Option<String> {
        // Without any config the appliance file is the one to give: it
        // names the infra file.
        let sections = if self.files.is_empty() && sections.contains(&Section::Appliance) {
            &[Section::Appliance][..]
        } else {
            sections
        };
        let why: Vec<String> = sections.iter().filter_map(|&s| self.unread(s)).collect();
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// Why a key a check needs has no value: its section was not read, it
    /// is empty, or it is not in the file.
    pub fn why_missing(&self, key: &'static str) -> String {
        let s = Section::of_key(key);
        if let Some(r) = self.unread(s) {
            return r;
        }
        let file = self
            .file_of(s)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if self.empty.contains(&key) {
            format!("{key} is empty in {file}: give it a value")
        } else {
            format!("{file} has no {key}: add it")
        }
    }

    /// Whether the config wrote `key` with an empty value.
    pub fn is_empty_key(&self, key: &str) -> bool {
        self.empty.contains(&key)
    }
}

impl std::fmt::Debug for ArcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArcConfig")
            .field("files", &self.files)
            .field("address", &self.address)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Malformed { path: String, reason: String },
    #[error(
        "{path} is neither an Arc resource bridge appliance file (applianceClusterConfig, infrastructureConfigPath) nor an infra file (vsphereprovider)"
    )]
    UnknownLayout { path: String },
    #[error("{path} holds both {found} and {want}, which differ only in case")]
    CaseTwice {
        path: String,
        found: String,
        want: &'static str,
    },
    #[error(
        "{path} is an appliance file without infrastructureConfigPath, so it names no vCenter, credentials or targets"
    )]
    NoInfra { path: String },
    #[error(
        "{path} holds both vsphereprovider and applianceClusterConfig but no infrastructureConfigPath: az arcappliance reads vsphereprovider only from the file infrastructureConfigPath names"
    )]
    BothSections { path: String },
    #[error(
        "{path} holds {section}, which az arcappliance does not read there: it reads {section} from {read_from}"
    )]
    StraySection {
        path: String,
        section: &'static str,
        read_from: String,
    },
    #[error("{path}: infrastructureConfigPath points at {target}, which cannot be read: {reason}")]
    MissingInfra {
        path: String,
        target: String,
        reason: String,
    },
    #[error(
        "{path}: infrastructureConfigPath points at this appliance file itself, which holds no vsphereprovider"
    )]
    SelfInfra { path: String },
    #[error("{path}: infrastructureConfigPath points at {target}, which holds no vsphereprovider")]
    NotInfra { path: String, target: String },
}

impl ConfigError {
    pub fn remedy(&self) -> String {
        match self {
            ConfigError::Read { .. } => "check the path given to --config".into(),
            ConfigError::Malformed { .. } => {
                "fix the YAML at that line (az arcappliance createconfig vmware writes a valid file)".into()
            }
            ConfigError::UnknownLayout { .. } => {
                "give --config the *-appliance.yaml or *-infra.yaml written by az arcappliance createconfig".into()
            }
            ConfigError::CaseTwice { want, .. } => {
                format!("keep one of them, written {want}")
            }
            ConfigError::NoInfra { .. } => {
                "add infrastructureConfigPath: <name>-infra.yaml to the appliance file, or give --config the infra file itself".into()
            }
            ConfigError::BothSections { .. } => {
                "split it as az arcappliance createconfig vmware writes it: applianceClusterConfig and infrastructureConfigPath: <name>-infra.yaml in <name>-appliance.yaml, vsphereprovider in <name>-infra.yaml".into()
            }
            ConfigError::StraySection { path, section, .. } => {
                format!("remove {section} from {path}, or move its values to the file it is read from")
            }
            ConfigError::MissingInfra { .. } => {
                "fix infrastructureConfigPath (relative paths are taken from the appliance file's folder)".into()
            }
            ConfigError::SelfInfra { .. } | ConfigError::NotInfra { .. } => {
                "point infrastructureConfigPath at the *-infra.yaml az arcappliance createconfig vmware wrote (relative paths are taken from the appliance file's folder)".into()
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ApplianceFile {
    appliance_cluster_config: Option<ClusterConfig>,
    infrastructure_config_path: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ClusterConfig {
    control_plane_endpoint: Option<String>,
    networking: Option<Networking>,
}

#[derive(Deserialize, Default)]
struct Networking {
    proxy: Option<Proxy>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Proxy {
    http: Option<String>,
    https: Option<String>,
    noproxy: Option<String>,
    certificate_file_path: Option<String>,
}

#[derive(Deserialize, Default)]
struct InfraFile {
    vsphereprovider: Option<Provider>,
}

#[derive(Deserialize, Default)]
struct Provider {
    credentials: Option<Credentials>,
    datacenter: Option<String>,
    datastore: Option<String>,
    folder: Option<String>,
    resourcepool: Option<String>,
    network: Option<NetworkSetting>,
    appliancevm: Option<ApplianceVm>,
}

#[derive(Deserialize, Default)]
struct Credentials {
    address: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize, Default)]
struct ApplianceVm {
    vmtemplate: Option<String>,
}

/// `network` is a plain name in older files and a map in newer ones.
#[derive(Deserialize)]
#[serde(untagged)]
enum NetworkSetting {
    Name(String),
    Detail(NetworkDetail),
}

#[derive(Deserialize, Default)]
struct NetworkDetail {
    segment: Option<String>,
    #[serde(default)]
    dnsservers: Vec<String>,
    gateway: Option<String>,
    ipaddressprefix: Option<String>,
    k8snodeippoolstart: Option<String>,
    k8snodeippoolend: Option<String>,
}

/// Reads a config file: regular, at most `files::MAX_CONFIG` bytes.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes =
        crate::files::read_bounded(path, crate::files::MAX_CONFIG).map_err(|e| e.to_string())?;
    decode(bytes)
}

/// Windows tools write config files in forms a Unix one never does:
/// Notepad and PowerShell 5.1's `Set-Content -Encoding utf8` put a
/// byte-order mark first (dropped here: the text is UTF-8), and
/// PowerShell 5.1's `>` and `Out-File` write UTF-16, refused with the
/// command that converts it rather than a bare "not UTF-8".
fn decode(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("it is UTF-16 text, not UTF-8: save it as UTF-8 (in PowerShell: (Get-Content FILE) | Set-Content -Encoding utf8 FILE)".into());
    }
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|_| crate::files::FileError::NotText.to_string())
}

fn read(path: &Path) -> Result<(String, serde_norway::Value), ConfigError> {
    let shown = path.display().to_string();
    let text = read_text(path).map_err(|reason| ConfigError::Read {
        path: shown.clone(),
        reason,
    })?;
    let value = serde_norway::from_str(&text).map_err(|e| malformed(&shown, e))?;
    Ok((text, value))
}

/// The parser's sentence names the key and the line and column; the value
/// it quotes is withheld, since the file may not be a config file at all.
fn malformed(path: &str, e: serde_norway::Error) -> ConfigError {
    let mut reason = crate::files::withhold_quoted(&e.to_string());
    if let Some(l) = e.location()
        && !reason.contains("line")
    {
        reason.push_str(&format!(" at line {} column {}", l.line(), l.column()));
    }
    ConfigError::Malformed {
        path: path.to_string(),
        reason,
    }
}

fn has_key(v: &serde_norway::Value, key: &str) -> bool {
    v.as_mapping().is_some_and(|m| m.contains_key(key))
}

/// Every key vaudit reads, as a dotted path. A key that matches one of
/// them but for its case (`noProxy`, `resourcePool`) is read as that key,
/// with a warning: Kubernetes-style YAML readers match field names without
/// case, so az may well read it, and ignoring it would judge a config az
/// does not deploy.
const KNOWN: &[&str] = &[
    "vsphereprovider",
    "vsphereprovider.credentials",
    keys::ADDRESS,
    keys::USERNAME,
    "vsphereprovider.credentials.password",
    keys::DATACENTER,
    keys::DATASTORE,
    keys::FOLDER,
    keys::POOL,
    "vsphereprovider.network",
    keys::NETWORK,
    keys::DNS_SERVERS,
    keys::GATEWAY,
    keys::PREFIX,
    keys::POOL_START,
    keys::POOL_END,
    "vsphereprovider.appliancevm",
    keys::TEMPLATE,
    "applianceClusterConfig",
    keys::CONTROL_PLANE,
    "applianceClusterConfig.networking",
    "applianceClusterConfig.networking.proxy",
    "applianceClusterConfig.networking.proxy.http",
    "applianceClusterConfig.networking.proxy.https",
    "applianceClusterConfig.networking.proxy.noproxy",
    "applianceClusterConfig.networking.proxy.certificateFilePath",
    "infrastructureConfigPath",
];

/// Renames every key written in another case than a `KNOWN` one to that
/// one, and says which (`(found, known)`); both spellings in one mapping
/// are refused, as no reading of them is sure.
fn normalize_case(
    shown: &str,
    v: &mut serde_norway::Value,
    prefix: &str,
) -> Result<Vec<(String, &'static str)>, ConfigError> {
    let Some(m) = v.as_mapping_mut() else {
        return Ok(Vec::new());
    };
    let mut renamed = Vec::new();
    let keys: Vec<String> = m
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    for k in keys {
        let full = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let Some(want) = KNOWN.iter().find(|w| w.eq_ignore_ascii_case(&full)) else {
            continue;
        };
        let key = if *want == full {
            k
        } else {
            let canonical = want.rsplit('.').next().unwrap_or(want);
            if m.contains_key(canonical) {
                return Err(ConfigError::CaseTwice {
                    path: shown.to_string(),
                    found: full,
                    want,
                });
            }
            let child = m.remove(k.as_str()).unwrap_or_default();
            m.insert(canonical.into(), child);
            renamed.push((full, *want));
            canonical.to_string()
        };
        if let Some(child) = m.get_mut(key.as_str()) {
            renamed.extend(normalize_case(shown, child, want)?);
        }
    }
    Ok(renamed)
}

/// The text to read the file's sections from: as written, or, when keys
/// were written in another case, the same document with them renamed (and
/// a warning naming each).
fn normalized(
    shown: &str,
    text: String,
    value: &mut serde_norway::Value,
) -> Result<String, ConfigError> {
    let renamed = normalize_case(shown, value, "")?;
    if renamed.is_empty() {
        return Ok(text);
    }
    for (found, want) in &renamed {
        tracing::warn!(
            "{shown}: {found} is read as {want}; write it {want}, as az arcappliance createconfig does"
        );
    }
    serde_norway::to_string(value).map_err(|e| malformed(shown, e))
}

/// Two paths naming the same file (`infrastructureConfigPath` pointing at
/// the appliance file itself).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Reads an appliance or infra file (following `infrastructureConfigPath`).
///
/// Each section is read from the file `az arcappliance deploy` reads it
/// from: `applianceClusterConfig` from the appliance file, `vsphereprovider`
/// from the file its `infrastructureConfigPath` names (which may be the
/// appliance file itself). A section anywhere else would be ignored by the
/// deployment, so it is refused rather than checked in place of the one
/// used.
pub fn load(path: &Path) -> Result<ArcConfig, ConfigError> {
    let shown = path.display().to_string();
    let (text, mut value) = read(path)?;
    let mut cfg = ArcConfig {
        files: vec![path.to_path_buf()],
        ..Default::default()
    };
    if openshift::is_install_config(&value) {
        openshift::apply(&mut cfg, path, &value)?;
        return Ok(cfg);
    }
    let text = normalized(&shown, text, &mut value)?;
    let has_infra = has_key(&value, "vsphereprovider");
    let is_appliance =
        has_key(&value, "applianceClusterConfig") || has_key(&value, "infrastructureConfigPath");
    if !is_appliance {
        if !has_infra {
            return Err(ConfigError::UnknownLayout { path: shown });
        }
        apply_infra(&mut cfg, &shown, &text)?;
        cfg.sections.push((Section::Infra, path.to_path_buf()));
        return Ok(cfg);
    }
    let app: ApplianceFile = serde_norway::from_str(&text).map_err(|e| malformed(&shown, e))?;
    let Some(infra) = app
        .infrastructure_config_path
        .filter(|p| !p.trim().is_empty())
    else {
        return Err(if has_infra {
            ConfigError::BothSections { path: shown }
        } else {
            ConfigError::NoInfra { path: shown }
        });
    };
    // A section written empty (`applianceClusterConfig:`) was read: the
    // checks then name each key it lacks.
    if has_key(&value, "applianceClusterConfig") {
        apply_appliance(
            &mut cfg,
            path,
            app.appliance_cluster_config.unwrap_or_default(),
        );
        cfg.sections.push((Section::Appliance, path.to_path_buf()));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let infra_path = base.join(&infra);
    if same_file(path, &infra_path) {
        if !has_infra {
            return Err(ConfigError::SelfInfra { path: shown });
        }
        apply_infra(&mut cfg, &shown, &text)?;
        cfg.sections.push((Section::Infra, path.to_path_buf()));
        return Ok(cfg);
    }
    let infra_shown = infra_path.display().to_string();
    if has_infra {
        return Err(ConfigError::StraySection {
            path: shown,
            section: "vsphereprovider",
            read_from: infra_shown,
        });
    }
    let text = read_text(&infra_path).map_err(|reason| ConfigError::MissingInfra {
        path: shown.clone(),
        target: infra.clone(),
        reason,
    })?;
    let mut value: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| malformed(&infra_shown, e))?;
    let text = normalized(&infra_shown, text, &mut value)?;
    if has_key(&value, "applianceClusterConfig") {
        return Err(ConfigError::StraySection {
            path: infra_shown,
            section: "applianceClusterConfig",
            read_from: shown,
        });
    }
    if !has_key(&value, "vsphereprovider") {
        return Err(ConfigError::NotInfra {
            path: shown,
            target: infra,
        });
    }
    cfg.files.push(infra_path.clone());
    apply_infra(&mut cfg, &infra_shown, &text)?;
    cfg.sections.push((Section::Infra, infra_path));
    Ok(cfg)
}

/// A value as written, unset when empty (and the key remembered as empty).
fn given(v: Option<String>, key: &'static str, empty: &mut Vec<&'static str>) -> Option<String> {
    match v {
        Some(s) if s.trim().is_empty() => {
            empty.push(key);
            None
        }
        v => v,
    }
}

fn apply_appliance(cfg: &mut ArcConfig, path: &Path, cc: ClusterConfig) {
    cfg.control_plane_endpoint = given(
        cc.control_plane_endpoint,
        keys::CONTROL_PLANE,
        &mut cfg.empty,
    );
    // Empty proxy settings are what createconfig writes for "no proxy".
    if let Some(p) = cc.networking.and_then(|n| n.proxy) {
        for (k, v) in [("proxy.http", p.http), ("proxy.https", p.https)] {
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                cfg.proxies.push((k.to_string(), v));
            }
        }
        cfg.noproxy = p.noproxy.filter(|v| !v.trim().is_empty());
        cfg.proxy_certificate = p
            .certificate_file_path
            .filter(|v| !v.trim().is_empty())
            .map(|c| path.parent().unwrap_or(Path::new(".")).join(c));
    }
}

fn apply_infra(cfg: &mut ArcConfig, shown: &str, text: &str) -> Result<(), ConfigError> {
    let infra: InfraFile = serde_norway::from_str(text).map_err(|e| malformed(shown, e))?;
    // Only called on a file with the key: written empty, it lacks every
    // key, and the checks name each.
    let p = infra.vsphereprovider.unwrap_or_default();
    let e = &mut cfg.empty;
    if let Some(c) = p.credentials {
        cfg.address = given(c.address, keys::ADDRESS, e);
        cfg.username = given(c.username, keys::USERNAME, e);
        cfg.password = c.password.filter(|p| !p.is_empty());
    }
    cfg.datacenter = given(p.datacenter, keys::DATACENTER, e);
    cfg.datastore = given(p.datastore, keys::DATASTORE, e);
    cfg.folder = given(p.folder, keys::FOLDER, e);
    cfg.resource_pool = given(p.resourcepool, keys::POOL, e);
    cfg.template = given(p.appliancevm.and_then(|a| a.vmtemplate), keys::TEMPLATE, e);
    match p.network {
        Some(NetworkSetting::Name(n)) => cfg.network = given(Some(n), keys::NETWORK, e),
        Some(NetworkSetting::Detail(d)) => {
            cfg.network = given(d.segment, keys::NETWORK, e);
            cfg.dns_servers = d.dnsservers;
            cfg.gateway = given(d.gateway, keys::GATEWAY, e);
            cfg.ip_prefix = given(d.ipaddressprefix, keys::PREFIX, e);
            cfg.node_ip_pool_start = given(d.k8snodeippoolstart, keys::POOL_START, e);
            cfg.node_ip_pool_end = given(d.k8snodeippoolend, keys::POOL_END, e);
        }
        None => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const INFRA: &str = "vsphereprovider:
  credentials:
    address: vcenter.contoso.com
    username: arc@vsphere.local
    password: s3cret-in-file
  datacenter: DC0
  datastore: LocalDS_0
  folder: /DC0/vm/Arc
  resourcepool: /DC0/host/DC0_C0/Resources
  network:
    segment: DC0_DVPG0
    dnsservers: [10.0.0.2]
    gateway: 10.0.0.1
    ipaddressprefix: 10.0.0.0/24
    k8snodeippoolstart: 10.0.0.50
    k8snodeippoolend: 10.0.0.54
  appliancevm:
    vmtemplate: arc-template-1
";

    fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn a_utf8_byte_order_mark_is_read_past() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_bytes(
            dir.path(),
            "infra.yaml",
            &[b"\xEF\xBB\xBF", INFRA.as_bytes()].concat(),
        );
        let cfg = load(&p).unwrap();
        assert_eq!(cfg.datacenter.as_deref(), Some("DC0"));
    }

    #[test]
    fn crlf_line_ends_read_as_lf() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "infra.yaml", &INFRA.replace('\n', "\r\n"));
        let cfg = load(&p).unwrap();
        assert_eq!(cfg.datastore.as_deref(), Some("LocalDS_0"));
        assert_eq!(cfg.template.as_deref(), Some("arc-template-1"));
    }

    #[test]
    fn a_bom_and_crlf_appliance_file_follows_its_infra_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "infra.yaml", &INFRA.replace('\n', "\r\n"));
        let app = "\u{feff}applianceClusterConfig:\r\n  controlPlaneEndpoint: 10.0.0.60\r\ninfrastructureConfigPath: infra.yaml\r\n";
        let p = write(dir.path(), "appliance.yaml", app);
        let cfg = load(&p).unwrap();
        assert_eq!(cfg.datacenter.as_deref(), Some("DC0"));
    }

    fn utf16le(text: &str) -> Vec<u8> {
        let mut b = vec![0xFF, 0xFE];
        b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        b
    }

    #[test]
    fn a_utf16_file_is_refused_with_the_conversion() {
        let dir = tempfile::tempdir().unwrap();
        let p = write_bytes(dir.path(), "infra.yaml", &utf16le(INFRA));
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("it is UTF-16 text, not UTF-8"), "{e}");
        assert!(e.contains("Set-Content -Encoding utf8"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn a_utf16_infra_file_is_refused_with_the_conversion() {
        let dir = tempfile::tempdir().unwrap();
        write_bytes(dir.path(), "infra.yaml", &utf16le(INFRA));
        let p = write(
            dir.path(),
            "appliance.yaml",
            "applianceClusterConfig:\n  controlPlaneEndpoint: 10.0.0.60\ninfrastructureConfigPath: infra.yaml\n",
        );
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("it is UTF-16 text, not UTF-8"), "{e}");
    }

    #[test]
    fn a_big_endian_utf16_file_is_refused_too() {
        let dir = tempfile::tempdir().unwrap();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(INFRA.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let p = write_bytes(dir.path(), "infra.yaml", &be);
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("UTF-16"), "{e}");
    }

    #[test]
    fn appliance_file_follows_its_infra_file() {
        let d = tempfile_dir();
        write(&d, "contoso-infra.yaml", INFRA);
        let app = write(
            &d,
            "contoso-appliance.yaml",
            "applianceClusterConfig:\n  controlPlaneEndpoint: 10.0.0.60\n  networking:\n    proxy:\n      http: http://proxy.corp.local:3128\ninfrastructureConfigPath: contoso-infra.yaml\n",
        );
        let c = load(&app).unwrap();
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.address.as_deref(), Some("vcenter.contoso.com"));
        assert_eq!(c.folder.as_deref(), Some("/DC0/vm/Arc"));
        assert_eq!(c.network.as_deref(), Some("DC0_DVPG0"));
        assert_eq!(c.template.as_deref(), Some("arc-template-1"));
        assert_eq!(c.control_plane_endpoint.as_deref(), Some("10.0.0.60"));
        assert_eq!(
            c.proxies,
            vec![(
                "proxy.http".to_string(),
                "http://proxy.corp.local:3128".to_string()
            )]
        );
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn errors_name_file_line_and_layout() {
        let d = tempfile_dir();
        let bad = write(
            &d,
            "bad-infra.yaml",
            "vsphereprovider:\n  datacenter: DC0\n  folder: [unclosed\n",
        );
        let e = load(&bad).unwrap_err().to_string();
        assert!(e.contains("bad-infra.yaml") && e.contains("line"), "{e}");
        let wrong = write(
            &d,
            "x.yaml",
            "vsphereprovider:\n  datacenter:\n    nested: map\n",
        );
        let e = load(&wrong).unwrap_err().to_string();
        assert!(e.contains("datacenter") && e.contains("line 3"), "{e}");
        let other = write(&d, "k8s.yaml", "apiVersion: v1\nkind: Pod\n");
        assert!(matches!(
            load(&other),
            Err(ConfigError::UnknownLayout { .. })
        ));
        #[cfg(unix)]
        {
            let zero = write(
                &d,
                "z-appliance.yaml",
                "infrastructureConfigPath: /dev/zero\n",
            );
            let e = load(&zero).unwrap_err().to_string();
            assert!(e.contains("a character device, not a regular file"), "{e}");
        }
        let dangling = write(
            &d,
            "a-appliance.yaml",
            "infrastructureConfigPath: missing-infra.yaml\n",
        );
        let e = load(&dangling).unwrap_err().to_string();
        assert!(e.contains("missing-infra.yaml"), "{e}");
    }

    #[test]
    fn an_infra_path_at_a_secret_file_is_not_quoted() {
        let d = tempfile_dir();
        write(
            &d,
            ".env",
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-canary\nDB_PASSWORD=hunter2-canary\n",
        );
        write(
            &d,
            "key.pem",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-canary\n-----END PRIVATE KEY-----\n",
        );
        for target in [".env", "key.pem"] {
            let app = write(
                &d,
                "p-appliance.yaml",
                &format!("infrastructureConfigPath: {target}\n"),
            );
            let e = load(&app).unwrap_err();
            let shown = format!("{e} {}", e.remedy());
            assert!(!shown.contains("canary"), "{shown}");
            assert!(shown.contains(target), "{shown}");
        }
    }

    #[test]
    fn a_type_error_names_the_key_line_and_column_without_the_value() {
        let d = tempfile_dir();
        let bad = write(
            &d,
            "t-infra.yaml",
            "vsphereprovider:\n  credentials:\n    address: [\"s3cret-canary\"]\n",
        );
        let e = load(&bad).unwrap_err().to_string();
        assert!(!e.contains("canary"), "{e}");
        assert!(
            e.contains("t-infra.yaml")
                && e.contains("address")
                && e.contains("line 3")
                && e.contains("column"),
            "{e}"
        );
    }

    const PLAN: &str = "  network:\n    segment: N\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/24\n    k8snodeippoolstart: 127.0.0.50\n    k8snodeippoolend: 127.0.0.54\n";

    /// The tester's ip11.yaml: both sections in one file and no
    /// infrastructureConfigPath. az arcappliance would not read
    /// vsphereprovider there, so it is refused rather than half read.
    #[test]
    fn both_sections_without_infrastructure_config_path_are_refused() {
        let d = tempfile_dir();
        let p = write(
            &d,
            "ip11.yaml",
            &format!(
                "vsphereprovider:\n{PLAN}applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.1.60\n"
            ),
        );
        let e = load(&p).unwrap_err();
        assert!(matches!(e, ConfigError::BothSections { .. }), "{e}");
        assert!(e.to_string().contains("ip11.yaml holds both"), "{e}");
        assert!(e.remedy().contains("<name>-infra.yaml"), "{}", e.remedy());
    }

    /// One file holding both sections and naming itself in
    /// infrastructureConfigPath is read as az reads it: both sections.
    #[test]
    fn a_file_naming_itself_as_its_infra_file_gives_both_sections() {
        let d = tempfile_dir();
        let p = write(
            &d,
            "one.yaml",
            &format!(
                "vsphereprovider:\n{PLAN}applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.1.60\ninfrastructureConfigPath: one.yaml\n"
            ),
        );
        let c = load(&p).unwrap();
        assert_eq!(c.control_plane_endpoint.as_deref(), Some("127.0.1.60"));
        assert_eq!(c.ip_prefix.as_deref(), Some("127.0.0.0/24"));
        assert!(c.unread(Section::Appliance).is_none() && c.unread(Section::Infra).is_none());
    }

    #[test]
    fn an_appliance_file_naming_itself_without_vsphereprovider_says_so() {
        let d = tempfile_dir();
        let p = write(
            &d,
            "a-loop.yaml",
            "applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.0.60\ninfrastructureConfigPath: a-loop.yaml\n",
        );
        let e = load(&p).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("a-loop.yaml: infrastructureConfigPath points at this appliance file itself, which holds no vsphereprovider"),
            "{e}"
        );
    }

    #[test]
    fn an_infra_file_holding_appliance_cluster_config_is_refused() {
        let d = tempfile_dir();
        write(
            &d,
            "x-infra.yaml",
            &format!(
                "vsphereprovider:\n{PLAN}applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.9.9\n"
            ),
        );
        let a = write(
            &d,
            "x-appliance.yaml",
            "applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.0.60\ninfrastructureConfigPath: x-infra.yaml\n",
        );
        let e = load(&a).unwrap_err().to_string();
        assert!(
            e.contains("x-infra.yaml holds applianceClusterConfig, which az arcappliance does not read there"),
            "{e}"
        );
    }

    #[test]
    fn a_key_in_another_case_is_read_as_the_known_key() {
        let d = tempfile_dir();
        let p = write(
            &d,
            "case.yaml",
            "vsphereProvider:\n  resourcePool: /DC0/host/C/Resources\n  folder: /DC0/vm/Arc\n",
        );
        let c = load(&p).unwrap();
        assert_eq!(c.resource_pool.as_deref(), Some("/DC0/host/C/Resources"));
        assert_eq!(c.folder.as_deref(), Some("/DC0/vm/Arc"));
    }

    #[test]
    fn both_spellings_of_a_key_are_refused() {
        let d = tempfile_dir();
        let p = write(
            &d,
            "twice.yaml",
            "vsphereprovider:\n  folder: /DC0/vm/A\n  Folder: /DC0/vm/B\n",
        );
        let e = load(&p).unwrap_err();
        assert!(e.to_string().contains("differ only in case"), "{e}");
    }

    #[test]
    fn an_empty_value_is_unset_and_named_as_empty() {
        let d = tempfile_dir();
        let p = write(
            &d,
            "nulls.yaml",
            "vsphereprovider:\n  datastore: null\n  folder: \"\"\n  resourcepool: ~\n",
        );
        let c = load(&p).unwrap();
        assert_eq!(c.folder, None);
        assert!(c.is_empty_key(keys::FOLDER) && !c.is_empty_key(keys::DATASTORE));
        assert!(
            c.why_missing(keys::FOLDER)
                .starts_with("vsphereprovider.folder is empty in ")
        );
        assert!(
            c.why_missing(keys::DATASTORE)
                .ends_with("nulls.yaml has no vsphereprovider.datastore: add it")
        );
    }

    #[test]
    fn an_infra_file_alone_reads_only_vsphereprovider() {
        let d = tempfile_dir();
        let p = write(&d, "i.yaml", &format!("vsphereprovider:\n{PLAN}"));
        let c = load(&p).unwrap();
        assert!(c.unread(Section::Infra).is_none());
        let why = c.unread(Section::Appliance).unwrap();
        assert!(
            why.starts_with("applianceClusterConfig was not read (")
                && why.contains("give --config the *-appliance.yaml"),
            "{why}"
        );
    }

    fn tempfile_dir() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let d = std::env::temp_dir().join(format!(
            "vaudit-cfg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
