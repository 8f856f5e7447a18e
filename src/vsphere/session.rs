//! The service instance and the login session: `RetrieveServiceContent`,
//! `Login`, `Logout`, `CurrentTime`.

use super::envelope::Request;
use super::error::Error;
use super::fault::{Fault, FaultKind};
use super::transport::{ConnectOptions, Transport};
use super::types::{AboutInfo, MoRef, ServiceContent, UserSession};
use super::xml::Node;

/// A connection to one vCenter: the transport and what `ServiceContent`
/// told us about the server.
pub struct Client {
    pub(crate) transport: Transport,
    content: ServiceContent,
    session: Option<UserSession>,
    /// Logout was answered (`end_session`): `logout` has nothing to send.
    ended: std::sync::atomic::AtomicBool,
}

fn service_instance() -> MoRef {
    MoRef::new("ServiceInstance", "ServiceInstance")
}

impl Client {
    /// Connects and reads `ServiceContent`: the first round trip proves the
    /// URL, the TLS trust and that a vSphere SOAP endpoint answers.
    pub async fn connect(opts: &ConnectOptions) -> Result<Client, Error> {
        Self::connect_warm(opts, 0).await
    }

    /// As `connect`, with `warm` more connections opened beside it
    /// (`Transport::warm`), for a caller that will ask that many calls at
    /// once after Login.
    pub async fn connect_warm(opts: &ConnectOptions, warm: usize) -> Result<Client, Error> {
        let transport = Transport::new(opts)?;
        transport.warm(warm);
        let req = Request::new("RetrieveServiceContent", &service_instance());
        let body = transport.call(req).await?;
        let node = transport.decode_tree("RetrieveServiceContent", &body)?;
        let content = decode_service_content(&node)
            .map_err(|e| transport.decode_err("RetrieveServiceContent", e))?;
        Ok(Client {
            transport,
            content,
            session: None,
            ended: Default::default(),
        })
    }

    pub fn content(&self) -> &ServiceContent {
        &self.content
    }

    /// The proxy the session goes through, and where it was named.
    pub fn proxy(&self) -> Option<&super::proxy::Proxy> {
        self.transport.proxy()
    }

    pub fn about(&self) -> &AboutInfo {
        &self.content.about
    }

    pub fn session(&self) -> Option<&UserSession> {
        self.session.as_ref()
    }

    pub fn endpoint(&self) -> &str {
        self.transport.endpoint()
    }

    /// The vCenter's verified certificate, when TLS was verified.
    pub fn server_certificate(&self) -> Option<super::tls::CertSummary> {
        self.transport.server_certificate()
    }

    /// SOAP round trips made on this connection.
    pub fn calls(&self) -> u64 {
        self.transport.calls()
    }

    pub(crate) fn require(&self, which: &str, m: &Option<MoRef>) -> Result<MoRef, Error> {
        m.clone().ok_or_else(|| {
            self.transport.decode_err(
                "RetrieveServiceContent",
                format!("the server has no {which} (is this a vCenter or ESXi SOAP endpoint?)"),
            )
        })
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Result<&UserSession, Error> {
        let sm = self.require("SessionManager", &self.content.session_manager)?;
        let mut req = Request::new("Login", &sm);
        req.secret = true;
        req.text("userName", user).text("password", password);
        let body = self.transport.call(req).await?;
        self.transport.remember_login(sm, user, password);
        let node = self.transport.decode_tree("Login", &body)?;
        let rv = node.child("returnval").ok_or_else(|| {
            self.transport
                .decode_err("Login", "no returnval in the answer")
        })?;
        let session = UserSession {
            key: rv.text_of("key").unwrap_or_default().to_string(),
            user_name: rv.text_of("userName").unwrap_or(user).to_string(),
            full_name: rv.text_of("fullName").unwrap_or_default().to_string(),
            login_time: rv.text_of("loginTime").unwrap_or_default().to_string(),
        };
        self.transport.remember_session_key(&session.key);
        if !self.transport.has_session_cookie() {
            return Err(self.transport.decode_err(
                "Login",
                "the server set no vmware_soap_session cookie, so no later call could be authenticated",
            ));
        }
        Ok(self.session.insert(session))
    }

    /// Ends the session. Sent at the end of every command, on error paths
    /// too, so audits leave no sessions behind on the vCenter.
    pub async fn logout(&mut self) -> Result<(), Error> {
        if self.session.take().is_none() {
            return Ok(());
        }
        self.send_logout().await
    }

    /// Ends the session while the client is still shared: for a caller
    /// whose last SOAP call is answered but whose REST and SSO calls (which
    /// do not ride on this session) are still on the wire, so that Logout's
    /// round trip overlaps theirs. Sent once: a later `logout` sends
    /// nothing, unless this one was cut off before its answer (then the
    /// session may still be open, and `logout` sends it again).
    pub async fn end_session(&self) -> Result<(), Error> {
        if self.session.is_none() {
            return Ok(());
        }
        self.send_logout().await
    }

    /// Logout, unless one was answered already.
    async fn send_logout(&self) -> Result<(), Error> {
        use std::sync::atomic::Ordering;
        if self.ended.load(Ordering::Relaxed) {
            return Ok(());
        }
        let sm = self.require("SessionManager", &self.content.session_manager)?;
        let res = self.transport.call(Request::new("Logout", &sm)).await;
        self.ended.store(true, Ordering::Relaxed);
        self.transport.clear_session_cookie();
        res.map(|_| ())
    }

    /// The server's clock, for the clock-skew check.
    pub async fn current_time(&self) -> Result<String, Error> {
        let body = self
            .transport
            .call(Request::new("CurrentTime", &service_instance()))
            .await?;
        let node = self.transport.decode_tree("CurrentTime", &body)?;
        node.text_of("returnval").map(str::to_owned).ok_or_else(|| {
            self.transport
                .decode_err("CurrentTime", "no returnval in the answer")
        })
    }

    /// Maps a `NotAuthenticated` reported inside an answer into the same
    /// error a fault would have given.
    pub(crate) fn not_authenticated(step: &str) -> Error {
        Error::Fault {
            step: step.to_string(),
            fault: Fault {
                kind: FaultKind::NotAuthenticated { privilege_id: None },
                message: "the session is not authenticated".into(),
            },
        }
    }
}

pub(crate) fn moref_of(n: &Node) -> MoRef {
    MoRef::new(n.attr("type").unwrap_or_default(), n.text.trim())
}

fn decode_service_content(node: &Node) -> Result<ServiceContent, String> {
    let rv = node
        .child("returnval")
        .ok_or("no returnval in the answer")?;
    let opt = |name: &str| rv.child(name).map(moref_of);
    let about = rv.child("about").ok_or("no about in ServiceContent")?;
    let t = |name: &str| about.text_of(name).unwrap_or_default().to_string();
    Ok(ServiceContent {
        about: AboutInfo {
            name: t("name"),
            full_name: t("fullName"),
            vendor: t("vendor"),
            version: t("version"),
            build: t("build"),
            api_type: t("apiType"),
            api_version: t("apiVersion"),
            instance_uuid: t("instanceUuid"),
            os_type: t("osType"),
        },
        root_folder: opt("rootFolder").ok_or("no rootFolder in ServiceContent")?,
        property_collector: opt("propertyCollector")
            .ok_or("no propertyCollector in ServiceContent")?,
        view_manager: opt("viewManager"),
        session_manager: opt("sessionManager"),
        authorization_manager: opt("authorizationManager"),
        event_manager: opt("eventManager"),
        perf_manager: opt("perfManager"),
        search_index: opt("searchIndex"),
    })
}
