//! The house's rules (docs/adr/0008-bounded-contexts.md), read from the
//! sources: the core's bounded contexts depend on one another only as the
//! table below allows (no circle, none on a plane), what they stand on
//! depends on no context, nothing is named after a plane, the planes do not
//! call one another, and each adapter's crate is used in its adapter only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each context, with the contexts it may call (lower in the table).
const CONTEXTS: &[(&str, &[&str])] = &[
    ("facilities", &[]),
    ("foyers", &[]),
    ("justificatifs", &[]),
    ("agents", &["facilities"]),
    ("catalogue", &["agents"]),
    ("collectivite", &["agents", "catalogue", "foyers"]),
    ("payments", &["collectivite", "foyers"]),
    (
        "requests",
        &[
            "agents",
            "catalogue",
            "collectivite",
            "facilities",
            "foyers",
            "justificatifs",
            "payments",
        ],
    ),
    (
        "casework",
        &[
            "agents",
            "catalogue",
            "collectivite",
            "facilities",
            "foyers",
            "justificatifs",
            "requests",
        ],
    ),
    (
        "courriers",
        &[
            "agents",
            "casework",
            "catalogue",
            "collectivite",
            "foyers",
            "requests",
        ],
    ),
    ("statistics", &["agents", "casework"]),
];

/// What the contexts stand on: each may be used by any context, and uses none.
const FOUNDATIONS: &[&str] = &[
    "audit",
    "auth",
    "directory",
    "domain",
    "error",
    "Error",
    "files",
    "history",
    "identity",
    "jobs",
    "mail",
    "net",
    "pdf",
    "sessions",
    "sms",
    "store",
    "tenancy",
];

/// The one module that names every context: what each registers with the
/// shared machinery (the mail worker's attachments).
const COMPOSITION: &str = "registry";

/// Names that belong to the planes, never to a module of the core.
const PLANE_NAMES: &[&str] = &[
    "processing",
    "provisioning",
    "portal",
    "tenant_portal",
    "backoffice",
    "back_office",
    "front_office",
];

/// The store's files that name a collectivité's id by hand: the scope itself,
/// the transactions, and the platform's tables (the registry, sessions, API
/// tokens) where the collectivité is data.
const PLATFORM_TABLES_CODE: &[&str] = &[
    "platform/store/src/scoped.rs",
    "platform/store/src/tx.rs",
    "platform/store/src/tenancy.rs",
    "platform/store/src/repo/sessions.rs",
    "platform/store/src/repo/api_tokens.rs",
];

/// Each protocol's crate, with the only files that may use it: its adapter's.
const ADAPTERS: &[(&str, &[&str])] = &[
    (
        "ldap3",
        &[
            "platform/adapters/src/ldap/mod.rs",
            "platform/adapters/src/ldap/steps.rs",
            "platform/adapters/src/ldap/layout.rs",
        ],
    ),
    ("lettre", &["platform/adapters/src/smtp.rs"]),
    ("openidconnect", &["platform/adapters/src/oidc.rs"]),
    // The one HTTP client: OpenID Connect's async calls, and the blocking
    // ones of PayFiP and the SMS gateway through `http`.
    (
        "reqwest",
        &[
            "platform/adapters/src/oidc.rs",
            "platform/adapters/src/http.rs",
        ],
    ),
    ("object_store", &["platform/adapters/src/objects.rs"]),
    ("printpdf", &["platform/adapters/src/pdf.rs"]),
    ("allsorts", &["platform/adapters/src/pdf.rs"]),
    (
        "quick_xml",
        &[
            "platform/adapters/src/payfip.rs",
            "platform/server/src/testbank.rs",
        ],
    ),
];

/// Each adapter, with the one file of the core that names it: the port of
/// the context it serves (the others reach it through that context).
const PORTS: &[(&str, &str)] = &[
    ("ldap", "platform/core/src/directory/mod.rs"),
    ("objects", "platform/core/src/files.rs"),
    ("smtp", "platform/core/src/mail/mod.rs"),
    ("oidc", "platform/core/src/lib.rs"),
    ("pdf", "platform/core/src/lib.rs"),
    ("sms", "platform/core/src/sms.rs"),
    ("payfip", "platform/core/src/payments/payfip.rs"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the workspace's directory")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every crate's sources under the planes and the platform.
const SOURCES: &[&str] = &[
    "platform/domain/src",
    "platform/adapters/src",
    "platform/store/src",
    "platform/core/src",
    "platform/cases/src",
    "platform/web/src",
    "platform/server/src",
    "provisioning/src",
    "tenant-portal/src",
    "backoffice/src",
];

/// The Rust files of those crates, each with its path from the workspace.
fn sources() -> Vec<(String, PathBuf)> {
    let root = root();
    let mut files = Vec::new();
    for dir in SOURCES {
        rust_files(&root.join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, f)
        })
        .collect()
}

/// The code of a file without its comments (a doc comment may name any
/// module) and without its unit tests (they may set up whatever they test).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file");
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The core's top-level modules a piece of code names (`crate::x`).
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `guichet_core::…` is another crate's view of the core
        }
        let name: String = code[at + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found
}

