//! The demo collectivité's content: enough to click through every page.

use guichet_core::agents::groups;
use guichet_core::agents::{self, AgentInput};
use guichet_core::catalogue::categories;
use guichet_core::collectivite::authorities::{self, AuthorityInput};
use guichet_core::directory::{Directory, FacilityKind};
use guichet_core::facilities::{self, FacilityInput};
use guichet_core::store::Store;
use guichet_core::tenancy::Tenant;
use guichet_core::Error;

use crate::commands::{DEMO_ADMIN_PASSWORD, DEMO_NAME, DEMO_SLUG};

const ACTOR: &str = "guichet demo";

/// The demo's agents, by uid, with what each may do: all of them have the
/// demo's password.
pub const AGENTS: [(&str, &str); 3] = [
    (
        "camille.martin",
        "administratrice : téléservices, paramètres, paiements, statistiques ; et le référentiel (agents, écoles, catégories, droits)",
    ),
    (
        "lea.bernard",
        "agente : traite les demandes « Enfance et scolarité » et « État civil », reçoit au guichet",
    ),
    ("hugo.petit", "responsable : consulte toutes les demandes"),
];

pub fn populate(store: &Store, directory: &Directory, port: u16) -> Result<(), Error> {
    let (tenant, _) = authorities::create(
        store,
        directory,
        ACTOR,
        port,
        AuthorityInput {
            slug: DEMO_SLUG.into(),
            name: DEMO_NAME.into(),
            postal_address: "1 place de la Mairie\n00000 Démo".into(),
            contact_email: "mairie@demo.localhost.fr".into(),
            admin: Some(AgentInput {
                first_name: "Camille".into(),
                last_name: "Martin".into(),
                email: "camille.martin@demo.localhost.fr".into(),
                password: Some(DEMO_ADMIN_PASSWORD.into()),
                groups: vec![groups::ADMIN.into()],
                profile: Some("admin".into()),
                ..AgentInput::default()
            }),
            ..AuthorityInput::default()
        },
    )?;
    let link_base = tenant.public_url(port);
    for (first, last, profile, group) in [
        ("Léa", "Bernard", "agent", groups::AGENT),
        ("Hugo", "Petit", "manager", groups::AGENT),
    ] {
        agents::create(
            store,
            directory,
            &tenant,
            ACTOR,
            &link_base,
            AgentInput {
                first_name: first.into(),
                last_name: last.into(),
                email: format!(
                    "{}@demo.localhost.fr",
                    guichet_core::agents::uid::base(first, last)
                ),
                profile: Some(profile.into()),
                groups: vec![group.into()],
                password: Some(DEMO_ADMIN_PASSWORD.into()),
                ..AgentInput::default()
            },
        )?;
    }
    for (kind, name, address) in [
        (
            FacilityKind::School,
            "École élémentaire Jules-Ferry",
            "3 rue des Écoles",
        ),
        (
            FacilityKind::School,
            "École maternelle Les Tilleuls",
            "12 allée des Tilleuls",
        ),
        (
            FacilityKind::RecreationCenter,
            "Centre de loisirs du Parc",
            "Parc municipal",
        ),
    ] {
        facilities::create(
            store,
            directory,
            &tenant,
            ACTOR,
            kind,
            FacilityInput {
                name: name.into(),
                address: address.into(),
                ..FacilityInput::default()
            },
        )?;
    }
    store.write(tenant.id, |tx| {
        for (name, codes) in [
            (
                "Enfance et scolarité",
                &[
                    "school-registration",
                    "school-canteen-registration",
                    "perischool-activity-registration",
                ][..],
            ),
            (
                "État civil",
                &["birth-details", "marriage-details", "death-details"][..],
            ),
        ] {
            let c = categories::create(tx, ACTOR, name, "")?;
            for code in codes {
                categories::set_teleservice_category(tx, ACTOR, code, Some(c.id))?;
            }
            categories::set_right(tx, ACTOR, c.id, "lea.bernard", "write")?;
        }
        Ok(())
    })
}

/// The demo household's login; its password is the demo's.
pub const DEMO_HOUSEHOLD: &str = "famille.durand@demo.localhost.fr";

