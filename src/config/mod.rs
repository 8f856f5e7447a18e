//! The Azure Arc resource bridge configuration files: `*-appliance.yaml`
//! (which names its infra file in `infrastructureConfigPath`) and
//! `*-infra.yaml` (the vSphere provider settings). vaudit reads the same
//! files `az arcappliance deploy` will, so the gate checks what will be used.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything vaudit reads from the configuration.
#[derive(Default, Clone)]
pub struct ArcConfig {
    /// The files read, appliance file first.
    pub files: Vec<PathBuf>,
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
    #[error(
        "{path} is an appliance file without infrastructureConfigPath, so it names no vCenter, credentials or targets"
    )]
    NoInfra { path: String },
    #[error("{path}: infrastructureConfigPath points at {target}, which cannot be read: {reason}")]
    MissingInfra {
        path: String,
        target: String,
        reason: String,
    },
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
            ConfigError::NoInfra { .. } => {
                "add infrastructureConfigPath: <name>-infra.yaml to the appliance file, or give --config the infra file itself".into()
            }
            ConfigError::MissingInfra { .. } => {
                "fix infrastructureConfigPath (relative paths are taken from the appliance file's folder)".into()
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
    crate::files::read_text(path, crate::files::MAX_CONFIG).map_err(|e| e.to_string())
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

/// Reads an appliance or infra file (following `infrastructureConfigPath`).
pub fn load(path: &Path) -> Result<ArcConfig, ConfigError> {
    let shown = path.display().to_string();
    let (text, value) = read(path)?;
    let mut cfg = ArcConfig {
        files: vec![path.to_path_buf()],
        ..Default::default()
    };
    if has_key(&value, "vsphereprovider") {
        apply_infra(&mut cfg, &shown, &text)?;
        return Ok(cfg);
    }
    if !has_key(&value, "applianceClusterConfig") && !has_key(&value, "infrastructureConfigPath") {
        return Err(ConfigError::UnknownLayout { path: shown });
    }
    let app: ApplianceFile = serde_norway::from_str(&text).map_err(|e| malformed(&shown, e))?;
    if let Some(cc) = app.appliance_cluster_config {
        cfg.control_plane_endpoint = cc.control_plane_endpoint;
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
    let Some(infra) = app.infrastructure_config_path else {
        return Err(ConfigError::NoInfra { path: shown });
    };
    {
        let base = path.parent().unwrap_or(Path::new("."));
        let infra_path = base.join(&infra);
        let infra_shown = infra_path.display().to_string();
        let text = read_text(&infra_path).map_err(|reason| ConfigError::MissingInfra {
            path: shown.clone(),
            target: infra.clone(),
            reason,
        })?;
        cfg.files.push(infra_path);
        apply_infra(&mut cfg, &infra_shown, &text)?;
    }
    Ok(cfg)
}

fn apply_infra(cfg: &mut ArcConfig, shown: &str, text: &str) -> Result<(), ConfigError> {
    let infra: InfraFile = serde_norway::from_str(text).map_err(|e| malformed(shown, e))?;
    let Some(p) = infra.vsphereprovider else {
        return Err(ConfigError::UnknownLayout {
            path: shown.to_string(),
        });
    };
    if let Some(c) = p.credentials {
        cfg.address = c.address;
        cfg.username = c.username;
        cfg.password = c.password.filter(|p| !p.is_empty());
    }
    cfg.datacenter = p.datacenter;
    cfg.datastore = p.datastore;
    cfg.folder = p.folder;
    cfg.resource_pool = p.resourcepool;
    cfg.template = p.appliancevm.and_then(|a| a.vmtemplate);
    match p.network {
        Some(NetworkSetting::Name(n)) => cfg.network = Some(n),
        Some(NetworkSetting::Detail(d)) => {
            cfg.network = d.segment;
            cfg.dns_servers = d.dnsservers;
            cfg.gateway = d.gateway;
            cfg.ip_prefix = d.ipaddressprefix;
            cfg.node_ip_pool_start = d.k8snodeippoolstart;
            cfg.node_ip_pool_end = d.k8snodeippoolend;
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
        let zero = write(
            &d,
            "z-appliance.yaml",
            "infrastructureConfigPath: /dev/zero\n",
        );
        let e = load(&zero).unwrap_err().to_string();
        assert!(e.contains("a character device, not a regular file"), "{e}");
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
