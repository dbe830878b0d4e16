//! The form studio's working copies and versions (issue 23's first steps):
//! made from scratch, from a shipped form or from an import; saved over the
//! revision seen; published only when sound and its scenarios pass; another
//! collectivité's never reached.

use actix_web::http::StatusCode;
use actix_web::test;
use guichet_cases::requests::revisions;
use guichet_core::agents::{self, Desk};
use guichet_core::catalogue::studio::{self, Start};
use guichet_core::catalogue::{categories, library, offer};
use guichet_core::domain::forms::{FieldKind, Scenario, Typed};
use guichet_core::store::TenantTx;
use guichet_core::tenancy::Tenant;
use guichet_core::Error;
use guichet_server::app::public_app;
use guichet_tests::api::Platform;
use guichet_tests::client::csrf_of;
use guichet_tests::client::Browser;
use guichet_tests::fixtures::{
    administrator, agent, field_value, household, key_of, setup, signed_in_agent,
};

fn desk_of(tx: &mut TenantTx<'_>, uid: &str) -> Result<Desk, Error> {
    let a = agents::get(tx, uid)?.ok_or(Error::NotFound)?;
    agents::desk(tx, a.id)
}

/// Runs `f` as `uid` of `t`, in one write transaction.
fn as_agent<T: Send + 'static>(
    p: &Platform,
    t: &Tenant,
    uid: &str,
    f: impl FnOnce(&mut TenantTx<'_>, &Desk) -> Result<T, Error>,
) -> Result<T, Error> {
    p.store.write(t.id, |tx| {
        let desk = desk_of(tx, uid)?;
        f(tx, &desk)
    })
}

