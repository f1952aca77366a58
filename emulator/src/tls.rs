//! TLS for `--https`: a self-signed certificate for `127.0.0.1` and `localhost`, generated at
//! start (ECDSA P-256 via rcgen + ring) and never written to disk; rustls with the ring
//! provider serves it (HTTP/1.1 over ALPN).

use std::sync::Arc;
use tokio_rustls::rustls;

/// The generated certificate, for clients that want to trust it.
#[derive(Debug, Clone)]
pub struct TlsInfo {
    pub cert_pem: String,
    /// Base64 SHA-256 of the SubjectPublicKeyInfo (Chromium's
    /// `--ignore-certificate-errors-spki-list`).
    pub spki_sha256: String,
}

pub fn generate() -> std::io::Result<(TlsInfo, tokio_rustls::TlsAcceptor)> {
    let other = |e: String| std::io::Error::other(e);
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(|e| other(format!("certificate generation: {e}")))?;
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(
        rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()),
    );
    let spki = rcgen::PublicKeyData::subject_public_key_info(&certified.signing_key);
    let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
    let info = TlsInfo {
        cert_pem: certified.cert.pem(),
        spki_sha256: crate::jwt::base64_std(digest.as_ref()),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| other(format!("tls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(|e| other(format!("tls: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((info, tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}
