//! The self-signed certificate that `www-ssl` and `api-ssl` present, generated once per simulator start.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// Errors while making the TLS identity.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("failed to generate the self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("failed to build the tls server configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// A TLS acceptor holding a fresh self-signed certificate for `identity` (and `localhost`), and that
/// certificate (DER).
pub(crate) fn self_signed_acceptor(identity: &str) -> Result<(TlsAcceptor, Vec<u8>), TlsError> {
    let mut names = vec!["localhost".to_string()];
    if !identity.is_empty() && identity != "localhost" {
        names.push(identity.to_string());
    }
    let certified = rcgen::generate_simple_self_signed(names)?;
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), cert.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_an_acceptor() {
        assert!(self_signed_acceptor("CHR").is_ok());
    }
}