per_backend! {
    async fn a_form_is_made_saved_checked_and_published_as_versions(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        administrator(&p, &arles, "ada.arles");
        administrator(&p, &nimes, "ada.nimes");
        let lea = agent(&p, &arles, "Léa", "Martin", "manage");

        // From scratch: a code made of its label, one empty step.
        let code = as_agent(&p, &arles, "ada.arles", |tx, d| {
            studio::create(tx, d, Start::Blank { label: "Réservation d’une salle".into() })
        })
        .unwrap();
        assert_eq!(code, "reservation-d-une-salle");
        let draft = as_agent(&p, &arles, "ada.arles", |tx, d| studio::draft(tx, d, &code)).unwrap();
        assert_eq!((draft.revision, draft.published), (1, None));

        // Not publishable yet: said why, nothing published.
        let check = as_agent(&p, &arles, "ada.arles", |tx, d| studio::draft(tx, d, &code).map(|d| d.check())).unwrap();
        assert!(!check.publishable());
        assert!(check.remarks.iter().any(|r| r.contains("aucun champ")), "{check:?}");
        let refused = as_agent(&p, &arles, "ada.arles", |tx, d| studio::publish(tx, d, &code, 1));
        match refused {
            Err(Error::Refused(m)) => assert!(m.contains("aucun scénario"), "{m}"),
            other => panic!("{backend:?}: {other:?}"),
        }

        // A question and a scenario, saved over revision 1.
        let mut def = draft.definition.clone();
        let mut field: guichet_core::domain::forms::Field =
            serde_json::from_value(serde_json::json!({
                "key": "motif", "kind": "long_text", "label": "Pour quel événement ?",
                "required": true
            }))
            .unwrap();
        def.steps[0].fields.push(field.clone());
        let scenario = Scenario {
            name: "un motif donné suffit".into(),
            steps: [(
                "demande".to_owned(),
                [("motif".to_owned(), Typed::One("Un anniversaire".into()))].into(),
            )]
            .into(),
            refused: vec![],
        };
        let (d2, s2) = (def.clone(), vec![scenario.clone()]);
        let rev = as_agent(&p, &arles, "ada.arles", move |tx, d| studio::save(tx, d, "reservation-d-une-salle", 1, d2, &s2))
            .unwrap();
        assert_eq!(rev, 2);

        // Someone else saved meanwhile: the second is told, nothing of theirs written.
        let mut other = def.clone();
        other.label = "Salle (écrasée)".into();
        let lost = as_agent(&p, &arles, "ada.arles", move |tx, d| {
            studio::save(tx, d, "reservation-d-une-salle", 1, other, &[])
        });
        match lost {
            Err(Error::Conflict(m)) => assert!(m.contains("pendant que vous le modifiiez"), "{m}"),
            other => panic!("{backend:?}: {other:?}"),
        }
        let kept = as_agent(&p, &arles, "ada.arles", |tx, d| studio::draft(tx, d, "reservation-d-une-salle")).unwrap();
        assert_eq!(kept.definition.label, "Réservation d’une salle");
        assert_eq!(kept.scenarios, vec![scenario.clone()]);

        // Publishing an older revision than the one saved: refused.
        let stale = as_agent(&p, &arles, "ada.arles", |tx, d| studio::publish(tx, d, "reservation-d-une-salle", 1));
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
        // A scenario the engine contradicts blocks publishing.
        let mut wrong = scenario.clone();
        wrong.refused = vec!["motif".into()];
        let (d3, s3) = (def.clone(), vec![wrong]);
        as_agent(&p, &arles, "ada.arles", move |tx, d| studio::save(tx, d, "reservation-d-une-salle", 2, d3, &s3)).unwrap();
        let blocked = as_agent(&p, &arles, "ada.arles", |tx, d| studio::publish(tx, d, "reservation-d-une-salle", 3));
        match blocked {
            Err(Error::Refused(m)) => assert!(m.contains("« motif » accepté, le scénario le voulait refusé"), "{m}"),
            other => panic!("{backend:?}: {other:?}"),
        }

        // Sound, scenario passing: version 1, then version 2 after a change.
        let (d4, s4) = (def.clone(), vec![scenario.clone()]);
        as_agent(&p, &arles, "ada.arles", move |tx, d| studio::save(tx, d, "reservation-d-une-salle", 3, d4, &s4)).unwrap();
        let v1 = as_agent(&p, &arles, "ada.arles", |tx, d| revisions::publish(tx, d, "reservation-d-une-salle", 4)).unwrap();
        assert_eq!((v1.version, v1.moved), (1, 0));
        // Published, it is a téléservice: offline until put online, then in
        // Arles' catalogue, filed with its latest version; never in Nîmes'.
        let app = test::init_service(public_app(&p.shared)).await;
        let mut visitor = Browser::portal("arles");
        let r = visitor.get(&app, "/demarches/reservation-d-une-salle").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend:?}: offline");
        p.store
            .write(arles.id, |tx| offer::set_online(tx, "reservation-d-une-salle", true))
            .unwrap();
        let home = visitor.get(&app, "/").await;
        assert!(home.html.contains("Réservation d’une salle"), "{}", home.html);
        let mut family = Browser::portal("arles");
        household(&app, &p, &arles, &mut family, "famille@example.fr").await;
        let page = "/demarches/reservation-d-une-salle";
        let r = family.submit(&app, page, &format!("{page}/commencer"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let draft_step = r.location.unwrap();
        let step = family.get(&app, &draft_step).await;
        assert!(
            step.html.contains("Pour quel événement ?")
                && !step.html.contains("Combien de personnes attendez-vous ?"),
            "{backend:?}: version 1's fields: {}",
            step.html
        );
        let mut elsewhere = Browser::portal("nimes");
        let r = elsewhere.get(&app, "/demarches/reservation-d-une-salle").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend:?}: Nîmes published nothing");


        field.key = "personnes".into();
        field.kind = FieldKind::Number;
        field.label = "Combien de personnes attendez-vous ?".into();
        field.help = "En chiffres, par exemple 40".into();
        def.steps[0].fields.push(field);
        let mut s5 = scenario.clone();
        s5.steps.get_mut("demande").unwrap().insert("personnes".into(), Typed::One("40".into()));
        let d5 = def.clone();
        as_agent(&p, &arles, "ada.arles", move |tx, d| studio::save(tx, d, "reservation-d-une-salle", 5, d5, &[s5])).unwrap();
        let v2 = as_agent(&p, &arles, "ada.arles", |tx, d| revisions::publish(tx, d, "reservation-d-une-salle", 6)).unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.moved, 1, "{backend:?}: the household's draft: {v2:?}");
        assert!(v2.stayed.is_empty(), "{v2:?}");
        let step = family.get(&app, &draft_step).await;
        assert!(
            step.html.contains("Pour quel événement ?")
                && step.html.contains("Combien de personnes attendez-vous ?"),
            "{backend:?}: the draft goes on with version 2's fields: {}",
            step.html
        );

        // Sent on version 2; version 3 asks a new required question: the
        // request cannot be asked it by its form, so it stays, with why.
        let id = draft_step.split('/').nth(2).unwrap().to_owned();
        let r = family
            .submit(&app, &draft_step, &draft_step, &[("motif", "Un anniversaire"), ("personnes", "40")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let summary = family.get(&app, &format!("/mes-demandes/{id}/envoi")).await;
        let send = [("means", "Email"), ("consent", "oui"), ("key", &key_of(&summary.html))];
        let r = family
            .post(&app, &format!("/mes-demandes/{id}/envoi"), &csrf_of(&summary.html), &send)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let hour: guichet_core::domain::forms::Field = serde_json::from_value(serde_json::json!({
            "key": "horaire", "kind": "text", "label": "À quelle heure commence l’événement ?",
            "help": "Par exemple 18 h", "required": true
        }))
        .unwrap();
        def.steps[0].fields.push(hour);
        let mut s7 = scenario.clone();
        let answers = s7.steps.get_mut("demande").unwrap();
        answers.insert("personnes".into(), Typed::One("40".into()));
        answers.insert("horaire".into(), Typed::One("18 h".into()));
        let d7 = def.clone();
        as_agent(&p, &arles, "ada.arles", move |tx, d| studio::save(tx, d, "reservation-d-une-salle", 7, d7, &[s7])).unwrap();
        let v3 = as_agent(&p, &arles, "ada.arles", |tx, d| revisions::publish(tx, d, "reservation-d-une-salle", 8)).unwrap();
        assert_eq!((v3.version, v3.moved), (3, 0), "{v3:?}");
        assert_eq!(v3.stayed.len(), 1, "{v3:?}");
        assert!(v3.stayed[0].why[0].contains("déclarez la demande incomplète"), "{v3:?}");
        let (one, two) = p
            .store
            .read(arles.id, |tx| {
                Ok::<_, Error>((
                    library::find(tx, "reservation-d-une-salle", 1)?,
                    library::find(tx, "reservation-d-une-salle", 2)?,
                ))
            })
            .unwrap();
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!((one.version, two.version), (1, 2));
        assert_eq!(one.fields().count(), 1, "version 1 never changes");
        assert_eq!(two.fields().count(), 2);

        // A copy of a shipped form takes its scenarios, under a code of its own.
        let copy = as_agent(&p, &arles, "ada.arles", |tx, d| {
            studio::create(tx, d, Start::Shipped { code: "bulky-waste-collection".into() })
        })
        .unwrap();
        assert_eq!(copy, "bulky-waste-collection-b");
        let check = as_agent(&p, &arles, "ada.arles", |tx, d| studio::draft(tx, d, &copy).map(|d| d.check())).unwrap();
        assert!(check.publishable(), "{check:?}");

        // An export imports elsewhere; a bad import is refused with its faults.
        let exported = as_agent(&p, &arles, "ada.arles", |tx, d| studio::export(tx, d, "reservation-d-une-salle")).unwrap();
        let imported = as_agent(&p, &nimes, "ada.nimes", move |tx, d| {
            studio::create(tx, d, Start::Import { json: exported.into_bytes() })
        })
        .unwrap();
        assert_eq!(imported, "reservation-d-une-salle");
        let bad = as_agent(&p, &nimes, "ada.nimes", |tx, d| {
            studio::create(tx, d, Start::Import { json: br#"{"code": "x", "kind": 1}"#.to_vec() })
        });
        match bad {
            Err(Error::Refused(m)) => assert!(m.contains("attribut inconnu « kind »"), "{m}"),
            other => panic!("{backend:?}: {other:?}"),
        }

        // Another collectivité's forms, and an agent who is no administrator: not found.
        let theirs = as_agent(&p, &nimes, "ada.nimes", |tx, d| studio::draft(tx, d, &copy));
        assert!(matches!(theirs, Err(Error::NotFound)), "{theirs:?}");
        let nimes_versions = p
            .store
            .read(nimes.id, |tx| library::find(tx, "reservation-d-une-salle", 1))
            .unwrap();
        assert!(nimes_versions.is_none(), "Nîmes published nothing");
        // A manager whose categories hold none of them: none listed, none opened.
        let not_admin = as_agent(&p, &arles, &lea, studio::drafts).unwrap();
        assert!(not_admin.is_empty(), "{not_admin:?}");
        let not_theirs = as_agent(&p, &arles, &lea, |tx, d| studio::draft(tx, d, "reservation-d-une-salle"));
        assert!(matches!(not_theirs, Err(Error::NotFound)), "{not_theirs:?}");
        let listed = as_agent(&p, &nimes, "ada.nimes", studio::drafts).unwrap();
        assert_eq!(listed.len(), 1, "Nîmes sees its own copy only");
    }
}

per_backend! {
    async fn administrators_make_and_publish_a_form_in_the_studio_pages(backend: Backend) {
        let (p, arles, nimes) = setup(backend).await;
        administrator(&p, &arles, "ada.arles");
        administrator(&p, &nimes, "ada.nimes");
        let lea = agent(&p, &arles, "Léa", "Martin", "manage");
        let app = test::init_service(public_app(&p.shared)).await;
        let mut admin = signed_in_agent(&app, "ada.arles", "arles").await;
        let home = admin.get(&app, "/backoffice/").await;
        assert!(home.html.contains("href=\"/backoffice/studio\""), "{}", home.html);
        let page = admin.get(&app, "/backoffice/studio").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("Aucun formulaire pour l’instant"), "{}", page.html);

        let studio = "/backoffice/studio";
        // A copy of a shipped form: its page, its check, version 1 published.
        let r = admin
            .submit(&app, studio, studio, &[("origine", "fourni"), ("fourni", "bulky-waste-collection")])
            .await;
        assert_eq!(r.location.as_deref(), Some("/backoffice/studio/bulky-waste-collection-b"));
        let at = r.location.unwrap();
        let form = admin.get(&app, &at).await;
        assert!(
            form.html.contains("Le formulaire est créé")
                && form.html.contains("Collecte des encombrants")
                && form.html.contains(": conforme")
                && form.html.contains("Publier la version 1"),
            "{}",
            form.html
        );
        let revision = field_value(&form.html, "revision");
        let publish = format!("{at}/publication");
        let r = admin
            .post(&app, &publish, &csrf_of(&form.html), &[("revision", &revision)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend:?}: {}", r.html);
        let after = admin.get(&app, &at).await;
        assert!(
            after.html.contains("La version 1 est publiée.")
                && after.html.contains("Publier la version 2"),
            "{}",
            after.html
        );
        // The same revision published twice (a second tab): told, nothing published.
        let r = admin
            .post(&app, &publish, &csrf_of(&after.html), &[("revision", &revision)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{backend:?}: {}", r.html);
        assert!(r.html.contains("relisez-le avant de le publier"), "{}", r.html);

        // Exported, then imported in Nîmes through its page; a bad one said.
        let json = admin.get(&app, &format!("{at}/definition.json")).await.html;
        assert!(json.contains("\"code\": \"bulky-waste-collection-b\""), "{json}");
        let mut other = signed_in_agent(&app, "ada.nimes", "nimes").await;
        let r = other.get(&app, &at).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend:?}: Arles' form from Nîmes");
        let r = other
            .submit(&app, studio, studio, &[("origine", "import"), ("definition", "{\"code\": 1}")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{backend:?}: {}", r.html);
        assert!(r.html.contains("une valeur n’a pas le type attendu"), "{}", r.html);
        let r = other
            .submit(&app, studio, studio, &[("origine", "import"), ("definition", &json)])
            .await;
        assert_eq!(r.location.as_deref(), Some(at.as_str()), "{backend:?}: {}", r.html);

        // A category's manager authors the forms placed in it, and makes none;
        // an agent who configures nothing has no studio.
        let mut manager = signed_in_agent(&app, &lea, "arles").await;
        let home = manager.get(&app, "/backoffice/").await;
        assert!(home.html.contains("href=\"/backoffice/studio\""), "{}", home.html);
        let listed = manager.get(&app, studio).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(
            !listed.html.contains(&at) && !listed.html.contains("Partir d’un téléservice fourni"),
            "{}",
            listed.html
        );
        assert_eq!(manager.get(&app, &at).await.status, StatusCode::NOT_FOUND);
        p.store
            .write(arles.id, |tx| {
                let enfance = categories::list(tx)?
                    .into_iter()
                    .find(|c| c.name == "Enfance")
                    .expect("the manager's category");
                categories::set_teleservice_category(
                    tx,
                    "test",
                    "bulky-waste-collection-b",
                    Some(enfance.id),
                )
            })
            .unwrap();
        let listed = manager.get(&app, studio).await;
        assert!(listed.html.contains(&at), "{}", listed.html);
        let theirs = manager.get(&app, &at).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(theirs.html.contains("Publier la version 2"), "{}", theirs.html);
        let r = manager
            .post(&app, studio, &csrf_of(&theirs.html), &[("origine", "fourni"), ("fourni", "birth-details")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend:?}: only administrators create");
        let clerk = agent(&p, &arles, "Jean", "Dupont", "write");
        let mut clerk = signed_in_agent(&app, &clerk, "arles").await;
        let home = clerk.get(&app, "/backoffice/").await;
        assert!(!home.html.contains("/backoffice/studio"));
        assert_eq!(clerk.get(&app, studio).await.status, StatusCode::NOT_FOUND);
        let r = clerk.get(&app, &format!("{at}/definition.json")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}
