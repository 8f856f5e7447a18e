//! TLS trust for the vCenter connection.
//!
//! The verifier wraps webpki and, when it rejects a chain, records the
//! certificate the server presented. An untrusted vCenter is the most common
//! first-run failure, and the administrator needs the subject, issuer and
//! fingerprint in the error to decide whether to trust it with `--ca-file`.

use std::path::Path;
use std::sync::{Arc, Mutex};

pub use super::cert::{CertSummary, TlsFailure, TlsReason};
use super::error::Error;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Holds the last rejection so the transport can explain a failed
/// handshake, and the certificate of the last accepted one so the gate can
/// warn before it expires.
#[derive(Debug, Default)]
pub struct Recorder {
    failure: Mutex<Option<TlsFailure>>,
    accepted: Mutex<Option<CertSummary>>,
}

impl Recorder {
    pub fn take(&self) -> Option<TlsFailure> {
        self.failure.lock().ok().and_then(|mut g| g.take())
    }
    fn record(&self, f: TlsFailure) {
        if let Ok(mut g) = self.failure.lock() {
            *g = Some(f);
        }
    }
    pub fn accepted(&self) -> Option<CertSummary> {
        self.accepted.lock().ok().and_then(|g| g.clone())
    }
    fn accept(&self, der: &[u8]) {
        if let Ok(mut g) = self.accepted.lock()
            && g.is_none()
        {
            *g = Some(CertSummary::from_der(der));
        }
    }
}

#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    recorder: Arc<Recorder>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .inspect(|_| self.recorder.accept(end_entity))
            .inspect_err(|e| {
                let reason = match e {
                    rustls::Error::InvalidCertificate(c) => match c {
                        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                            TlsReason::UnknownIssuer
                        }
                        CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. } => {
                            TlsReason::NameMismatch
                        }
                        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                            TlsReason::Expired
                        }
                        CertificateError::NotValidYet
                        | CertificateError::NotValidYetContext { .. } => TlsReason::NotYetValid,
                        other => TlsReason::Other(format!("{other:?}")),
                    },
                    other => TlsReason::Other(other.to_string()),
                };
                self.recorder.record(TlsFailure {
                    reason,
                    cert: Some(CertSummary::from_der(end_entity)),
                });
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `--insecure`: any certificate is accepted, but the handshake signatures are
/// still checked so the session is at least bound to the presented key.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Builds the client TLS configuration: the system roots plus `ca_file`, or
/// no verification at all with `insecure`.
pub fn client_config(
    ca_file: Option<&Path>,
    insecure: bool,
    recorder: Arc<Recorder>,
) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(format!("TLS set-up failed: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = if insecure {
        Arc::new(AcceptAnyCert(provider))
    } else {
        let mut roots = RootCertStore::empty();
        // Unreadable system certificates are not fatal: --ca-file may be all
        // the trust this deployment needs.
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
        if let Some(path) = ca_file {
            add_ca_file(&mut roots, path)?;
        }
        // No roots at all is not an error here: a plain-http URL needs
        // none, and for https the handshake fails with the certificate's
        // details, which says more than "no roots".
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| Error::Tls(format!("TLS set-up failed: {e}")))?;
        Arc::new(RecordingVerifier { inner, recorder })
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn add_ca_file(roots: &mut RootCertStore, path: &Path) -> Result<(), Error> {
    let ca_err = |reason: String| Error::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| ca_err(format!("not a PEM certificate file ({e})")))?;
        roots
            .add(cert)
            .map_err(|e| ca_err(format!("a certificate in it is not usable as a root ({e})")))?;
        added += 1;
    }
    if added == 0 {
        return Err(ca_err("it holds no PEM certificate".into()));
    }
    Ok(())
}

/// The subjects of the CA certificates in `path` (unreadable: none), as
/// `CertSummary::issuer` writes names: to tell a certificate the vCenter's CA
/// issued from one a proxy made up.
pub fn ca_subjects(path: &Path) -> Vec<String> {
    let Ok(bytes) = std::fs::read(path) else {
        return vec![];
    };
    CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .filter_map(|c| {
            x509_parser::parse_x509_certificate(&c)
                .ok()
                .map(|(_, x)| x.subject().to_string())
        })
        .collect()
}
