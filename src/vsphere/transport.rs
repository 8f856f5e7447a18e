//! HTTP transport for vim25: one reused connection, the session cookie echoed
//! verbatim, a per-request timeout, bounded bodies, and errors classified into
//! the sentences an administrator can act on.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};
use reqwest::{StatusCode, Url};

use super::envelope::Request;
use super::error::Error;
use super::fault::Fault;
use super::tls::{self, Recorder};
use super::types::MoRef;
use super::xml::{Cursor, Node};

/// No vim25 answer vaudit asks for comes near this: paging keeps pages small.
pub(crate) const MAX_BODY: usize = 64 << 20;

/// Where `Transport::call_into` puts an answer as it arrives.
pub trait BodySink {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), super::xml::XmlError>;
    /// The whole answer has arrived.
    fn finish(&mut self) -> Result<(), super::xml::XmlError>;
    /// The answer passed `MAX_BODY` and was stopped there.
    fn cut(&mut self) {}
    /// The call is sent again: what was fed so far is void.
    fn reset(&mut self);
    /// Whether the call may be sent again: not once what was fed has been
    /// acted on.
    fn retryable(&self) -> bool {
        true
    }
}

/// `exchange` without a sink.
struct NoSink;

impl BodySink for NoSink {
    fn feed(&mut self, _: &[u8]) -> Result<(), super::xml::XmlError> {
        Ok(())
    }
    fn finish(&mut self) -> Result<(), super::xml::XmlError> {
        Ok(())
    }
    fn reset(&mut self) {}
}

const COOKIE_NAME: &str = "vmware_soap_session";

/// The most of a warming answer read (`Transport::warm`): the file is a
/// few hundred bytes; past this the connection is dropped, not kept.
const WARM_BODY: usize = 64 * 1024;

/// Long enough for a load balancer to move on, short enough not to matter.
const RETRY_BACKOFF: Duration = Duration::from_millis(500);

/// vim25 API version the requests are written against: every vCenter from 6.7
/// on answers it, and it has everything vaudit reads.
const SOAP_ACTION: &str = "urn:vim25/6.7";

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: Url,
    pub ca_file: Option<PathBuf>,
    pub insecure: bool,
    pub timeout: Duration,
    /// How much any one read may bring in: the inventory collection and
    /// every other paged or repeated call (`--max-objects`).
    pub limits: super::limits::Limits,
    /// The proxy the session goes through (`--proxy`, else the environment).
    pub proxy: super::proxy::ProxySetting,
}