/// The portal's side of the demo: every téléservice with a form online, a
/// season open today, a foyer of two adults and two children with requests
/// in several states. Does nothing if the foyer is there.
/// Returns the foyer and its canteen registration when it made them.
pub fn populate_portal(
    store: &Store,
    tenant: &Tenant,
    port: u16,
) -> Result<Option<(i64, i64)>, guichet_core::Error> {
    use chrono::Duration;
    use guichet_cases::requests::{self, Sending};
    use guichet_core::catalogue::offer;
    use guichet_core::collectivite::settings::Settings;
    use guichet_core::foyers::{self, NewAccount, Opened, Person};
    use guichet_core::history::Actor;
    use guichet_domain::forms::{self, Input};
    use guichet_domain::foyer::{Address, Parenthood, Sex, Title};
    use guichet_domain::requests::{Actor as Who, RequestState, SeasonDates};
    use guichet_domain::time;

    let here = guichet_core::domain::host::Site {
        url: tenant.public_url(port),
        name: tenant.name.clone(),
    };
    store.write(tenant.id, |tx| {
        if foyers::account_by_login(tx, DEMO_HOUSEHOLD)?.is_some() {
            return Ok(None);
        }
        for (name, codes) in [
            (
                "Vie quotidienne",
                &[
                    "bulky-waste-collection",
                    "technical-intervention",
                    "holiday-security",
                ][..],
            ),
            (
                "Citoyenneté",
                &["electoral-roll-registration", "military-census"][..],
            ),
            (
                "Loisirs et vacances",
                &[
                    "leisure-center-registration",
                    "holiday-camp-registration",
                    "school-transport-registration",
                ][..],
            ),
        ] {
            let c = categories::create(tx, ACTOR, name, "")?;
            for code in codes {
                categories::set_teleservice_category(tx, ACTOR, code, Some(c.id))?;
            }
            categories::set_right(tx, ACTOR, c.id, "lea.bernard", "write")?;
        }
        let today = time::today();
        let year = chrono::Datelike::year(&today);
        // Each form once, as its latest version says.
        let latest = forms::shipped()
            .iter()
            .filter(|f| forms::latest(&f.code).is_some_and(|l| l.version == f.version));
        for form in latest {
            offer::set_online(tx, &form.code, true)?;
            if form.seasonal {
                offer::add_season(
                    tx,
                    &form.code,
                    &format!("Année {year}-{}", year + 1),
                    SeasonDates {
                        registration_start: today - Duration::days(7),
                        registration_end: today + Duration::days(60),
                        validation_start: today - Duration::days(7),
                        effect_start: today + Duration::days(61),
                        effect_end: today + Duration::days(400),
                    },
                )?;
            }
        }
        // A courrier type of the canteen, for « contacter le demandeur ».
        let canteen = guichet_core::store::repo::offer::teleservice(tx, "school-canteen-registration")?
            .ok_or(guichet_core::Error::NotFound)?;
        let body = "{{RR_GREETING}},\n\nVotre demande n° **{{RQ_ID}}** d’inscription de {{SU_FNAME}} à la restauration scolaire est bien enregistrée :\n- jours de repas : {{RQ_DATA_CANTEEN_DAYS}}\n- régime : {{RQ_DATA_FOOD_DIET}}\n\n{{RQ_OBSERV}}\n\nPour toute question :\n- à l’accueil de la mairie\n- par courriel, {{RQ_CAT_EMAIL}}\n\n{{LAST_AGENT_NAME}}";
        let answers: Vec<String> =
            guichet_cases::courriers::variables("school-canteen-registration")
                .into_iter()
                .map(|v| v.name)
                .collect();
        guichet_domain::courriers::Body::parse(body, &answers)
            .expect("the demo's courrier is valid");
        let (now, id) = (chrono::Utc::now().naive_utc(), tx.next_id()?);
        guichet_core::store::repo::courriers::insert(
            tx,
            &guichet_core::store::repo::courriers::CourrierRow {
                tenant_id: 0,
                id,
                teleservice_id: canteen.id,
                short_label: "Confirmation d’inscription".into(),
                label: "Inscription à la restauration scolaire".into(),
                model: "letter".into(),
                body: body.into(),
                created_at: now,
                updated_at: now,
            },
        )?;
        let address = Address {
            street_number: "12".into(),
            street_name: "rue des Lilas".into(),
            postal_code: "00000".into(),
            city: "Démo".into(),
            ..Address::default()
        };
        let claire = Person {
            adult: true,
            title: Some(Title::Madam),
            last_name: "DURAND".into(),
            first_name: "Claire".into(),
            email: DEMO_HOUSEHOLD.into(),
            mobile_phone: "06 12 34 56 78".into(),
            born: true,
            ..Person::default()
        };
        let hash = guichet_core::auth::password::hash(DEMO_ADMIN_PASSWORD);
        let Opened::New {
            household,
            individual,
        } = foyers::open_account(
            tx,
            &NewAccount {
                person: claire,
                address,
            },
            Some(&hash),
            &here,
        )?
        else {
            return Ok(None);
        };
        guichet_core::store::repo::foyers::confirm_login(
            tx,
            individual,
            chrono::Utc::now().naive_utc(),
        )?;
        let actor = Actor::household(
            &guichet_core::store::repo::foyers::individual(tx, individual)?.expect("just made"),
        );
        let marc = foyers::add_member(
            tx,
            household,
            &actor,
            &Person {
                adult: true,
                title: Some(Title::Mister),
                last_name: "DURAND".into(),
                first_name: "Marc".into(),
                email: "marc.durand@demo.localhost.fr".into(),
                office_phone: "01 23 45 67 89".into(),
                born: true,
                ..Person::default()
            },
            &[],
        )?;
        let child = |first: &str, y: i32, sex: Sex| Person {
            adult: false,
            last_name: "DURAND".into(),
            first_name: first.into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(y, 3, 14),
            sex: Some(sex),
            born: true,
            ..Person::default()
        };
        let parents = [(individual, Parenthood::Mother), (marc, Parenthood::Father)];
        let leo = foyers::add_member(
            tx,
            household,
            &actor,
            &child("Léo", year - 8, Sex::Male),
            &parents,
        )?;
        let jade = foyers::add_member(
            tx,
            household,
            &actor,
            &child("Jade", year - 5, Sex::Female),
            &parents,
        )?;
        let foyer = foyers::foyer(tx, household)?;
        let settings = Settings::default();
        let commune = requests::commune(tenant);
        let commune = (commune.0.as_str(), commune.1.as_str());
        let fill = |tx: &mut guichet_core::store::TenantTx<'_>,
                    id: i64,
                    steps: &[(&str, &[(&str, &str)])]|
         -> Result<(), guichet_core::Error> {
            for (step, pairs) in steps {
                let input = Input::new(
                    pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                );
                requests::save_step(tx, household, id, step, &input, &foyer).map_err(|e| {
                    guichet_core::Error::Refused(format!("démo, étape {step} : {e:?}"))
                })?;
            }
            Ok(())
        };
        let send = |tx: &mut guichet_core::store::TenantTx<'_>,
                    id: i64|
         -> Result<(), guichet_core::Error> {
            let sending = Sending {
                means: "Email".into(),
                consent: true,
                key: format!("demo-{id}"),
                filer: None,
                note: String::new(),
            };
            requests::submit(tx, household, id, &sending, &foyer, &settings, &here)
                .map(|_| ())
                .map_err(|e| guichet_core::Error::Refused(format!("démo, envoi : {e:?}")))
        };
        // Léo's canteen registration, sent: waiting for the agents.
        let canteen = requests::start(
            tx,
            "school-canteen-registration",
            &foyer,
            individual,
            Some(leo),
            &settings,
            commune,
        )?;
        fill(
            tx,
            canteen,
            &[
                (
                    "inscription",
                    &[
                        ("urgency_phone", "06 12 34 56 78"),
                        ("canteen_days", "monday"),
                        ("canteen_days", "thursday"),
                        ("food_diet", "standard"),
                        ("food_allergy", "non"),
                    ],
                ),
                ("health", &[("rules_acceptance", "oui")]),
            ],
        )?;
        send(tx, canteen)?;
        // Jade's perischool registration, a draft.
        let peri = requests::start(
            tx,
            "perischool-activity-registration",
            &foyer,
            individual,
            Some(jade),
            &settings,
            commune,
        )?;
        fill(
            tx,
            peri,
            &[(
                "inscription",
                &[
                    ("activities", "morning"),
                    ("urgency_phone", "06 12 34 56 78"),
                ],
            )],
        )?;
        // A pothole, sent and taken in hand by an agent.
        let pothole = requests::start(
            tx,
            "technical-intervention",
            &foyer,
            individual,
            None,
            &settings,
            commune,
        )?;
        fill(
            tx,
            pothole,
            &[(
                "intervention",
                &[
                    ("intervention_type", "pothole"),
                    ("place.street_name", "avenue de la Gare"),
                    ("place.postal_code", "00000"),
                    ("place.city", "Démo"),
                    (
                        "description",
                        "Un trou profond devant le numéro 8, dangereux pour les vélos.",
                    ),
                ],
            )],
        )?;
        send(tx, pothole)?;
        let lea = Actor {
            kind: "agent",
            id: None,
            name: "Léa Bernard".into(),
        };
        requests::transition(
            tx,
            pothole,
            RequestState::Inprogress,
            Who::Agent,
            &lea,
            "",
            &here,
        )?;
        // Bulky waste, collected: accepted.
        let waste = requests::start(
            tx,
            "bulky-waste-collection",
            &foyer,
            individual,
            None,
            &settings,
            commune,
        )?;
        fill(
            tx,
            waste,
            &[(
                "waste",
                &[
                    ("waste_types", "sofa"),
                    ("collection_address.street_number", "12"),
                    ("collection_address.street_name", "rue des Lilas"),
                    ("collection_address.postal_code", "00000"),
                    ("collection_address.city", "Démo"),
                ],
            )],
        )?;
        send(tx, waste)?;
        for (to, why) in [
            (RequestState::Inprogress, ""),
            (RequestState::Complete, ""),
            (
                RequestState::Validated,
                "Enlèvement prévu mardi matin : sortez le canapé la veille au soir.",
            ),
        ] {
            requests::transition(tx, waste, to, Who::Agent, &lea, why, &here)?;
        }
        Ok(Some((household, canteen)))
    })
}

