//! A certificate for `localhost` made for a test, in PEM files (removed on drop): the
//! server's [`Tls`], a client configuration that trusts it (offering HTTP/2 and HTTP/1.1 by
//! ALPN), and the certificate's file for clients that take one (`sse get --cacert`).
#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;
use std::sync::Arc;

use ssekit_hyper::server::Tls;

/// A test certificate and what trusts it.
pub struct TestCertificate {
    /// For the server.
    pub tls: Tls,
    /// For a rustls client.
    pub client: rustls::ClientConfig,
    /// The certificate, PEM.
    pub cert_file: PathBuf,
    dir: PathBuf,
}

impl Drop for TestCertificate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A certificate for `localhost`.
pub fn localhost() -> TestCertificate {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let dir = std::env::temp_dir().join(format!(
        "sse-tls-{}-{:?}-{}",
        std::process::id(),
        std::thread::current().id(),
        made.cert.der().len()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let (cert_file, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, made.cert.pem()).expect("cert file");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("key file");
    let tls = Tls::from_pem_files(&cert_file, &key).expect("the PEM files");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(made.cert.der().clone())
        .expect("trust the test certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TestCertificate {
        tls,
        client,
        cert_file,
        dir,
    }
}