impl ConnectOptions {
    /// Accepts what govc accepts: a host name, an IP, or
    /// `https://host[:port][/sdk]`, with `/sdk` implied.
    pub fn parse_url(raw: &str) -> Result<Url, Error> {
        let bad = |reason: &str| Error::BadUrl {
            url: bounded(&redact_userinfo(raw)),
            reason: reason.to_string(),
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty"));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else {
            format!("https://{trimmed}")
        };
        let mut url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        if url.scheme() == "http" {
            // Refused before anything is sent: the Login body and the REST
            // Basic header would carry the password in clear.
            let shown = bounded(&redact_userinfo(trimmed));
            let rest = shown.split_once("://").map_or(shown.as_str(), |(_, r)| r);
            return Err(bad(&format!(
                "vaudit speaks only https, and plain http would send the password in clear; use https://{rest}"
            )));
        }
        if url.scheme() != "https" {
            return Err(bad("the scheme must be https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host name"));
        }
        if let Some(name) = url.domain()
            && rustls::pki_types::ServerName::try_from(name).is_err()
        {
            // Caught here, not as the TLS layer's "invalid dns name".
            return Err(bad(&format!(
                "{} is not a valid host name (labels of 1 to 63 letters, digits and hyphens, separated by dots)",
                bounded(name)
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // govc accepts user:password@host; vaudit refuses it so that a
            // password never sits in argv or a shell history.
            return Err(bad(
                "it carries credentials; pass --username and the password through VAUDIT_PASSWORD, the keyring or the prompt",
            ));
        }
        match url.path() {
            "" | "/" | "/sdk/" => url.set_path("/sdk"),
            "/sdk" => {}
            // Anything else is sure to end in an HTTP 404 after the
            // connection: say so before.
            other => {
                return Err(bad(&format!(
                    "the path {} is not the vSphere API's; give https://host[:port] or https://host[:port]/sdk",
                    bounded(other)
                )));
            }
        }
        url.set_query(None);
        url.set_fragment(None);
        Ok(url)
    }
}

pub struct Transport {
    http: reqwest::Client,
    url: Url,
    endpoint: String,
    cookie: Mutex<Option<HeaderValue>>,
    recorder: Arc<Recorder>,
    timeout: Duration,
    calls: AtomicU64,
    /// Session manager, user and password, for one re-login.
    credentials: Mutex<Option<(MoRef, String, String)>>,
    /// The session key: vCenter writes it into session-scoped morefs
    /// (`session[KEY]…`) and `HasPrivilegeOnEntities` sends it; as good as
    /// the password while the session lives, so traces show it masked.
    session_key: Mutex<Option<String>>,
    /// The HTTPS proxy in the path, from the environment.
    proxy: Option<super::proxy::Proxy>,
    limits: super::limits::Limits,
    /// Subjects of the `--ca-file` roots: the vCenter's own issuers.
    ca_subjects: Vec<String>,
}

impl Transport {
    pub fn new(opts: &ConnectOptions) -> Result<Self, Error> {
        let recorder = Arc::new(Recorder::default());
        let tls = tls::client_config(opts.ca_file.as_deref(), opts.insecure, recorder.clone())?;
        // The proxy is chosen here, not by reqwest, so that errors can name
        // exactly the proxy the connection went through.
        let proxy = opts.proxy.resolve(&opts.url);
        if let Some(p) = &proxy {
            // With verification off, whoever answers gets the password:
            // a proxy the environment slipped in (an intercepting one reads
            // it) is refused; one the user named is the user's call.
            if opts.insecure && p.from_environment() {
                return Err(Error::InsecureThroughProxy { proxy: p.clone() });
            }
            tracing::info!(
                "the vCenter session goes through the proxy {} (from {})",
                p.shown,
                p.var
            );
        }
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(p) = &proxy {
            builder = builder.proxy(reqwest::Proxy::all(&p.url).map_err(|e| Error::BadUrl {
                url: p.shown.clone(),
                reason: format!("{} does not name a usable proxy ({e})", p.var),
            })?);
        }
        let http = builder
            .use_preconfigured_tls(tls)
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            // One pool for SOAP, REST, the Lookup Service and SSO: the gate
            // asks a dozen independent calls at once, and every connection
            // kept saves a TLS handshake (a round trip over a WAN, two with
            // TLS 1.2) on a later call of any of them.
            .pool_max_idle_per_host(16)
            .user_agent(concat!("vaudit/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Tls(format!("cannot set up the HTTP client: {e}")))?;
        let endpoint = endpoint_of(&opts.url);
        Ok(Transport {
            http,
            url: opts.url.clone(),
            endpoint,
            cookie: Mutex::new(None),
            recorder,
            timeout: opts.timeout,
            calls: AtomicU64::new(0),
            credentials: Mutex::new(None),
            session_key: Mutex::new(None),
            proxy,
            limits: opts.limits,
            ca_subjects: opts
                .ca_file
                .as_deref()
                .map(tls::ca_subjects)
                .unwrap_or_default(),
        })
    }

    /// Opens `n` connections in the background, each with a GET of the
    /// endpoint's `vimServiceVersions.xml` (public on every vCenter; its
    /// answer, or a 404, is read and dropped): the pool then holds them
    /// when the calls asked at once after Login go out, so none waits on
    /// a TLS handshake (a round trip over a WAN, two with TLS 1.2) where
    /// it would otherwise open its own. No credential, cookie or session
    /// key rides on them, so they may go before the endpoint has proved
    /// to be vSphere; a failure is only traced (the first call reports
    /// what is wrong with the endpoint).
    pub fn warm(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut url = self.url.clone();
        let path = format!(
            "{}/vimServiceVersions.xml",
            url.path().trim_end_matches('/')
        );
        url.set_path(&path);
        for _ in 0..n {
            let (http, url) = (self.http.clone(), url.clone());
            tokio::spawn(async move {
                match http.get(url).send().await {
                    // Read to the end (bounded) so the connection is kept.
                    Ok(mut r) => {
                        let mut read = 0;
                        while let Ok(Some(c)) = r.chunk().await {
                            read += c.len();
                            if read > WARM_BODY {
                                break;
                            }
                        }
                    }
                    Err(e) => tracing::debug!("a connection opened ahead failed: {e}"),
                }
            });
        }
    }

    /// The proxy the session goes through, and where it was named.
    pub fn proxy(&self) -> Option<&super::proxy::Proxy> {
        self.proxy.as_ref()
    }

    /// The bounds of every read over this connection.
    pub fn limits(&self) -> super::limits::Limits {
        self.limits
    }

    /// The `--url` the user gave: the only host the password goes to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `host:port`, as errors name the server.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SOAP round trips so far: the figure the paging and batching promises
    /// are measured by.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The certificate the server presented and we verified (none with
    /// --insecure or plain http).
    pub fn server_certificate(&self) -> Option<super::tls::CertSummary> {
        self.recorder.accepted()
    }

    pub fn has_session_cookie(&self) -> bool {
        self.cookie.lock().map(|c| c.is_some()).unwrap_or(false)
    }

    pub fn clear_session_cookie(&self) {
        if let Ok(mut c) = self.cookie.lock() {
            *c = None;
        }
    }

    /// Keeps what a re-login needs, for the one re-login an expired session
    /// gets. Held only in memory, never logged.
    pub fn remember_login(&self, session_manager: MoRef, user: &str, password: &str) {
        if let Ok(mut c) = self.credentials.lock() {
            *c = Some((session_manager, user.to_string(), password.to_string()));
        }
    }

    pub fn remember_session_key(&self, key: &str) {
        if let Ok(mut k) = self.session_key.lock() {
            *k = Some(key.to_string()).filter(|k| !k.is_empty());
        }
    }

    /// `body` with the session key replaced, for traces.
    fn masked<'a>(&self, body: &'a str) -> std::borrow::Cow<'a, str> {
        match self.session_key.lock().ok().and_then(|k| k.clone()) {
            Some(k) if body.contains(&k) => body.replace(&k, "(session key)").into(),
            _ => body.into(),
        }
    }

    pub fn can_relogin(&self) -> bool {
        self.credentials
            .lock()
            .map(|c| c.is_some())
            .unwrap_or(false)
    }

    /// Logs in again with the remembered credentials (an expired session).
    pub async fn relogin(&self) -> Result<(), Error> {
        let Some((sm, user, password)) = self.credentials.lock().ok().and_then(|c| c.clone())
        else {
            return Err(Error::Connect {
                endpoint: self.endpoint.clone(),
                step: "Login".into(),
                detail: "the session expired and there are no credentials to log in again".into(),
            });
        };
        tracing::warn!("the vCenter session expired; logging in again");
        self.clear_session_cookie();
        let mut req = Request::new("Login", &sm);
        req.secret = true;
        req.text("userName", &user).text("password", &password);
        let body = self.call_once(&req).await?;
        // The new session has a new key, to be masked like the first.
        if let Ok(node) = self.decode_tree("Login", &body)
            && let Some(key) = node.child("returnval").and_then(|r| r.text_of("key"))
        {
            self.remember_session_key(key);
        }
        Ok(())
    }

    /// Sends one call and returns the raw body of a successful answer; a SOAP
    /// fault becomes `Error::Fault`. An idempotent read is sent once more
    /// after a transient failure (a reset connection, a 502/503/504, a body
    /// cut off), and a call that finds its session expired is sent again
    /// after one re-login. Anything else fails at once.
    pub async fn call(&self, req: Request) -> Result<Vec<u8>, Error> {
        match self.call_once(&req).await {
            Err(e) if req.idempotent() && e.is_transient() => {
                tracing::warn!(method = req.method, "retrying once after: {e}");
                tokio::time::sleep(RETRY_BACKOFF).await;
                self.call_once(&req).await
            }
            Err(e) if e.is_not_authenticated() && req.survives_relogin() && self.can_relogin() => {
                self.relogin().await?;
                self.call_once(&req).await
            }
            other => other,
        }
    }

    /// As `call`, with a successful answer handed to `sink` chunk by chunk
    /// as it arrives rather than held whole: an inventory page of tens of
    /// thousands of objects is decoded while the rest is on the wire, and
    /// never sits in memory as text. The bound on the answer (`MAX_BODY`)
    /// holds as for `call`; `sink.cut()` is told when it stopped the
    /// answer, so the caller can ask again for less. A fault or an answer
    /// that is not SOAP is read whole, as by `call`. A call is sent again
    /// as by `call` only while the sink is `retryable`, `reset` before.
    pub async fn call_into(&self, req: Request, sink: &mut impl BodySink) -> Result<(), Error> {
        match self.call_streamed(&req, sink).await {
            Err(e) if req.idempotent() && e.is_transient() && sink.retryable() => {
                tracing::warn!(method = req.method, "retrying once after: {e}");
                tokio::time::sleep(RETRY_BACKOFF).await;
                sink.reset();
                self.call_streamed(&req, sink).await
            }
            Err(e)
                if e.is_not_authenticated()
                    && req.survives_relogin()
                    && self.can_relogin()
                    && sink.retryable() =>
            {
                self.relogin().await?;
                sink.reset();
                self.call_streamed(&req, sink).await
            }
            other => other,
        }
    }

    async fn call_streamed(&self, req: &Request, sink: &mut impl BodySink) -> Result<(), Error> {
        self.exchange(req, Some(sink)).await.map(drop)
    }

    async fn call_once(&self, req: &Request) -> Result<Vec<u8>, Error> {
        self.exchange(req, None::<&mut NoSink>).await
    }

    /// One SOAP exchange: the body of a successful answer is returned, or,
    /// with a `sink`, fed to it as it arrives (and an empty body returned).
    async fn exchange(
        &self,
        req: &Request,
        sink: Option<&mut impl BodySink>,
    ) -> Result<Vec<u8>, Error> {
        let step = req.method;
        let secret = req.secret;
        let body = req.body()?;
        if secret {
            tracing::debug!(
                method = step,
                "SOAP request (body withheld: it holds a secret)"
            );
        } else {
            tracing::trace!(method = step, body = %self.masked(&body), "SOAP request");
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut builder = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", SOAP_ACTION)
            .body(body);
        if let Some(c) = self.cookie.lock().ok().and_then(|c| c.clone()) {
            builder = builder.header(COOKIE, c);
        }
        let started = std::time::Instant::now();
        let resp = builder.send().await.map_err(|e| self.classify(e, step))?;
        self.keep_cookie(resp.headers());
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let xml = content_type.is_empty() || content_type.contains("xml");
        if status == StatusCode::OK
            && xml
            && let Some(sink) = sink
        {
            let read = self.stream_body(resp, step, sink).await?;
            tracing::debug!(
                method = step,
                status = status.as_u16(),
                bytes = read,
                ms = started.elapsed().as_millis() as u64,
                "SOAP answer"
            );
            return Ok(Vec::new());
        }
        let bytes = self.read_body(resp, step).await?;
        tracing::debug!(
            method = step,
            status = status.as_u16(),
            bytes = bytes.len(),
            ms = started.elapsed().as_millis() as u64,
            "SOAP answer"
        );
        match status {
            StatusCode::OK => {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Err(self.not_soap(step, 200, "an empty reply".into()));
                }
                if (!content_type.is_empty() && !content_type.contains("xml"))
                    || looks_like_html(&bytes)
                {
                    return Err(self.not_soap(
                        step,
                        200,
                        describe_non_soap(200, &content_type, &bytes),
                    ));
                }
                Ok(bytes)
            }
            StatusCode::INTERNAL_SERVER_ERROR => match parse_fault(&bytes) {
                Some(fault) => Err(Error::Fault {
                    step: step.to_string(),
                    fault,
                }),
                None => {
                    Err(self.not_soap(step, 500, describe_non_soap(500, &content_type, &bytes)))
                }
            },
            other => Err(self.not_soap(
                step,
                other.as_u16(),
                describe_non_soap(other.as_u16(), &content_type, &bytes),
            )),
        }
    }

    /// One vAPI REST call on the same connection and trust: `path` replaces
    /// the SOAP URL's `/sdk`. Returns the status and body; only transport
    /// failures are errors.
    pub async fn rest(
        &self,
        method: reqwest::Method,
        path: &str,
        basic: Option<(&str, &str)>,
        session: Option<&str>,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        self.rest_with(method, path, basic, session, None).await
    }

    /// As `rest`, with a JSON request body; `path` may carry a query
    /// (`?action=list`).
    pub async fn rest_with(
        &self,
        method: reqwest::Method,
        path: &str,
        basic: Option<(&str, &str)>,
        session: Option<&str>,
        json: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut url = self.url.clone();
        let (only_path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        url.set_path(only_path);
        url.set_query(query);
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut b = self.http.request(method, url);
        if let Some((u, p)) = basic {
            b = b.basic_auth(u, Some(p));
        }
        if let Some(s) = session {
            b = b.header("vmware-api-session-id", s);
        }
        if let Some(v) = json {
            b = b
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(v.to_string());
        }
        let resp = b.send().await.map_err(|e| self.classify(e, path))?;
        let status = resp.status();
        let body = self.read_body(resp, path).await?;
        tracing::debug!(path, status = status.as_u16(), "REST answer");
        Ok((status, body))
    }

    /// One SOAP POST to another service of the same host and trust (the
    /// SSO STS and admin service): `path` replaces `/sdk`. The body may hold
    /// a password: it is never logged. Returns the status and body; only
    /// transport failures are errors.
    pub async fn post_soap(
        &self,
        path: &str,
        action: &str,
        body: String,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut url = self.url.clone();
        url.set_path(path);
        self.calls.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .http
            .post(url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", action)
            .body(body)
            .send()
            .await
            .map_err(|e| self.classify(e, path))?;
        let status = resp.status();
        let body = self.read_body(resp, path).await?;
        tracing::debug!(path, status = status.as_u16(), "SSO answer");
        Ok((status, body))
    }

    /// Decodes a small answer into a tree rooted at the response element.
    pub fn decode_tree(&self, step: &str, body: &[u8]) -> Result<Node, Error> {
        let mut cur = Cursor::new(body);
        let tag = cur.enter_body().map_err(|e| self.decode_err(step, e))?;
        Node::read(&mut cur, tag).map_err(|e| self.decode_err(step, e))
    }

    pub fn decode_err(&self, step: &str, e: impl std::fmt::Display) -> Error {
        Error::Decode {
            endpoint: self.endpoint.clone(),
            step: step.to_string(),
            detail: e.to_string(),
        }
    }

    fn not_soap(&self, step: &str, status: u16, what: String) -> Error {
        Error::NotSoap {
            endpoint: self.endpoint.clone(),
            step: step.to_string(),
            status,
            what,
        }
    }

    /// Feeds a 200 answer to `sink`; returns the bytes read. The checks
    /// `exchange` makes on a whole body (empty, HTML) are made on what has
    /// arrived when it matters: an HTML page is told by its first bytes.
    async fn stream_body(
        &self,
        mut resp: reqwest::Response,
        step: &str,
        sink: &mut impl BodySink,
    ) -> Result<usize, Error> {
        let mut read = 0usize;
        let mut head: Vec<u8> = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if read + chunk.len() > MAX_BODY {
                        sink.cut();
                        return Err(self.too_large(step));
                    }
                    if read == 0 || head.len() < 512 {
                        head.extend_from_slice(&chunk[..chunk.len().min(512 - head.len())]);
                        if looks_like_html(&head) {
                            return Err(self.not_soap(
                                step,
                                200,
                                describe_non_soap(200, "", &head),
                            ));
                        }
                    }
                    read += chunk.len();
                    sink.feed(&chunk).map_err(|e| self.decode_err(step, e))?;
                }
                Ok(None) => break,
                Err(e) => return Err(self.chunk_err(e, step)),
            }
        }
        if head.iter().all(u8::is_ascii_whitespace) {
            return Err(self.not_soap(step, 200, "an empty reply".into()));
        }
        sink.finish().map_err(|e| self.decode_err(step, e))?;
        Ok(read)
    }

    /// A body that stopped arriving: the deadline, or the connection.
    fn chunk_err(&self, e: reqwest::Error, step: &str) -> Error {
        if e.is_timeout() {
            return self.timeout_err(step);
        }
        Error::CutOff {
            endpoint: self.endpoint.clone(),
            step: step.to_string(),
            cause: root_cause(&e),
        }
    }

    fn too_large(&self, step: &str) -> Error {
        self.decode_err(
            step,
            format!("the answer is larger than {} MiB", MAX_BODY >> 20),
        )
    }

    async fn read_body(&self, mut resp: reqwest::Response, step: &str) -> Result<Vec<u8>, Error> {
        let mut out =
            Vec::with_capacity(resp.content_length().unwrap_or(8192).min(1 << 20) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if out.len() + chunk.len() > MAX_BODY {
                        return Err(self.too_large(step));
                    }
                    out.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(out),
                Err(e) => return Err(self.chunk_err(e, step)),
            }
        }
    }

    fn keep_cookie(&self, headers: &reqwest::header::HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let pair = s.split(';').next().unwrap_or("").trim();
            let is_session = pair
                .split_once('=')
                .is_some_and(|(name, _)| name.trim() == COOKIE_NAME);
            // Echoed byte for byte: real vCenter quotes the value.
            if let (true, Ok(hv), Ok(mut slot)) =
                (is_session, HeaderValue::from_str(pair), self.cookie.lock())
            {
                *slot = Some(hv);
            }
        }
    }

