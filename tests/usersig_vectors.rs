//! Every sig made by the vendor's official libraries (and rebuilt from the Go library) verifies,
//! and sigs we make decode to the same document and HMAC.

use std::path::PathBuf;

use imconform::auth::usersig::{self, SecretKey, SigClaims, VerifyError};
use serde_json::Value;

fn shared_dir() -> PathBuf {
    std::env::var_os("IMCONFORM_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

fn load(name: &str) -> Value {
    let path = shared_dir().join("vectors").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "failed to read vectors at {}: {e} (set IMCONFORM_SHARED_DIR)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("vector file is JSON")
}

fn claims_of(input: &Value) -> SigClaims {
    use base64::Engine;
    let mut c = SigClaims::new(
        input["sdkappid"].as_u64().unwrap(),
        input["identifier"].as_str().unwrap(),
        input["time"].as_u64().unwrap(),
        input["expire"].as_u64().unwrap(),
    );
    c.userbuf = input["userbuf_base64"]
        .as_str()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap());
    c
}

#[test]
fn vendor_vectors_verify_and_decode_to_the_documented_fields() {
    let file = load("usersig.json");
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5, "expected the five published vectors");
    let mut verified = 0;
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let input = &v["input"];
        let key = SecretKey::new(input["key"].as_str().unwrap());
        let claims = claims_of(input);
        assert_eq!(
            claims.string_to_sign(),
            v["string_to_sign"].as_str().unwrap(),
            "{name}"
        );
        let now = claims.time;

        let mut sigs: Vec<(String, &str)> = vec![
            ("python".into(), v["usersig_python"].as_str().unwrap()),
            ("node".into(), v["usersig_node"].as_str().unwrap()),
        ];
        for (lib, sig) in v["usersig_variants_reimplemented_from_other_libs_source"]
            .as_object()
            .unwrap()
        {
            sigs.push((lib.clone(), sig.as_str().unwrap()));
        }
        for (lib, sig) in sigs {
            let doc = usersig::verify(sig, &key, claims.sdkappid, &claims.identifier, now)
                .unwrap_or_else(|e| panic!("{name}/{lib}: {e}"));
            assert_eq!(doc.claims, claims, "{name}/{lib}");
            assert_eq!(
                doc.sig,
                v["expected_TLS.sig"].as_str().unwrap(),
                "{name}/{lib}"
            );
            assert_eq!(
                usersig::verify(
                    sig,
                    &key,
                    claims.sdkappid,
                    &claims.identifier,
                    claims.expires_at() + 1
                ),
                Err(VerifyError::Expired {
                    expired_at: claims.expires_at(),
                    now: claims.expires_at() + 1
                }),
                "{name}/{lib} one second after its window"
            );
            assert_eq!(
                usersig::verify(
                    sig,
                    &SecretKey::new("not-the-key"),
                    claims.sdkappid,
                    &claims.identifier,
                    now
                ),
                Err(VerifyError::BadHmac),
                "{name}/{lib} with a wrong key"
            );
            verified += 1;
        }

        let ours = usersig::sign(&key, &claims);
        let doc = usersig::decode(&ours).unwrap();
        assert_eq!(
            doc.claims, claims,
            "{name}: our sig decodes to the same fields"
        );
        assert_eq!(
            doc.sig,
            v["expected_TLS.sig"].as_str().unwrap(),
            "{name}: our HMAC"
        );
        let decoded = &v["decoded_document"];
        assert_eq!(decoded["TLS.sig"].as_str().unwrap(), doc.sig, "{name}");
        assert_eq!(
            decoded["TLS.identifier"].as_str().unwrap(),
            doc.claims.identifier,
            "{name}"
        );
    }
    assert!(verified >= 15, "only {verified} sigs verified");
}

#[test]
fn pinned_python_vectors_verify() {
    let file = load("usersig-python-pinned.json");
    for v in file["vectors"].as_array().unwrap() {
        let key = SecretKey::new(v["key"].as_str().unwrap());
        let claims = claims_of(v);
        let doc = usersig::verify(
            v["usersig"].as_str().unwrap(),
            &key,
            claims.sdkappid,
            &claims.identifier,
            claims.time,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", claims.identifier));
        assert_eq!(doc.claims, claims);
        assert_eq!(doc.sig, v["decoded"]["TLS.sig"].as_str().unwrap());
        assert_eq!(
            usersig::decode(&usersig::sign(&key, &claims)).unwrap().sig,
            doc.sig
        );
    }
}
