//! The provisioning API against its own document: schemathesis (PyPI,
//! installed by `ops/test-services.sh`) generates requests from
//! `/api/openapi.json` and runs every one of its checks on the answers: no
//! server error, only documented statuses, content types and schemas, every
//! schema-valid request accepted and every invalid one refused, 405 for
//! undeclared methods, requests with wrong credentials refused (with 429 once
//! the login throttle steps in: the one exception). The demo's super-admin
//! token authenticates. ops/api/hooks.py says what the
//! document's custom formats (SIRET) mean.

use std::path::Path;
use std::process::Command;

use guichet_tests::served::DemoServer;
use serde_json::Value;

/// The properties named like identifiers (`id`, `…_id`) that may be null,
/// in a document's schemas: a client following the document, or
/// schemathesis's links, would put `null` in a path.
fn nullable_identifiers(doc: &Value, at: &str, found: &mut Vec<String>) {
    match doc {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                for (name, schema) in props {
                    let null = schema["type"]
                        .as_array()
                        .is_some_and(|t| t.contains(&Value::from("null")));
                    if (name == "id" || name.ends_with("_id")) && null {
                        found.push(format!("{at}/{name}"));
                    }
                }
            }
            for (k, v) in map {
                nullable_identifiers(v, &format!("{at}/{k}"), found);
            }
        }
        Value::Array(items) => {
            for v in items {
                nullable_identifiers(v, at, found);
            }
        }
        _ => {}
    }
}

#[test]
fn the_documents_never_give_a_null_identifier() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for doc in ["provisioning/openapi.json", "backoffice/openapi.json"] {
        let path = root.join(doc);
        let Ok(text) = std::fs::read_to_string(&path) else {
            panic!("{doc} is missing");
        };
        let parsed: Value = serde_json::from_str(&text).expect(doc);
        let mut found = Vec::new();
        nullable_identifiers(&parsed["components"], "#/components", &mut found);
        assert!(found.is_empty(), "{doc}: {found:?}");
    }
}

#[test]
fn the_api_keeps_to_its_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let st = root.join("ops/.venv/bin/st");
    assert!(
        st.exists(),
        "schemathesis is missing: run ops/test-services.sh"
    );
    let server = DemoServer::start();
    let out = server.run(&["admin", "token", "--login", "demo-admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let out = Command::new(&st)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", root.join("ops/api"))
        .env("NO_COLOR", "1")
        .args([
            "run",
            &format!("http://127.0.0.1:{}/api/openapi.json", server.prov_port),
            "--checks",
            "all",
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "25",
            "--seed",
            "20261129",
            "--workers",
            "2",
        ])
        .output()
        .expect("schemathesis runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The one exception: wrong credentials, tried again and again, meet the
    // login throttle (429) instead of a 401.
    let failures: Vec<&str> = report.lines().filter(|l| l.starts_with("- ST")).collect();
    let throttled = report.matches("got `429 Too Many Requests`").count();
    let only_throttle = failures
        .iter()
        .all(|l| l.starts_with("- ST401 Unexpected response to invalid authentication"))
        && throttled == failures.len();
    assert!(
        out.status.success() || only_throttle,
        "schemathesis found failures:\n{report}\n--- server log ---\n{}",
        server.log()
    );
    assert!(report.contains("Test cases:"), "{report}");
}

/// The back office's API against its own document, with the token of the
/// demo's agent Léa Bernard (write on the demo's categories), on the demo
/// collectivité's host: the same checks, on requests and foyers.
#[test]
fn the_backoffice_api_keeps_to_its_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let st = root.join("ops/.venv/bin/st");
    assert!(
        st.exists(),
        "schemathesis is missing: run ops/test-services.sh"
    );
    let server = DemoServer::start();
    let out = server.run(&["admin", "token", "--login", "lea.bernard@demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let port = server.port;
    let out = Command::new(&st)
        .env("NO_COLOR", "1")
        .args([
            "run",
            &format!("http://127.0.0.1:{port}/api/openapi.json"),
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--checks",
            "all",
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--header",
            &format!("Host: demo.localhost:{port}"),
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "25",
            "--seed",
            "20261129",
            "--workers",
            "2",
        ])
        .output()
        .expect("schemathesis runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The one exception: an end date before the start date, each a valid
    // date, which the document cannot express (a 400 that says so).
    let failures: Vec<&str> = report.lines().filter(|l| l.starts_with("- ST")).collect();
    let dates = report
        .matches("la date de fin précède la date de début")
        .count();
    let only_dates = failures
        .iter()
        .all(|l| l.starts_with("- ST202 Schema-valid request rejected"))
        && dates >= failures.len();
    assert!(
        out.status.success() || only_dates,
        "schemathesis found failures:\n{report}\n--- server log ---\n{}",
        server.log()
    );
    assert!(report.contains("Test cases:"), "{report}");
}