    fn timeout_err(&self, step: &str) -> Error {
        Error::Timeout {
            endpoint: self.endpoint.clone(),
            step: step.to_string(),
            secs: self.timeout.as_secs(),
        }
    }

    fn classify(&self, e: reqwest::Error, step: &str) -> Error {
        if let Some(failure) = self.recorder.take() {
            let interception = self.proxy.is_some() && self.intercepted(&failure);
            return Error::Untrusted {
                endpoint: self.endpoint.clone(),
                failure: Box::new(failure),
                via: self.proxy.clone(),
                interception,
            };
        }
        if e.is_timeout() {
            return self.timeout_err(step);
        }
        if let Some(p) = &self.proxy
            && let Some(failure) = proxy_failure(&e)
        {
            return Error::Proxy {
                proxy: p.clone(),
                endpoint: self.endpoint.clone(),
                failure,
            };
        }
        let mut src: Option<&(dyn StdError + 'static)> = e.source();
        let mut chain = Vec::new();
        while let Some(s) = src {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        return Error::Refused {
                            endpoint: self.endpoint.clone(),
                        };
                    }
                    std::io::ErrorKind::TimedOut => return self.timeout_err(step),
                    _ => {}
                }
            }
            if let Some(h) = s.downcast_ref::<hyper::Error>()
                && h.is_parse()
            {
                return Error::NotHttp {
                    endpoint: self.endpoint.clone(),
                    step: step.to_string(),
                    detail: h.to_string(),
                };
            }
            chain.push(s.to_string());
            src = s.source();
        }
        let text = chain.join(": ");
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return Error::Dns {
                host: self.url.host_str().unwrap_or_default().to_string(),
            };
        }
        Error::Connect {
            endpoint: self.endpoint.clone(),
            step: step.to_string(),
            detail: if text.is_empty() { e.to_string() } else { text },
        }
    }
}

