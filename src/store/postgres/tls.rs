//! The connection URL and TLS, with libpq's meaning of `sslmode`:
//! `disable` (no TLS), `prefer` (the default: TLS when the server offers it,
//! certificate not checked), `require` (TLS, certificate not checked),
//! `verify-ca` (the chain must lead to a trusted root) and `verify-full`
//! (that, and the certificate must name the host). Trusted roots come from
//! `sslrootcert=FILE` (PEM) when given, else the Mozilla roots built in.

use super::{PgError, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The driver's configuration, the TLS connector, and the URL as it may be
/// shown (password replaced).
pub(super) fn parse(raw: &str) -> Result<(tokio_postgres::Config, MakeRustlsConnect, String)> {
    let mut url = url::Url::parse(raw.trim()).map_err(|e| {
        PgError::Url(format!(
            "not a valid postgres:// URL ({e}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=…"
        ))
    })?;
    let mut mode = Mode::Prefer;
    let mut root_file = None;
    let mut kept = Vec::new();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "sslmode" => {
                mode = match v.as_ref() {
                    "disable" => Mode::Disable,
                    "allow" | "prefer" => Mode::Prefer,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => {
                        return Err(PgError::Url(format!(
                            "sslmode={other} is not known; use disable, prefer, require, verify-ca or verify-full"
                        )))
                    }
                }
            }
            "sslrootcert" => root_file = Some(v.to_string()),
            _ => kept.push((k.to_string(), v.to_string())),
        }
    }
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept.iter());
    }
    let mut config: tokio_postgres::Config = url.as_str().parse().map_err(|e| {
        PgError::Url(format!(
            "{e}; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=…"
        ))
    })?;
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    if config.get_application_name().is_none() {
        config.application_name("renec-harvester");
    }
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("********"));
    }
    let tls = connector(mode, root_file.as_deref())?;
    Ok((config, tls, shown.to_string()))
}

fn connector(mode: Mode, root_file: Option<&str>) -> Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PgError::Url(format!("TLS: {e}")))?;
    let verify = matches!(mode, Mode::VerifyCa | Mode::VerifyFull)
        // libpq: with a root certificate file, `require` verifies the chain too.
        || (mode == Mode::Require && root_file.is_some());
    let config = if verify {
        let mut roots = RootCertStore::empty();
        match root_file {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
                    .map_err(|e| PgError::Url(format!("sslrootcert={path}: {e}")))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(PgError::Url(format!(
                        "sslrootcert={path} holds no usable certificate (expected PEM)"
                    )));
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| PgError::Url(format!("TLS: {e}")))?;
        if mode == Mode::VerifyFull {
            builder.with_webpki_verifier(webpki).with_no_client_auth()
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                .with_no_client_auth()
        }
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(
                rustls::crypto::ring::default_provider(),
            )))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// `prefer` and `require`: encrypted, the certificate is not checked (as libpq).
#[derive(Debug)]
struct Unchecked(CryptoProvider);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
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

/// `verify-ca`: the chain is checked, the host name is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_read_as_libpq_reads_it_and_the_password_is_never_shown() {
        let (c, _, shown) =
            parse("postgres://api_user:s3cret@db.example:6432/renec?sslmode=verify-full").unwrap();
        assert_eq!(c.get_ssl_mode(), SslMode::Require);
        assert_eq!(c.get_dbname(), Some("renec"));
        assert!(!shown.contains("s3cret"), "{shown}");
        let (c, _, _) = parse("postgresql://u@h/d?sslmode=disable").unwrap();
        assert_eq!(c.get_ssl_mode(), SslMode::Disable);
        let (c, _, _) = parse("postgres://u@h/d").unwrap();
        assert_eq!(c.get_ssl_mode(), SslMode::Prefer);
        let e = parse("postgres://u@h/d?sslmode=sometimes").err().unwrap();
        assert!(e.to_string().contains("verify-full"), "{e}");
        let e = parse("postgres://u@h/d?sslmode=verify-ca&sslrootcert=/nonexistent.pem")
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("sslrootcert=/nonexistent.pem"),
            "{e}"
        );
    }
}
