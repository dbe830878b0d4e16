//! The OpenAPI documents of the JSON APIs, served with their patterns and
//! enumerations filled from the very constants the server checks with: what
//! a document says is what is enforced.

/// The document `raw`, its `x-guichet-pattern` and `x-guichet-enum`
/// replaced by the server's own values.
pub fn document(raw: &str) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(raw).expect("the OpenAPI documents are checked by the tests");
    fill(&mut doc);
    doc.to_string()
}

fn fill(value: &mut serde_json::Value) {
    use guichet_core::domain::patterns;
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::String(name)) = map.remove("x-guichet-pattern") {
                let found = patterns::all().into_iter().find(|(n, _)| *n == name);
                if let Some((_, p)) = found {
                    map.insert("pattern".into(), Value::String(p.source.clone()));
                }
            }
            if let Some(Value::String(name)) = map.remove("x-guichet-enum") {
                if name == "teleservice-codes" {
                    let codes = guichet_core::catalogue::TELESERVICES
                        .iter()
                        .map(|(code, _)| Value::String((*code).to_owned()))
                        .collect();
                    map.insert("enum".into(), Value::Array(codes));
                }
            }
            map.values_mut().for_each(fill);
        }
        Value::Array(items) => items.iter_mut().for_each(fill),
        _ => {}
    }
}
