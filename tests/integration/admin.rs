//! Scenario set-up as the administrator: the vim25 calls that change who
//! may do what (`AddAuthorizationRole`, `SetEntityPermissions`). vaudit only
//! reads, so these live here, sent over their own small SOAP client rather
//! than shipped in the library.

use std::time::Duration;

use vaudit::report::xml::escape as xml_escape;
use vaudit::vsphere::{Client, ConnectOptions, MoRef, PropertySpec};

use crate::common::{ADMIN, SIM_PASSWORD, Sim};

/// A runtime and the library's own session as the administrator.
pub fn library_session(sim: &Sim) -> (tokio::runtime::Runtime, Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let opts = ConnectOptions {
        url: ConnectOptions::parse_url(&sim.url).unwrap(),
        ca_file: Some(sim.ca_file.clone()),
        insecure: false,
        timeout: Duration::from_secs(30),
        limits: Default::default(),
        proxy: Default::default(),
    };
    let client = rt.block_on(async {
        let mut c = Client::connect(&opts).await.unwrap();
        c.login(ADMIN, SIM_PASSWORD).await.unwrap();
        c
    });
    (rt, client)
}

pub struct Admin {
    rt: tokio::runtime::Runtime,
    /// The library's session, for what vaudit itself reads (the root folder).
    client: Client,
    /// A second session, for the writes.
    http: reqwest::Client,
    url: String,
    cookie: String,
}

impl Admin {
    pub fn connect(sim: &Sim) -> Admin {
        let (rt, client) = library_session(sim);
        let ca = reqwest::Certificate::from_pem(&std::fs::read(&sim.ca_file).unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let sm = client.content().session_manager.clone().unwrap();
        let mut admin = Admin {
            rt,
            client,
            http,
            url: sim.url.clone(),
            cookie: String::new(),
        };
        let (_, cookie) = admin.call(
            "Login",
            &sm,
            &format!(
                "<userName>{}</userName><password>{}</password>",
                xml_escape(ADMIN),
                xml_escape(SIM_PASSWORD)
            ),
        );
        admin.cookie = cookie.expect("Login sets the session cookie");
        admin
    }

    /// Sends one call; answers its body and the session cookie it set.
    fn call(&self, method: &str, this: &MoRef, inner: &str) -> (String, Option<String>) {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><{method} xmlns="urn:vim25"><_this type="{}">{}</_this>{inner}</{method}></soapenv:Body></soapenv:Envelope>"#,
            xml_escape(&this.kind),
            xml_escape(&this.value)
        );
        self.rt.block_on(async {
            let resp = self
                .http
                .post(&self.url)
                .header("Content-Type", "text/xml; charset=utf-8")
                .header("SOAPAction", "urn:vim25/8.0")
                .header("Cookie", &self.cookie)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let cookie = resp
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .map(str::to_string);
            let text = resp.text().await.unwrap();
            assert!(status.is_success(), "{method}: HTTP {status}: {text}");
            (text, cookie)
        })
    }