impl Transport {
    /// A certificate from an unknown issuer that is not the vCenter's CA
    /// (`--ca-file`), nor a VMware Certificate Authority's: someone else's.
    fn intercepted(&self, f: &super::cert::TlsFailure) -> bool {
        let Some(cert) = &f.cert else { return false };
        f.reason == super::cert::TlsReason::UnknownIssuer
            && !self.ca_subjects.contains(&cert.issuer)
            && !cert.issuer.contains("VMware")
    }
}

/// With a proxy in the path, how it failed. The TCP connection is always the
/// proxy's, so a refusal or a name that does not resolve is the proxy's; the
/// CONNECT answer is only known from hyper's error text (its type is private).
fn proxy_failure(e: &reqwest::Error) -> Option<super::error::ProxyFailure> {
    use super::error::ProxyFailure;
    let mut src: Option<&(dyn StdError + 'static)> = e.source();
    let mut chain = Vec::new();
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return Some(ProxyFailure::Refused);
        }
        chain.push(s.to_string());
        src = s.source();
    }
    let text = chain.join(": ");
    if text.contains("proxy authorization required") {
        Some(ProxyFailure::AuthRequired)
    } else if text.contains("tunnel error: unsuccessful") {
        Some(ProxyFailure::TunnelRefused)
    } else if text.contains("dns error") || text.contains("failed to lookup address") {
        Some(ProxyFailure::Unresolvable)
    } else if text.contains("tunnel error") {
        Some(ProxyFailure::Other(text))
    } else {
        None
    }
}