/// The crates that hold the contexts: the core, and the cases above it (which
/// names the core's modules as its own, `crate::agents`).
const CONTEXT_CRATES: &[&str] = &["platform/core/src", "platform/cases/src"];

/// The contexts' files by top-level module, across their crates.
fn core_modules() -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for dir in CONTEXT_CRATES {
        let src = root().join(dir);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for f in files {
            let rel = f.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let top = top.trim_end_matches(".rs").to_owned();
            modules.entry(top).or_default().push(f);
        }
    }
    modules.remove("lib");
    modules
}

#[test]
fn contexts_depend_only_as_the_table_allows() {
    let allowed: BTreeMap<&str, &[&str]> = CONTEXTS.iter().copied().collect();
    let mut broken = Vec::new();
    let modules = core_modules();
    for (module, files) in &modules {
        let may: BTreeSet<&str> = if module == COMPOSITION {
            allowed
                .keys()
                .copied()
                .chain(FOUNDATIONS.iter().copied())
                .collect()
        } else if let Some(contexts) = allowed.get(module.as_str()) {
            contexts.iter().chain(FOUNDATIONS).copied().collect()
        } else if FOUNDATIONS.contains(&module.as_str()) {
            FOUNDATIONS.iter().copied().collect()
        } else {
            broken.push(format!(
                "{module} : ni contexte ni fondation (à ranger dans la table)"
            ));
            continue;
        };
        for f in files {
            for used in named_modules(&code(f)) {
                if used != *module && !may.contains(used.as_str()) {
                    broken.push(format!(
                        "{} appelle {used}",
                        f.strip_prefix(root()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "dépendances interdites :\n{}",
        broken.join("\n")
    );
    // Every context of the table exists, and the table has no circle: each
    // context calls only contexts listed above it.
    for (i, (context, calls)) in CONTEXTS.iter().enumerate() {
        assert!(modules.contains_key(*context), "{context} n’existe pas");
        let above: Vec<&str> = CONTEXTS[..i].iter().map(|(c, _)| *c).collect();
        for c in *calls {
            assert!(above.contains(c), "{context} appelle {c}, listé après lui");
        }
    }
}

#[test]
fn nothing_in_the_core_is_named_after_a_plane() {
    for (f, src) in CONTEXT_CRATES.iter().flat_map(|dir| {
        let src = root().join(dir);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.into_iter().map(move |f| (f, src.clone()))
    }) {
        for part in f.strip_prefix(&src).unwrap().components() {
            let name = part.as_os_str().to_string_lossy();
            let name = name.trim_end_matches(".rs");
            assert!(
                !PLANE_NAMES.contains(&name),
                "{} porte le nom d’un plan",
                f.display()
            );
        }
        let code = code(&f);
        for plane in PLANE_NAMES {
            assert!(
                !code.contains(&format!("mod {plane}")),
                "{} déclare un module {plane}",
                f.display()
            );
        }
    }
}

/// The `guichet-…` crates a crate's manifest depends on.
fn guichet_dependencies(manifest: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(manifest)).expect("a manifest");
    let mut in_dependencies = false;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && line.starts_with("guichet-") {
            found.insert(line.split(['.', ' ', '=']).next().unwrap().to_owned());
        }
    }
    found
}

#[test]
fn the_planes_stand_on_the_core_and_not_on_one_another() {
    let planes = [
        ("provisioning/Cargo.toml", "guichet-provisioning"),
        ("tenant-portal/Cargo.toml", "guichet-tenant-portal"),
        ("backoffice/Cargo.toml", "guichet-backoffice"),
    ];
    let under_the_planes = [
        "platform/domain/Cargo.toml",
        "platform/adapters/Cargo.toml",
        "platform/store/Cargo.toml",
        "platform/core/Cargo.toml",
        "platform/cases/Cargo.toml",
        "platform/web/Cargo.toml",
    ];
    for manifest in under_the_planes {
        let deps = guichet_dependencies(manifest);
        for (_, plane) in planes {
            assert!(!deps.contains(plane), "{manifest} dépend de {plane}");
        }
        assert!(
            !deps.contains("guichet-server"),
            "{manifest} dépend du serveur"
        );
    }
    for manifest in ["platform/core/Cargo.toml", "platform/cases/Cargo.toml"] {
        assert!(!guichet_dependencies(manifest).contains("guichet-web"));
    }
    // The core never calls up into the cases that stand on it.
    assert!(!guichet_dependencies("platform/core/Cargo.toml").contains("guichet-cases"));
    for (manifest, me) in planes {
        let deps = guichet_dependencies(manifest);
        for (_, other) in planes {
            assert!(
                other == me || !deps.contains(other),
                "{me} dépend de {other}"
            );
        }
        assert!(deps.contains("guichet-core"), "{me} ne dépend pas du cœur");
    }
}

/// One HTTP client serves the platform (reqwest); the test crate's own
/// client is the tests' business.
#[test]
fn the_platform_has_one_http_client() {
    for manifest in [
        "platform/domain/Cargo.toml",
        "platform/store/Cargo.toml",
        "platform/adapters/Cargo.toml",
        "platform/core/Cargo.toml",
        "platform/cases/Cargo.toml",
        "platform/web/Cargo.toml",
        "platform/server/Cargo.toml",
        "tenant-portal/Cargo.toml",
        "backoffice/Cargo.toml",
        "provisioning/Cargo.toml",
    ] {
        let text = std::fs::read_to_string(root().join(manifest)).expect("a manifest");
        for other in ["ureq", "hyper ", "isahc", "attohttpc", "surf"] {
            assert!(
                !text.lines().any(|l| l.trim_start().starts_with(other)),
                "{manifest} : {other}"
            );
        }
    }
}

#[test]
fn each_adapter_crate_is_used_in_its_adapter_only() {
    let mut broken = Vec::new();
    for (rel, f) in sources() {
        let code = code(&f);
        for (krate, homes) in ADAPTERS {
            let used = code.match_indices(&format!("{krate}::")).any(|(at, _)| {
                !code[..at]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if used && !homes.contains(&rel.as_str()) {
                broken.push(format!("{rel} utilise {krate}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "adaptateurs hors de chez eux :\n{}",
        broken.join("\n")
    );
}

#[test]
fn each_adapter_is_reached_through_its_context() {
    let mut broken = Vec::new();
    for (rel, f) in sources() {
        let code = code(&f);
        for (at, _) in code.match_indices("guichet_adapters::") {
            let adapter: String = code[at + "guichet_adapters::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let port = PORTS.iter().find(|(a, _)| *a == adapter).map(|(_, p)| *p);
            if port != Some(rel.as_str()) {
                broken.push(format!("{rel} nomme l’adaptateur {adapter}"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    // The adapters know the domain's words and nothing else of Guichet.
    let deps = guichet_dependencies("platform/adapters/Cargo.toml");
    assert_eq!(deps, ["guichet-domain".to_owned()].into_iter().collect());
}

#[test]
fn the_rules_catch_what_they_forbid() {
    // The reading the rules stand on: a use of another context is seen, a
    // comment or another crate's path is not.
    let sample = "use crate::requests::Filed;\n\
                let x = guichet_cases::casework::board;\n\
                crate::payments::fees::paid(tx)?;";
    let found = named_modules(sample);
    assert_eq!(
        found,
        ["payments", "requests"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let commented = std::env::temp_dir().join("guichet-architecture-commented.rs");
    std::fs::write(&commented, "//! see crate::casework\nuse crate::store;\n").unwrap();
    assert_eq!(
        named_modules(&code(&commented)),
        ["store"].map(String::from).into_iter().collect()
    );
}

#[test]
fn one_way_for_what_every_page_shares() {
    let mut broken = Vec::new();
    for (rel, f) in sources() {
        let code = code(&f);
        // RGAA 11.10's « Erreur : » is written by the kit's title, once.
        if code.contains("Erreur :") && rel != "platform/web/src/render.rs" {
            broken.push(format!("{rel} écrit « Erreur : »"));
        }
        // A collectivité's rows are reached through the store's scope
        // (`tx.rows`, `tx.tenant_of`), never filtered by hand; the platform's
        // own tables (registry, sessions, API tokens) name one as data.
        if code.contains("tenant_id.eq(") && !PLATFORM_TABLES_CODE.contains(&rel.as_str()) {
            broken.push(format!("{rel} filtre la collectivité à la main"));
        }
        // One way to send the browser on after a form: the kit's `see_other`.
        if (code.contains("fn see_other") || code.contains("HttpResponse::SeeOther()"))
            && !rel.starts_with("platform/web/src/")
        {
            broken.push(format!("{rel} redirige à sa façon : render::see_other"));
        }
        // What a form achieved is said by the layout's notice, set with
        // `see_other_with`, not by a flag in the next page's address.
        if code.contains("?fait=") {
            broken.push(format!(
                "{rel} dit « c’est fait » dans l’adresse : see_other_with"
            ));
        }
        // E-mails are templates beside their context (`mails/*.hbs`).
        if code.contains("Bonjour") {
            broken.push(format!("{rel} écrit un courriel : un modèle mails/*.hbs"));
        }
        // Signed out is its own error, sent to sign-in, never a refusal.
        if code.contains("Refused(String::new())") {
            broken.push(format!("{rel} dit « déconnecté » par un refus vide"));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter_map(|(rel, f)| {
            let text = std::fs::read_to_string(f).unwrap();
            // A file's own unit tests do not count: they read beside what they test.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let lines = code.lines().count();
            (lines > 800).then(|| format!("{rel} : {lines} lignes"))
        })
        .collect();
    assert!(long.is_empty(), "à découper :\n{}", long.join("\n"));
}

#[test]
fn no_crate_holds_over_a_quarter_of_the_code() {
    // Lines of code without the files' own unit tests, crate by crate.
    let mut lines: BTreeMap<&str, usize> = BTreeMap::new();
    for (rel, f) in sources() {
        let krate = SOURCES
            .iter()
            .find(|dir| rel.starts_with(&format!("{dir}/")))
            .expect("a crate's file");
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        *lines.entry(krate).or_default() += code.lines().count();
    }
    let total: usize = lines.values().sum();
    let heavy: Vec<String> = lines
        .iter()
        .filter(|(_, n)| **n * 4 > total)
        .map(|(krate, n)| format!("{krate} : {n} lignes sur {total}"))
        .collect();
    assert!(heavy.is_empty(), "à découper :\n{}", heavy.join("\n"));
}

#[test]
fn every_integration_test_runs_once_per_backend_as_its_own_test() {
    // A loop over the backends hides the second behind the first's failure:
    // `per_backend!` makes one test of each.
    let dir = root().join("tests/tests/it");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    for f in files {
        let code = code(&f);
        assert!(
            !code.contains("in BACKENDS") && !code.contains("in guichet_tests::BACKENDS"),
            "{} parcourt les bases dans une boucle : per_backend!",
            f.display()
        );
    }
}

#[test]
fn test_modules_share_fixtures_from_the_harness_only() {
    // What several tests need lives in `guichet_tests::fixtures`, not in a
    // test module the others reach into.
    let dir = root().join("tests/tests/it");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut broken = Vec::new();
    for f in files {
        if f.ends_with("architecture.rs") {
            continue; // its samples name modules on purpose
        }
        let used = named_modules(&code(&f));
        if !used.is_empty() {
            broken.push(format!("{} : {used:?}", f.display()));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// One word per concept (docs/glossary.md): outside the store, whose rows
/// keep the tables' words, no module or type names a concept with another
/// word than the glossary's (a foyer is not a `household` module, a
/// justificatif not a `Document`, a courrier type not a `letter` module).
#[test]
fn modules_and_types_speak_the_glossary() {
    let mut broken = Vec::new();
    for (rel, f) in sources() {
        if rel.starts_with("platform/store/") || rel.starts_with("platform/adapters/") {
            continue;
        }
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        for other in [
            "household",
            "households",
            "letter",
            "letters",
            "tenant_settings",
            "local_authority",
        ] {
            if name == other {
                broken.push(format!("{rel} : module « {other} »"));
            }
        }
        if rel.contains("/justificatifs")
            || rel.ends_with("justificatifs.rs")
            || rel.contains("foyer")
        {
            let code = code(&f);
            for other in [
                "struct Document ",
                "struct Document{",
                "struct Household ",
                "struct Household{",
            ] {
                if code.contains(other) {
                    broken.push(format!(
                        "{rel} : « {} »",
                        other.trim_end_matches(['{', ' '])
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "mots hors du glossaire :\n{}",
        broken.join("\n")
    );
}
