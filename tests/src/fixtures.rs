//! The fixtures the integration tests share: two collectivités with the
//! canteen registration open, households that open, confirm and sign in to
//! their account, children, canteen registrations filed, agents with a right
//! on the category « Enfance » signed in to the back office, and the readers
//! of what the platform answers (mailed links, PDF text, form values).

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test;
use chrono::{Duration, Utc};
use guichet_core::agents::groups;
use guichet_core::agents::{self, AgentInput};
use guichet_core::catalogue::{categories, offer};
use guichet_core::mail::outbox;
use guichet_core::store::repo::requests as request_rows;
use guichet_core::tenancy::{self, Tenant};
use guichet_domain::requests::SeasonDates;
use guichet_server::app::provisioning_app;

use crate::api::{call, new_authority, Auth, Dir, Platform};
use crate::client::{csrf_of, Browser};
use crate::Backend;

pub const PASSWORD: &str = "le chat dort sur le toit";

/// A small PDF (its magic bytes are what the upload checks).
pub const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Two collectivités, each with the canteen registration online and a
/// season open today, and the bulky-waste collection online.
pub async fn setup(backend: Backend) -> (Platform, Tenant, Tenant) {
    setup_with(backend, Dir::Builtin).await
}

/// [`setup`], the agents in `dir` (a real slapd for `Dir::Ldap`).
pub async fn setup_with(backend: Backend, dir: Dir) -> (Platform, Tenant, Tenant) {
    let p = Platform::new(backend, dir);
    let prov = test::init_service(provisioning_app(&p.shared)).await;
    for (slug, name) in [("arles", "Ville d’Arles"), ("nimes", "Ville de Nîmes")] {
        let (status, _) = call(
            &prov,
            Method::POST,
            "/api/v1/local-authorities",
            &Auth::root(),
            Some(&new_authority(slug, name)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let find = |slug: &'static str| {
        p.store
            .platform_read(|c| tenancy::find_by_slug(c, slug))
            .unwrap()
            .unwrap()
    };
    let (arles, nimes) = (find("arles"), find("nimes"));
    let today = guichet_domain::time::today();
    for t in [&arles, &nimes] {
        p.store
            .write(t.id, |tx| {
                for code in [
                    "school-canteen-registration",
                    "bulky-waste-collection",
                    "birth-details",
                ] {
                    offer::set_online(tx, code, true)?;
                }
                offer::add_season(
                    tx,
                    "school-canteen-registration",
                    "Année scolaire",
                    SeasonDates {
                        registration_start: today - chrono::Duration::days(3),
                        registration_end: today + chrono::Duration::days(30),
                        validation_start: today - chrono::Duration::days(3),
                        effect_start: today + chrono::Duration::days(31),
                        effect_end: today + chrono::Duration::days(300),
                    },
                )?;
                Ok::<_, guichet_core::Error>(())
            })
            .unwrap();
    }
    (p, arles, nimes)
}

/// The last link of that kind mailed to `to` in collectivité `t`.
pub fn mailed_link(p: &Platform, t: &Tenant, to: &str, marker: &str) -> String {
    let mails = p.store.read(t.id, |tx| outbox::unsent(tx, 500)).unwrap();
    mails
        .iter()
        .rev()
        .filter(|m| m.recipient == to)
        .find_map(|m| {
            m.body_text
                .split(marker)
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .map(|secret| format!("{marker}{secret}"))
        })
        .unwrap_or_else(|| panic!("no {marker} link mailed to {to}"))
}

/// The fields of the account form, for `email`.
pub fn account_fields(email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", "Madam".into()),
        ("last_name", "Martin".into()),
        ("first_name", "Camille".into()),
        ("birth_date", "1985-04-02".into()),
        ("email", email.into()),
        ("mobile_phone", "06 12 34 56 78".into()),
        ("home_phone", "".into()),
        ("office_phone", "".into()),
        ("address.street_number", "12".into()),
        ("address.street_name", "rue de la République".into()),
        ("address.postal_code", "13200".into()),
        ("address.city", "Arles".into()),
        ("password", PASSWORD.into()),
        ("password_confirm", PASSWORD.into()),
    ]
}

/// A form's fields as the browser sends them.
pub fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

/// Opens, confirms and signs in an account; returns the person's id.
pub async fn household<S, B>(
    app: &S,
    p: &Platform,
    t: &Tenant,
    browser: &mut Browser,
    email: &str,
) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let fields = account_fields(email);
    let r = browser
        .submit(app, "/creer-un-compte", "/creer-un-compte", &pairs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.html);
    assert!(r.html.contains("Vérifiez votre messagerie"));
    let link = mailed_link(p, t, email, "/compte/confirmer/");
    let r = browser.submit(app, &link, &link, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.html);
    assert!(r.html.contains("Adresse confirmée"), "{}", r.html);
    let r = browser.household_sign_in(app, email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let login = email.to_owned();
    p.store
        .read(t.id, move |tx| {
            guichet_core::foyers::account_by_login(tx, &login)
        })
        .unwrap()
        .unwrap()
        .individual
}

/// Adds a child with `parent` as its mother; returns the child's id.
pub async fn add_child<S, B>(app: &S, browser: &mut Browser, parent: i64, first: &str) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let responsible = format!("responsible.{parent}");
    let r = browser
        .submit(
            app,
            "/mon-foyer/ajouter/enfant",
            "/mon-foyer/ajouter/enfant",
            &[
                ("born", "oui"),
                ("last_name", "Martin"),
                ("first_name", first),
                ("birth_date", "2018-03-14"),
                ("sex", "Male"),
                ("birth_city", ""),
                (&responsible, "ClrMother"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let page = browser.get(app, "/mon-foyer").await;
    let at = page.html.find(first).expect("the child is listed");
    let before = &page.html[..at];
    let id = before.rsplit("/mon-foyer/membres/").next().unwrap();
    id.split('"').next().unwrap().parse().unwrap()
}

/// Starts the canteen registration for `child`; returns the request's id.
pub async fn start_canteen<S, B>(app: &S, browser: &mut Browser, child: i64) -> i64
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let page = "/demarches/school-canteen-registration";
    let r = browser
        .submit(
            app,
            page,
            &format!("{page}/commencer"),
            &[("subject", &child.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let location = r.location.unwrap();
    assert!(location.ends_with("/etapes/inscription"), "{location}");
    location.split('/').nth(2).unwrap().parse().unwrap()
}

/// The form's one-time key on a summary page.
pub fn key_of(html: &str) -> String {
    html.split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the summary's one-time key")
        .to_owned()
}

/// Fills the canteen registration's steps and sends it.
pub async fn send_canteen<S, B>(app: &S, b: &mut Browser, id: i64)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for (step, fields) in [
        ("inscription", CANTEEN),
        ("health", &[("rules_acceptance", "oui")][..]),
    ] {
        let path = format!("/mes-demandes/{id}/etapes/{step}");
        assert_eq!(
            b.submit(app, &path, &path, fields).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let summary = b.get(app, &format!("/mes-demandes/{id}/envoi")).await;
    let send = [
        ("means", "Email"),
        ("consent", "oui"),
        ("key", &key_of(&summary.html)),
    ];
    let r = b
        .post(
            app,
            &format!("/mes-demandes/{id}/envoi"),
            &csrf_of(&summary.html),
            &send,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
}

pub const CANTEEN: &[(&str, &str)] = &[
    ("urgency_phone", "06 98 76 54 32"),
    ("canteen_days", "monday"),
    ("canteen_days", "thursday"),
    ("food_diet", "no-pork"),
    ("food_allergy", "oui"),
    ("which_food_allergy", "Arachides et fruits à coque"),
];

/// The images a PDF draws, as poppler's `pdfimages -list` reads them:
/// (width, height) of each.
pub fn pdfimages(pdf: &[u8]) -> Vec<(u32, u32)> {
    let path = std::env::temp_dir().join(format!("guichet-test-{}.pdf", rand::random::<u64>()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages (poppler-utils, see ops/install-deps.sh)");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "pdfimages: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[3].parse().unwrap(), cols[4].parse().unwrap())
        })
        .collect()
}

/// The text of a PDF, as `pdftotext` reads it.
pub fn pdftotext(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("guichet-test-{}.pdf", rand::random::<u64>()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, see ops/install-deps.sh)");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every test agent's password.
pub const AGENT_PASSWORD: &str = "un mot de passe long";

/// Creates an agent of `t` with `right` on the category « Enfance » (made on
/// first use, with the canteen registration in it); returns their uid.
pub fn agent(p: &Platform, t: &Tenant, first: &str, last: &str, right: &str) -> String {
    // On a thread of its own: the LDAP client blocks, the test's runtime must not.
    std::thread::scope(|s| {
        s.spawn(|| {
            agents::create(
                &p.store,
                &p.shared.directory,
                t,
                "test",
                "http://localhost",
                AgentInput {
                    first_name: first.into(),
                    last_name: last.into(),
                    email: format!("{}@example.fr", last.to_lowercase()),
                    groups: vec![groups::AGENT.into()],
                    profile: Some("agent".into()),
                    password: Some(AGENT_PASSWORD.into()),
                    ..AgentInput::default()
                },
            )
            .unwrap()
        })
        .join()
        .unwrap()
    });
    let uid = guichet_core::agents::uid::base(first, last);
    let u = uid.clone();
    let right = right.to_owned();
    p.store
        .write(t.id, move |tx| {
            let c = match categories::list(tx)?
                .into_iter()
                .find(|c| c.name == "Enfance")
            {
                Some(c) => c,
                None => {
                    let c = categories::create(tx, "test", "Enfance", "")?;
                    categories::set_teleservice_category(
                        tx,
                        "test",
                        "school-canteen-registration",
                        Some(c.id),
                    )?;
                    c
                }
            };
            categories::set_right(tx, "test", c.id, &u, &right)
        })
        .unwrap();
    uid
}

/// Moves a request's submission `days` back in time.
pub fn age(p: &Platform, t: &Tenant, id: i64, days: i64) {
    p.store
        .write(t.id, move |tx| {
            let mut row = request_rows::get(tx, id)?.unwrap();
            row.submitted_at = Some(Utc::now().naive_utc() - Duration::days(days));
            request_rows::update(tx, &row)
        })
        .unwrap();
}

pub fn field_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect(name) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub fn state_of(p: &Platform, t: &Tenant, id: i64) -> String {
    p.store
        .read(t.id, move |tx| request_rows::get(tx, id))
        .unwrap()
        .unwrap()
        .state
}

pub fn mails_to(p: &Platform, t: &Tenant, to: &str) -> Vec<(String, String)> {
    p.store
        .read(t.id, |tx| guichet_core::mail::outbox::unsent(tx, 1000))
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == to)
        .map(|m| (m.subject, m.body_text))
        .collect()
}

/// « Traiter cette demande »: the agent takes the request at `page`; its
/// page then, as the agent sees it.
pub async fn take<S, B>(app: &S, agent: &mut Browser, page: &str) -> crate::client::Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = agent.get(app, page).await;
    let token = csrf_of(&r.html);
    let r = agent
        .post(app, &format!("{page}/traiter"), &token, &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let r = agent.get(app, page).await;
    assert!(
        r.html.contains("Vous traitez cette demande depuis le"),
        "{}",
        r.html
    );
    r
}

pub async fn signed_in_agent<S, B>(app: &S, uid: &str, slug: &str) -> Browser
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut a = Browser::backoffice(slug);
    let r = a.agent_sign_in(app, uid, AGENT_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{uid}: {}", r.html);
    a
}

/// An administrator of `t` (the back office's every right), `uid`.
pub fn administrator(p: &Platform, t: &Tenant, uid: &str) {
    std::thread::scope(|s| {
        s.spawn(|| {
            agents::create(
                &p.store,
                &p.shared.directory,
                t,
                "test",
                "http://localhost",
                AgentInput {
                    uid: Some(uid.into()),
                    first_name: "Ada".into(),
                    last_name: "Admin".into(),
                    email: format!("{uid}@example.fr"),
                    groups: vec![groups::ADMIN.into()],
                    profile: Some("admin".into()),
                    password: Some(AGENT_PASSWORD.into()),
                    ..AgentInput::default()
                },
            )
            .unwrap()
        })
        .join()
        .unwrap()
    });
}

/// A person as the counter's form takes them.
pub const PERSON: &[(&str, &str)] = &[
    ("title", "Mister"),
    ("last_name", "Lefèvre"),
    ("first_name", "Jules"),
    ("birth_date", "1979-05-12"),
    ("mobile_phone", "06 11 22 33 44"),
    ("home_phone", ""),
    ("office_phone", ""),
    ("address.street_number", "3"),
    ("address.street_name", "place du Forum"),
    ("address.postal_code", "13200"),
    ("address.city", "Arles"),
];

/// Where PayFiP sends its notification and the payer back, for Arles.
pub struct Here;

impl guichet_core::payments::online::Addresses for Here {
    fn notify(&self) -> String {
        "http://arles.localhost:8080/paiements/notification".into()
    }
    fn back(&self, payment: i64) -> String {
        format!("http://arles.localhost:8080/paiements/{payment}/retour")
    }
}

/// A régie of `t` in PayFiP's test mode; its id.
pub fn regie(p: &Platform, t: &Tenant, label: &str) -> i64 {
    p.store
        .write(t.id, |tx| {
            guichet_core::payments::regies::create(
                tx,
                "test",
                &guichet_core::payments::regies::RegieInput {
                    label: label.into(),
                    numcli: "012345".into(),
                    mode: "test".into(),
                    email: "regie@mairie.example".into(),
                },
            )
        })
        .unwrap()
        .id
}

/// An invoice of `amount` euros for `household`, in `regie`; its id.
pub fn invoice(
    p: &Platform,
    t: &Tenant,
    regie: i64,
    household: i64,
    reference: &str,
    amount: &str,
) -> i64 {
    p.store
        .write(t.id, |tx| {
            guichet_core::payments::billing::create_invoice(
                tx,
                "test",
                regie,
                &guichet_core::payments::billing::InvoiceInput {
                    household: household.to_string(),
                    reference: reference.into(),
                    label: "Restauration scolaire novembre".into(),
                    amount: amount.into(),
                    issued_on: "01/11/2026".into(),
                    due_on: "30/12/2026".into(),
                    lines: String::new(),
                },
            )
        })
        .unwrap()
        .id
}

/// Where FranceConnect sends the browser back (Arles).
pub const RETURN: &str = "http://arles.localhost:8080/connexion/franceconnect/retour";

/// From the portal's button to the return with a code: the address the
/// provider sends the browser back to.
pub async fn through_provider<S, B>(
    app: &S,
    b: &mut Browser,
    fc: &crate::oidc::OidcProvider,
) -> Result<String, String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let r = b.get(app, "/connexion/franceconnect").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let to = r.location.unwrap();
    assert!(to.starts_with(&fc.issuer()), "{to}");
    assert!(
        to.contains("acr_values=eidas1") && to.contains("nonce=") && to.contains("state="),
        "{to}"
    );
    assert!(
        !to.contains("code_challenge"),
        "no PKCE: FranceConnect refuses it"
    );
    fc.authorize(&to, RETURN)
}

/// A URL of Arles's portal as a path.
pub fn local(url: &str) -> String {
    url.trim_start_matches("http://arles.localhost:8080")
        .to_owned()
}