/// Hides `user:password@` so that an error never echoes a password.
fn redact_userinfo(raw: &str) -> String {
    let start = raw.find("://").map_or(0, |i| i + 3);
    let authority_end = raw[start..].find('/').map_or(raw.len(), |i| start + i);
    match raw[start..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &raw[..start], &raw[start + at + 1..]),
        None => raw.to_string(),
    }
}

/// The longest value an error sentence quotes: a 70 KB `--url` echoed in
/// full would bury the sentence around it.
const MAX_QUOTED: usize = 200;

/// `s` cut at `MAX_QUOTED` characters, with an ellipsis and the full length.
fn bounded(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        None => s.to_string(),
        Some((at, _)) => format!("{}… ({} characters)", &s[..at], s.chars().count()),
    }
}

pub(crate) fn endpoint_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

fn root_cause(e: &(dyn StdError + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn parse_fault(body: &[u8]) -> Option<Fault> {
    let mut cur = Cursor::new(body);
    let tag = cur.enter_body().ok()?;
    if !tag.is("Fault") {
        return None;
    }
    let node = Node::read(&mut cur, tag).ok()?;
    Some(Fault::from_node(&node))
}

/// A proxy's block page can come back as 200 with no content type, or even
/// labelled text/xml; its first bytes give it away.
fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Says what came back instead of SOAP, without echoing the body itself.
fn describe_non_soap(status: u16, content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = text.to_ascii_lowercase();
    let kind = if lower.contains("<html") || content_type.contains("html") {
        let title = lower
            .find("<title>")
            .and_then(|i| {
                let rest = &text[i + 7..];
                rest.find('<')
                    .map(|j| rest[..j].trim().chars().take(80).collect::<String>())
            })
            .filter(|t| !t.is_empty());
        match title {
            Some(t) => format!("an HTML page titled {t:?}"),
            None => "an HTML page".to_string(),
        }
    } else if body.iter().all(u8::is_ascii_whitespace) {
        "an empty body".to_string()
    } else if content_type.is_empty() {
        "a body of unknown type".to_string()
    } else {
        format!("a {content_type} body")
    };
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("HTTP {status} {reason} and {kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let u = ConnectOptions::parse_url("vc.example.com").unwrap();
        assert_eq!(u.as_str(), "https://vc.example.com/sdk");
        let u = ConnectOptions::parse_url("https://10.0.0.5:8443").unwrap();
        assert_eq!(u.as_str(), "https://10.0.0.5:8443/sdk");
        let u = ConnectOptions::parse_url("https://vc/sdk").unwrap();
        assert_eq!(u.as_str(), "https://vc/sdk");
        assert!(ConnectOptions::parse_url("ftp://vc").is_err());
        let e = ConnectOptions::parse_url("http://vc:8080/sdk").unwrap_err();
        assert!(e.to_string().contains("use https://vc:8080/sdk"), "{e}");
        let e = ConnectOptions::parse_url("http://u:secret@vc").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(ConnectOptions::parse_url("").is_err());
        let e = ConnectOptions::parse_url("https://u:secret@vc").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(e.to_string().contains("https://***@vc"), "{e}");
    }

    #[test]
    fn a_trailing_slash_after_sdk_is_the_same_endpoint() {
        let u = ConnectOptions::parse_url("https://vc:8443/sdk/").unwrap();
        assert_eq!(u.as_str(), "https://vc:8443/sdk");
    }

    #[test]
    fn another_path_is_refused_naming_it() {
        for raw in [
            "https://vc/foo",
            "https://vc/sdk/x",
            "vc/ui",
            "https://vc//sdk",
        ] {
            let e = ConnectOptions::parse_url(raw).unwrap_err();
            assert!(
                e.to_string().contains("is not the vSphere API's"),
                "{raw}: {e}"
            );
        }
    }

    #[test]
    fn a_long_url_is_quoted_cut() {
        let long = format!("https://{}", "a".repeat(70_000));
        let e = ConnectOptions::parse_url(&long).unwrap_err().to_string();
        assert!(e.len() < 1000, "{} bytes", e.len());
        assert!(e.contains("… (70008 characters)"), "{e}");
    }

    #[test]
    fn a_host_name_tls_cannot_carry_is_refused_before_connecting() {
        let long = format!("https://{}.example", "a".repeat(64));
        let e = ConnectOptions::parse_url(&long).unwrap_err();
        assert!(e.to_string().contains("is not a valid host name"), "{e}");
        // Underscores are legal in DNS and accepted by the TLS layer.
        assert!(ConnectOptions::parse_url("https://vc_1.example").is_ok());
    }

    #[test]
    fn describes_html() {
        let d = describe_non_soap(
            502,
            "text/html",
            b"<html><head><title>Bad Gateway</title></head></html>",
        );
        assert_eq!(
            d,
            "HTTP 502 Bad Gateway and an HTML page titled \"Bad Gateway\""
        );
    }
}
