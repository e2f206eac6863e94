//! TLS for the shell (`--shell-tls-cert`, `--shell-tls-key`, `--shell-tls-client-ca`): rustls
//! with the ring provider, on smol through futures-rustls. Loading the PEM files, and the
//! handshake of one connection, which tells apart a client that does not speak TLS (it is told
//! so in plain text), one whose certificate was missing or refused (a failed attempt), and the
//! rest (logged only).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_rustls::TlsAcceptor;
use futures_rustls::pki_types::pem::PemObject as _;
use futures_rustls::pki_types::{CertificateDer, PrivateKeyDer};
use futures_rustls::rustls::server::WebPkiClientVerifier;
use futures_rustls::rustls::{self, RootCertStore, ServerConfig};
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
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certs("--shell-tls-cert", &f.cert)?;
    let key = PrivateKeyDer::from_pem_file(&f.key).map_err(|e| {
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
            builder.with_client_cert_verifier(verifier)
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