/// The proof of address the demo foyer joined to its canteen registration:
/// a one-page PDF in the file store, waiting for an agent's review.
pub fn deposit_proof(
    store: &Store,
    files: &guichet_core::files::FileStore,
    tenant: &Tenant,
    (household, canteen): (i64, i64),
) -> Result<(), guichet_core::Error> {
    use guichet_core::files::Limits;
    use guichet_core::justificatifs;
    use guichet_core::pdf::{Block, Document};

    let mut doc = Document::new("Facture d’électricité");
    doc.letterhead = vec!["Énergie de Démo".into()];
    doc.push(Block::Title("Facture d’électricité".into()));
    doc.push(Block::Paragraph(
        "Famille Durand, 12 rue des Lilas, 00000 Démo. Document de démonstration.".into(),
    ));
    let bytes = actix_web::web::Bytes::from(doc.render());
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let stored = actix_web::rt::System::new()
        .block_on(files.put_stream(tenant.id, Box::pin(stream), &Limits::DOCUMENTS))
        .map_err(|e| guichet_core::Error::Refused(format!("démo, justificatif : {e}")))?;
    store.write(tenant.id, move |tx| {
        let page = [(stored, "facture-electricite.pdf".to_owned())];
        let document = justificatifs::deposit(tx, household, "domicile-receipt", &page)?;
        justificatifs::attach(tx, household, canteen, document)
    })
}

