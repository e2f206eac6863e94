//! TLS for the shell (`--shell-tls-cert`, `--shell-tls-key`, `--shell-tls-client-ca`): rustls
//! with the ring provider, on smol through futures-rustls. Loading the PEM files, and the
//! handshake of one connection, which tells apart a client that does not speak TLS (it is told
//! so in plain text), one whose certificate was missing or refused (a failed attempt), and the
//! rest (logged only). The private key file is read as a secret (see `secret`). Client
//! certificates can be pinned, past the CA's signature, by subject common name or by SHA-256
//! fingerprint.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_rustls::TlsAcceptor;
use futures_rustls::pki_types::pem::PemObject as _;
use futures_rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use futures_rustls::rustls::client::danger::HandshakeSignatureValid;
use futures_rustls::rustls::server::WebPkiClientVerifier;
use futures_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use futures_rustls::rustls::{
    self, CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme,
};
use futures_rustls::server::TlsStream;
use smol::future::FutureExt as _;
use smol::net::TcpStream;

/// The PEM files, as given on the command line.
#[derive(Debug, Clone)]
pub struct Files {
    /// `--shell-tls-cert`: the server's certificate chain.
    pub cert: PathBuf,
    /// `--shell-tls-key`: its private key.
    pub key: PathBuf,
    /// `--shell-tls-client-ca`: clients must present a certificate signed by one of these.
    pub client_ca: Option<PathBuf>,
    /// `--shell-client-name`: and its subject's common name must be one of these (if any).
    pub client_names: Vec<String>,
    /// `--shell-client-fingerprint`: or its SHA-256 fingerprint one of these (hex, any case,
    /// colons allowed).
    pub client_fingerprints: Vec<String>,
}

/// A loaded TLS configuration.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    /// Whether clients must present a certificate.
    pub client_certs: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tls(client_certs: {})", self.client_certs)
    }
}

/// How a handshake failed.
pub enum Failed {
    /// The client's first byte is not a TLS handshake record: it speaks something else.
    NotTls,
    /// The client presented no certificate, or one the client CA did not sign.
    ClientCert(String),
    /// Anything else (the client refused our certificate, went away, took too long).
    Other(String),
}

fn certs(flag: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bad = |e: &dyn std::fmt::Display| format!("{flag} {}: {e}", path.display());
    let v = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&e))?;
    if v.is_empty() {
        return Err(bad(
            &"no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(v)
}

/// Loads the files and builds the server configuration.
///
/// # Errors
/// A file that cannot be read or holds no certificate or key, or a key that does not go with the
/// certificate; the message names the flag and the file.
pub fn load(f: &Files) -> Result<Tls, String> {
    let mut fingerprints = Vec::new();
    for fp in &f.client_fingerprints {
        let hex: String = fp
            .chars()
            .filter(|&c| c != ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "--shell-client-fingerprint {fp}: not a SHA-256 fingerprint (64 hex digits, colons \
                 allowed); print one with: openssl x509 -in client.pem -noout -fingerprint -sha256"
            ));
        }
        fingerprints.push(hex);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certs("--shell-tls-cert", &f.cert)?;
    let key_pem = super::secret::read("--shell-tls-key", &f.key).map_err(|(_, m)| m)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        format!(
            "--shell-tls-key {}: {e} (expected a PEM private key: PKCS#8, PKCS#1 or SEC1)",
            f.key.display()
        )
    })?;
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match &f.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs("--shell-tls-client-ca", ca)? {
                roots
                    .add(c)
                    .map_err(|e| format!("--shell-tls-client-ca {}: {e}", ca.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("--shell-tls-client-ca {}: {e}", ca.display()))?;
            if f.client_names.is_empty() && fingerprints.is_empty() {
                builder.with_client_cert_verifier(verifier)
            } else {
                builder.with_client_cert_verifier(Arc::new(Pinned {
                    ca: verifier,
                    names: f.client_names.clone(),
                    fingerprints,
                }))
            }
        }
    };
    let config = builder.with_single_cert(chain, key).map_err(|e| {
        format!(
            "--shell-tls-cert {} with --shell-tls-key {}: {e}",
            f.cert.display(),
            f.key.display()
        )
    })?;
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        client_certs: f.client_ca.is_some(),
    })
}

