//! Scenario set-up as the administrator: the vim25 calls that change who
//! may do what (`AddAuthorizationRole`, `SetEntityPermissions`). vaudit only
//! reads, so these live here, sent over their own small SOAP client rather
//! than shipped in the library.

use std::time::Duration;

use vaudit::report::xml::escape as xml_escape;
use vaudit::vsphere::{Client, ConnectOptions, MoRef};

use crate::common::{ADMIN, SIM_PASSWORD, Sim};

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
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let opts = ConnectOptions {
            url: ConnectOptions::parse_url(&sim.url).unwrap(),
            ca_file: Some(sim.ca_file.clone()),
            insecure: false,
            timeout: Duration::from_secs(30),
        };
        let client = rt.block_on(async {
            let mut c = Client::connect(&opts).await.unwrap();
            c.login(ADMIN, SIM_PASSWORD).await.unwrap();
            c
        });
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

    pub fn root(&self) -> MoRef {
        self.client.content().root_folder.clone()
    }
}