    /// Every object of `kinds` below the root folder as a ContainerView
    /// lists it (`CreateContainerView`, one page, `DestroyView`): the read
    /// vaudit made before it walked the inventory itself, kept here as the
    /// reference its walk is held to.
    pub fn view_objects(&self, kinds: &[&str]) -> std::collections::BTreeSet<String> {
        let content = self.client.content();
        let root = &content.root_folder;
        let mut inner = format!(
            r#"<container type="{}">{}</container>"#,
            xml_escape(&root.kind),
            xml_escape(&root.value)
        );
        for k in kinds {
            inner.push_str(&format!("<type>{k}</type>"));
        }
        inner.push_str("<recursive>true</recursive>");
        let vm = content.view_manager.clone().unwrap();
        let (body, _) = self.call("CreateContainerView", &vm, &inner);
        let view = body
            .split("<returnval type=\"ContainerView\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .expect("a view")
            .to_string();
        let mut specs = String::new();
        for k in kinds {
            specs.push_str(&format!(
                "<propSet><type>{k}</type><pathSet>name</pathSet></propSet>"
            ));
        }
        let inner = format!(
            r#"<specSet>{specs}<objectSet><obj type="ContainerView">{}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options><maxObjects>1000000</maxObjects></options>"#,
            xml_escape(&view)
        );
        let pc = content.property_collector.clone();
        let (body, _) = self.call("RetrievePropertiesEx", &pc, &inner);
        assert!(!body.contains("<token>"), "one page: {body}");
        self.call(
            "DestroyView",
            &MoRef::new("ContainerView", view.as_str()),
            "",
        );
        body.split("<obj type=\"")
            .skip(1)
            .filter_map(|r| {
                let (kind, rest) = r.split_once("\">")?;
                let value = rest.split('<').next()?;
                Some(format!("{kind}:{value}"))
            })
            .collect()
    }

    fn authorization_manager(&self) -> MoRef {
        self.client.content().authorization_manager.clone().unwrap()
    }

    /// `AddAuthorizationRole`: creates a role, answers its id.
    pub fn role(&self, name: &str, privs: &[String]) -> i32 {
        let mut inner = format!("<name>{}</name>", xml_escape(name));
        for p in privs {
            inner.push_str(&format!("<privIds>{}</privIds>", xml_escape(p)));
        }
        let (body, _) = self.call(
            "AddAuthorizationRole",
            &self.authorization_manager(),
            &inner,
        );
        let id = body
            .split_once("<returnval>")
            .and_then(|(_, rest)| rest.split_once("</returnval>"))
            .map(|(id, _)| id.trim().to_string());
        id.and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no role id in {body}"))
    }

    /// `SetEntityPermissions`: adds or replaces the principal's permission.
    pub fn grant(
        &self,
        entity: &MoRef,
        principal: &str,
        group: bool,
        role_id: i32,
        propagate: bool,
    ) {
        let inner = format!(
            r#"<entity type="{}">{}</entity><permission><principal>{}</principal><group>{group}</group><roleId>{role_id}</roleId><propagate>{propagate}</propagate></permission>"#,
            xml_escape(&entity.kind),
            xml_escape(&entity.value),
            xml_escape(principal)
        );
        self.call(
            "SetEntityPermissions",
            &self.authorization_manager(),
            &inner,
        );
    }

    /// A global permission, through vCenter 9's REST authorization API
    /// (`POST /api/vcenter/authorization/permissions` with no object): the
    /// simulator serves it with `-vc-version 9.x`.
    pub fn global_permission(&self, principal: &str, group: bool, role_id: i32, propagate: bool) {
        let base = self.url.trim_end_matches("/sdk").to_string();
        let (name, domain) = principal.split_once('@').expect("name@domain");
        self.rt.block_on(async {
            let resp = self
                .http
                .post(format!("{base}/api/session"))
                .basic_auth(ADMIN, Some(SIM_PASSWORD))
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "/api/session: {}", resp.status());
            let token: String = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
            let spec = serde_json::json!({
                "principal": {"type": if group { "GROUP" } else { "USER" }, "name": name, "domain": domain},
                "role": role_id.to_string(),
                "propagating": propagate,
            });
            let resp = self
                .http
                .post(format!("{base}/api/vcenter/authorization/permissions"))
                .header("vmware-api-session-id", &token)
                .header("Content-Type", "application/json")
                .body(spec.to_string())
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            assert!(status.is_success(), "create a global permission: {status}: {text}");
            let _ = self
                .http
                .delete(format!("{base}/api/session"))
                .header("vmware-api-session-id", &token)
                .send()
                .await;
        });
    }

    /// Every permission (entity, principal, group, role id, propagate) and
    /// every role (id, name, privileges), sorted, as the SOAP API lists them:
    /// what a scenario compares before and after a change.
    pub fn authorization_state(&self) -> String {
        let mut perms: Vec<String> = self
            .rt
            .block_on(self.client.retrieve_all_permissions())
            .unwrap()
            .into_iter()
            .map(|p| {
                format!(
                    "{} {} {} {} {}",
                    p.entity.map(|e| e.to_string()).unwrap_or_default(),
                    p.principal.to_lowercase(),
                    p.group,
                    p.role_id,
                    p.propagate
                )
            })
            .collect();
        perms.sort();
        let mut roles: Vec<String> = self
            .rt
            .block_on(self.client.role_list())
            .unwrap()
            .into_iter()
            .map(|r| {
                let mut p = r.privileges;
                p.sort();
                format!("{} {} {}", r.id, r.name, p.join(","))
            })
            .collect();
        roles.sort();
        format!("{}\n{}", perms.join("\n"), roles.join("\n"))
    }

    /// The privileges of the role `name`.
    pub fn role_privileges(&self, name: &str) -> Vec<String> {
        self.rt
            .block_on(self.client.role_list())
            .unwrap()
            .into_iter()
            .find(|r| r.name == name)
            .map(|r| r.privileges)
            .unwrap_or_default()
    }

    pub fn root(&self) -> MoRef {
        self.client.content().root_folder.clone()
    }

    /// The managed object of `kind` named `name` (the first, by moref).
    pub fn by_name(&self, kind: &str, name: &str) -> MoRef {
        let specs = [PropertySpec {
            kind,
            paths: &["name"],
        }];
        let objects = self
            .rt
            .block_on(self.client.retrieve_inventory(&specs, 1000, |_| {}))
            .unwrap();
        objects
            .into_iter()
            .filter(|o| o.obj.kind.as_ref() == kind)
            .find(|o| o.get("name").and_then(|v| v.as_str()) == Some(name))
            .map(|o| o.obj)
            .unwrap_or_else(|| panic!("no {kind} named {name}"))
    }