/// A TLS record's first byte when it carries a handshake message (a ClientHello, first).
const HANDSHAKE_RECORD: u8 = 0x16;

impl Tls {
    /// The server's side of the handshake on `tcp`, within `wait`.
    pub async fn accept(&self, tcp: &TcpStream, wait: Duration) -> Result<TlsStream<TcpStream>, Failed> {
        let handshake = async {
            let mut first = [0u8; 1];
            match tcp.peek(&mut first).await {
                Ok(1) if first[0] != HANDSHAKE_RECORD => return Err(Failed::NotTls),
                Ok(1) => {}
                Ok(_) => return Err(Failed::Other("closed before the handshake".into())),
                Err(e) => return Err(Failed::Other(e.to_string())),
            }
            self.acceptor.accept(tcp.clone()).await.map_err(|e| classify(&e))
        };
        handshake
            .or(async {
                smol::Timer::after(wait).await;
                Err(Failed::Other(format!(
                    "no TLS handshake within {} s",
                    wait.as_secs()
                )))
            })
            .await
    }
}

/// The client CA's verifier, and then the pins: a certificate the CA signed is refused in the
/// handshake (the client gets an alert) unless its subject CN or its SHA-256 fingerprint is
/// pinned.
#[derive(Debug)]
struct Pinned {
    ca: Arc<dyn ClientCertVerifier>,
    names: Vec<String>,
    fingerprints: Vec<String>,
}

impl ClientCertVerifier for Pinned {
    fn offer_client_auth(&self) -> bool {
        self.ca.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.ca.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.ca.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let ok = self.ca.verify_client_cert(end_entity, intermediates, now)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
        let fp: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let cn = common_name(end_entity.as_ref());
        if self.fingerprints.contains(&fp) || cn.as_ref().is_some_and(|n| self.names.contains(n)) {
            return Ok(ok);
        }
        let why = format!(
            "CN={} (SHA-256 {fp}) is signed by the CA but not pinned by --shell-client-name or \
             --shell-client-fingerprint",
            cn.as_deref().unwrap_or("(none)")
        );
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(std::io::Error::other(why))),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.ca.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.ca.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.ca.supported_verify_schemes()
    }
}

/// One DER element at the start of `b`: its tag, its contents, and what follows it.
fn der(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &x| (a << 8) | usize::from(x));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The subject's common name (the last CN in it) of a DER certificate, if it has one in a
/// string type.
fn common_name(cert: &[u8]) -> Option<String> {
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    let (_, cert, _) = der(cert)?;
    let (_, tbs, _) = der(cert)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = der(rest)?.2; // version
    }
    for _ in 0..4 {
        rest = der(rest)?.2; // serial, signature, issuer, validity
    }
    let (_, mut rdns, _) = der(rest)?;
    let mut found = None;
    while let Some((_, set, next)) = der(rdns) {
        let mut atvs = set;
        while let Some((_, atv, more)) = der(atvs) {
            if let Some((0x06, oid, value)) = der(atv)
                && oid == CN
                && let Some((_, v, _)) = der(value)
            {
                found = std::str::from_utf8(v).ok().map(str::to_string);
            }
            atvs = more;
        }
        rdns = next;
    }
    found
}

/// Sorts a handshake error: the client's certificate (missing or refused) or anything else.
fn classify(e: &std::io::Error) -> Failed {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::NoCertificatesPresented) => {
            Failed::ClientCert("no client certificate presented".into())
        }
        Some(r @ rustls::Error::InvalidCertificate(_)) => {
            Failed::ClientCert(format!("client certificate refused: {r}"))
        }
        Some(r) => Failed::Other(r.to_string()),
        None => Failed::Other(e.to_string()),
    }
}