/// The demo's payments: a régie in test mode (it pays against the test bank),
/// two canteen invoices owed by the demo foyer and a deposit account.
pub fn owe(store: &Store, tenant: &Tenant, household: i64) -> Result<(), guichet_core::Error> {
    use guichet_core::payments::billing::{self, InvoiceInput};
    use guichet_core::payments::regies::{self, RegieInput};
    store.write(tenant.id, |tx| {
        let regie = regies::create(
            tx,
            ACTOR,
            &RegieInput {
                label: "Régie de la restauration scolaire".into(),
                numcli: "012345".into(),
                mode: "test".into(),
                email: "regie.restauration@mairie-demo.example".into(),
            },
        )?;
        let today = guichet_core::domain::time::today();
        for (reference, label, amount, month, meals) in [
            (
                "RS-2026-0101",
                "Restauration scolaire d’octobre",
                "42,50",
                1,
                10,
            ),
            (
                "RS-2026-0102",
                "Restauration scolaire de novembre",
                "38,25",
                0,
                9,
            ),
        ] {
            let issued = today - chrono::Duration::days(30 * month + 2);
            billing::create_invoice(
                tx,
                ACTOR,
                regie.id,
                &InvoiceInput {
                    household: household.to_string(),
                    reference: reference.into(),
                    label: label.into(),
                    amount: amount.into(),
                    issued_on: issued.format("%d/%m/%Y").to_string(),
                    due_on: (issued + chrono::Duration::days(45))
                        .format("%d/%m/%Y")
                        .to_string(),
                    lines: format!("Repas de Jade ; {meals} ; 4,25"),
                },
            )?;
        }
        billing::create_account(
            tx,
            ACTOR,
            regie.id,
            &billing::AccountInput {
                household: household.to_string(),
                reference: "CPT-DEMO-1".into(),
                label: "Compte de garderie périscolaire".into(),
                balance: "12,50".into(),
            },
        )?;
        Ok(())
    })
}