    /// Waits for a task; answers its `info.result` text (a moref value).
    fn wait(&self, task: &MoRef) -> String {
        let pc = self.client.content().property_collector.clone();
        let inner = format!(
            r#"<specSet><propSet><type>Task</type><pathSet>info.state</pathSet><pathSet>info.result</pathSet><pathSet>info.error</pathSet></propSet><objectSet><obj type="Task">{}</obj></objectSet></specSet><options/>"#,
            xml_escape(&task.value)
        );
        for _ in 0..200 {
            let (body, _) = self.call("RetrievePropertiesEx", &pc, &inner);
            if body.contains(">success<") {
                return between(&body, "<name>info.result</name>", "</val>")
                    .and_then(|v| v.rsplit('>').next().map(str::to_string))
                    .unwrap_or_default();
            }
            assert!(!body.contains(">error<"), "task {task} failed: {body}");
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("task {task} did not finish");
    }

    fn task(&self, method: &str, this: &MoRef, inner: &str) -> String {
        let (body, _) = self.call(method, this, inner);
        let value = between(&body, "<returnval", "</returnval>")
            .and_then(|v| v.rsplit('>').next().map(str::to_string))
            .unwrap_or_else(|| panic!("{method}: no task in {body}"));
        self.wait(&MoRef::new("Task", value))
    }

    /// Deploys a VM `name`, powered on, from the template into `/DC0/vm/Arc`
    /// and the first cluster's root pool, as `az arcappliance deploy` does
    /// (vCenter records a VmDeployedEvent with the template as source).
    pub fn deploy(&self, template: &str, name: &str) -> MoRef {
        let tpl = self.by_name("VirtualMachine", template);
        let folder = self.by_name("Folder", "Arc");
        let cluster = self.by_name("ClusterComputeResource", "DC0_C0");
        let pool = self
            .rt
            .block_on(self.client.retrieve_object(&cluster, &["resourcePool"]))
            .unwrap()
            .get("resourcePool")
            .and_then(|v| v.as_moref().cloned())
            .expect("the cluster's root pool");
        let inner = format!(
            r#"<folder type="Folder">{}</folder><name>{}</name><spec><location><pool type="ResourcePool">{}</pool></location><template>false</template><powerOn>false</powerOn></spec>"#,
            xml_escape(&folder.value),
            xml_escape(name),
            xml_escape(&pool.value)
        );
        let vm = MoRef::new("VirtualMachine", self.task("CloneVM_Task", &tpl, &inner));
        self.task("PowerOnVM_Task", &vm, "");
        vm
    }

    /// What VMware Tools would report: the guest addresses (`a,b` = node
    /// address + control-plane VIP) and whether Tools run.
    pub fn set_guest(&self, vm: &MoRef, addresses: &str, tools_running: bool) {
        let tools = if tools_running {
            "guestToolsRunning"
        } else {
            "guestToolsNotRunning"
        };
        let inner = format!(
            r#"<spec><extraConfig xsi:type="OptionValue"><key>SET.guest.ipAddress</key><value xsi:type="xsd:string">{}</value></extraConfig><extraConfig xsi:type="OptionValue"><key>SET.guest.toolsRunningStatus</key><value xsi:type="xsd:string">{tools}</value></extraConfig></spec>"#,
            xml_escape(addresses)
        );
        self.task("ReconfigVM_Task", vm, &inner);
    }

    pub fn power_off(&self, vm: &MoRef) {
        self.task("PowerOffVM_Task", vm, "");
    }

    /// `MarkAsTemplate` (the VM must be powered off).
    pub fn mark_as_template(&self, vm: &MoRef) {
        self.call("MarkAsTemplate", vm, "");
    }

    /// `CreateFolder`: a folder `name` under `parent`, any characters the
    /// server keeps (a newline, C1 controls, bidi overrides).
    pub fn create_folder(&self, parent: &MoRef, name: &str) -> MoRef {
        let (body, _) = self.call(
            "CreateFolder",
            parent,
            &format!("<name>{}</name>", xml_escape(name)),
        );
        let value = between(&body, "<returnval", "</returnval>")
            .and_then(|v| v.rsplit('>').next().map(str::to_string))
            .unwrap_or_else(|| panic!("CreateFolder: no folder in {body}"));
        MoRef::new("Folder", value)
    }

    /// `Rename_Task`: `obj` is called `name` from now on.
    pub fn rename(&self, obj: &MoRef, name: &str) {
        self.task(
            "Rename_Task",
            obj,
            &format!("<newName>{}</newName>", xml_escape(name)),
        );
    }

    /// `MoveIntoFolder_Task`: `obj` into `folder`.
    pub fn move_into(&self, folder: &MoRef, obj: &MoRef) {
        let inner = format!(
            r#"<list type="{}">{}</list>"#,
            xml_escape(&obj.kind),
            xml_escape(&obj.value)
        );
        self.task("MoveIntoFolder_Task", folder, &inner);
    }
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let (_, rest) = s.split_once(open)?;
    rest.split_once(close).map(|(v, _)| v)
}
