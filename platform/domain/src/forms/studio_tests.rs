//! The studio's checks on definitions: remarks, import, scenarios.

use super::*;

/// A definition written as the studio's authors would, in TOML.
fn def(text: &str) -> FormDefinition {
    toml::from_str(text).expect("a definition")
}

const SALLE: &str = r#"
code = "salle-municipale"
version = 1
label = "Réservation d’une salle municipale"
summary = "Réserver une salle pour une fête ou une réunion."
group = "leisure"
subject = "foyer"

[[steps]]
key = "evenement"
title = "Votre événement"
[[steps.fields]]
key = "salle"
kind = "one_of"
label = "Salle souhaitée"
required = true
options = [{ key = "fetes", label = "Salle des fêtes" }, { key = "reunion", label = "Salle de réunion" }]
[[steps.fields]]
key = "date_evenement"
kind = "date"
label = "Date de l’événement"
help = "jj/mm/aaaa"
required = true
dates = "future"
[[steps.fields]]
key = "association"
kind = "yes_no"
label = "Réservez-vous pour une association ?"
required = true
[[steps.fields]]
key = "nom_association"
kind = "text"
label = "Nom de l’association"
required = true
show_if = { field = "association", equals = true }

[[steps]]
key = "engagement"
title = "Engagement"
[[steps.fields]]
key = "reglement_lu"
kind = "consent"
label = "J’ai lu le règlement des salles et je m’engage à le respecter"
required = true
"#;

#[test]
fn a_sound_form_has_nothing_said_against_it() {
    let salle = def(SALLE);
    assert_eq!(salle.problems(), Vec::<String>::new());
    assert_eq!(salle.remarks(), Vec::<String>::new());
}

#[test]
fn what_hurts_households_is_said_to_the_author() {
    let mut salle = def(SALLE);
    let fields = &mut salle.steps[0].fields;
    fields[0].options.truncate(1); // one choice
    fields[1].help.clear(); // a date without a word on its form
    fields[2].label = "Question :".into(); // says nothing
    fields[3].show_if.as_mut().unwrap().equals = Some(serde_json::json!("peut-être"));
    salle.steps.push(Step {
        key: "vide".into(),
        title: "Pièces".into(),
        intro: String::new(),
        agent_only: false,
        fields: vec![],
    });
    let remarks = salle.remarks();
    let said = |needle: &str| remarks.iter().any(|r| r.contains(needle));
    assert!(said("« salle » : un seul choix possible"), "{remarks:#?}");
    assert!(
        said("« date_evenement » : une date demandée sans dire sa forme"),
        "{remarks:#?}"
    );
    assert!(said("le libellé « Question : » ne dit pas"), "{remarks:#?}");
    assert!(
        said("« nom_association » : la condition sur « association » ne peut jamais"),
        "{remarks:#?}"
    );
    assert!(said("étape « Pièces » : aucun champ"), "{remarks:#?}");
    assert_eq!(remarks.len(), 5, "{remarks:#?}");
    // Remarks are no problems: the form can still be published.
    assert_eq!(salle.problems(), Vec::<String>::new());
}

#[test]
fn a_negated_condition_on_every_answer_never_holds() {
    let mut salle = def(SALLE);
    let cond = salle.steps[0].fields[3].show_if.as_mut().unwrap();
    cond.equals = None;
    cond.any_of = vec![serde_json::json!(true), serde_json::json!(false)];
    cond.not = true;
    assert!(
        salle.remarks()[0].contains("ne peut jamais"),
        "{:?}",
        salle.remarks()
    );
    // Not on one answer only: it holds for the other.
    let cond = salle.steps[0].fields[3].show_if.as_mut().unwrap();
    cond.any_of.pop();
    assert_eq!(salle.remarks(), Vec::<String>::new());
}

#[test]
fn an_export_imports_back_as_it_was() {
    let salle = def(SALLE);
    let again = FormDefinition::import(salle.export().as_bytes()).expect("imported");
    assert_eq!(again, salle);
    for shipped in shipped() {
        assert_eq!(
            FormDefinition::import(shipped.export().as_bytes()).as_ref(),
            Ok(shipped),
            "{}",
            shipped.code
        );
    }
}

#[test]
fn a_bad_import_is_refused_with_each_fault_said() {
    // Too big to be a definition: refused before it is read.
    let huge = vec![b' '; 10 * 1024 * 1024];
    let e = FormDefinition::import(&huge).unwrap_err();
    assert!(e[0].contains("10240 ko"), "{e:?}");

    // A kind the engine does not have: where, and which.
    let unknown = SALLE_JSON().replace("\"yes_no\"", "\"slider\"");
    let e = FormDefinition::import(unknown.as_bytes()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("ligne ") && e[0].contains("valeur inconnue « slider »"),
        "{e:?}"
    );
    let unknown = SALLE_JSON().replace("\"help\"", "\"aide\"");
    let e = FormDefinition::import(unknown.as_bytes()).unwrap_err();
    assert!(e[0].contains("attribut inconnu « aide »"), "{e:?}");
    let e = FormDefinition::import(b"{\"code\": \"x\", ").unwrap_err();
    assert!(e[0].contains("s’arrête au milieu"), "{e:?}");
    let e = FormDefinition::import(b"<html>").unwrap_err();
    assert!(e[0].contains("pas du JSON"), "{e:?}");

    // Read, but unsound: every problem said, none published.
    let mut salle = def(SALLE);
    salle.steps[1].fields[0].key = "salle".into(); // a duplicate key
    salle.steps[0].fields[3].show_if.as_mut().unwrap().field = "reglement_lu".into(); // later
    salle.steps[0].fields[0].options.clear();
    salle.steps[0].fields[0].list = Some("salles".into()); // not declared
    let e = FormDefinition::import(salle.export().as_bytes()).unwrap_err();
    let said = |needle: &str| e.iter().any(|p| p.contains(needle));
    assert!(said("champ « salle » en double"), "{e:#?}");
    assert!(said("qui doit le précéder"), "{e:#?}");
    assert!(said("liste « salles » non déclarée"), "{e:#?}");
}

#[allow(non_snake_case)]
fn SALLE_JSON() -> String {
    def(SALLE).export()
}

#[test]
fn a_scenario_says_what_the_engine_did_otherwise() {
    let salle = def(SALLE);
    let mut s = Scenario::sample(&salle);
    let ran = s.run(&salle);
    assert!(ran.passed, "{ran:?}");
    // The sample answers yes to « association »: the name is asked, and given.
    assert!(
        s.steps["evenement"].contains_key("nom_association"),
        "{s:?}"
    );

    // Without the name, refused on that field.
    s.steps
        .get_mut("evenement")
        .unwrap()
        .remove("nom_association");
    let ran = s.run(&salle);
    assert!(!ran.passed);
    assert_eq!(
        ran.said,
        vec!["« nom_association » refusé, contrairement au scénario".to_owned()]
    );
    s.refused = vec!["nom_association".into()];
    assert!(s.run(&salle).passed);

    // A date in the past is refused; a step the form does not have is said.
    s.refused.clear();
    s.steps.get_mut("evenement").unwrap().insert(
        "nom_association".into(),
        Typed::One("Les Amis du Parc".into()),
    );
    s.steps
        .get_mut("evenement")
        .unwrap()
        .insert("date_evenement".into(), Typed::One("01/01/2020".into()));
    s.steps.insert("ailleurs".into(), Default::default());
    let ran = s.run(&salle);
    assert_eq!(
        ran.said,
        vec![
            "étape « ailleurs » inconnue du formulaire".to_owned(),
            "« date_evenement » refusé, contrairement au scénario".to_owned(),
        ]
    );
}

/// Every shipped form carries scenarios: at least one accepted and one
/// refused, and the engine does what each says. `GUICHET_SCENARIOS=write`
/// writes a first file for a form that has none (the sample, and the same
/// without its first required answer), to be read and completed by hand.
#[test]
fn every_shipped_form_passes_its_scenarios() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/scenarios");
    let mut codes: Vec<&str> = shipped().iter().map(|d| d.code.as_str()).collect();
    codes.dedup();
    for code in codes {
        let def = latest(code).expect("a latest version");
        let found = SCENARIO_FILES
            .iter()
            .find(|(file, _)| *file == format!("{code}.toml"));
        let Some((file, text)) = found else {
            if std::env::var("GUICHET_SCENARIOS").as_deref() == Ok("write") {
                std::fs::write(dir.join(format!("{code}.toml")), first_scenarios(def))
                    .expect("written");
                continue;
            }
            panic!("{code}: no scenarios in forms/scenarios/{code}.toml (GUICHET_SCENARIOS=write makes a first one)");
        };
        let file: Scenarios = toml::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(file.code, code);
        assert!(
            file.scenario.iter().any(|s| s.refused.is_empty()),
            "{code}: none accepted"
        );
        assert!(
            file.scenario.iter().any(|s| !s.refused.is_empty()),
            "{code}: none refused"
        );
        for s in &file.scenario {
            let ran = s.run(def);
            assert!(ran.passed, "{code} v{}: {ran:#?}", def.version);
        }
    }
}

fn first_scenarios(def: &FormDefinition) -> String {
    let sample = Scenario::sample(def);
    let mut refused = sample.clone();
    let first = def
        .household_steps()
        .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
        .find(|(_, f)| f.required && f.show_if.is_none() && f.kind != FieldKind::Address);
    if let Some((step, field)) = first {
        refused.name = format!("la même demande sans « {} » est refusée", field.label);
        if let Some(inputs) = refused.steps.get_mut(&step.key) {
            inputs.remove(&field.key);
        }
        refused.refused = vec![field.key.clone()];
    }
    toml::to_string(&Scenarios {
        code: def.code.clone(),
        scenario: vec![sample, refused],
    })
    .expect("scenarios as TOML")
}

/// A request of the first version: a room for an association's party.
fn filed_v1() -> (
    FormDefinition,
    serde_json::Map<String, serde_json::Value>,
    Vec<String>,
) {
    let v1 = def(SALLE);
    let data = serde_json::json!({
        "salle": "reunion",
        "date_evenement": "2027-04-10",
        "association": true,
        "nom_association": "Les Amis du Parc",
        "reglement_lu": true,
    });
    let serde_json::Value::Object(data) = data else {
        unreachable!()
    };
    (v1, data, vec!["evenement".into(), "engagement".into()])
}

#[test]
fn a_new_required_question_is_asked_at_the_next_step_and_the_rest_kept() {
    let (v1, data, done) = filed_v1();
    let mut v2 = v1.clone();
    v2.version = 2;
    let mut people = v2.steps[0].fields[1].clone();
    people.key = "personnes".into();
    people.kind = FieldKind::Number;
    people.label = "Combien de personnes ?".into();
    people.dates = None;
    v2.steps[0].fields.push(people);
    let ctx = scenario_context(&v2);
    match carry(&v1, &v2, &data, &done, &ctx) {
        Move::Moved(m) => {
            assert_eq!(
                m.asked,
                vec![("evenement".to_owned(), "Votre événement".to_owned())]
            );
            assert_eq!(m.steps_done, vec!["engagement".to_owned()]);
            assert_eq!(m.data, data, "every answer kept");
            assert!(m.set_aside.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // An optional question added: nothing to ask.
    v2.steps[0].fields.last_mut().unwrap().required = false;
    match carry(&v1, &v2, &data, &done, &ctx) {
        Move::Moved(m) => assert!(m.asked.is_empty() && m.steps_done == done, "{m:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn answers_to_questions_gone_are_set_aside_and_answers_that_no_longer_fit_keep_the_request() {
    let (v1, data, done) = filed_v1();
    let mut v2 = v1.clone();
    v2.version = 2;
    v2.steps[0].fields.retain(|f| f.key != "nom_association");
    let ctx = scenario_context(&v2);
    match carry(&v1, &v2, &data, &done, &ctx) {
        Move::Moved(m) => {
            assert_eq!(
                m.set_aside,
                vec![(
                    "nom_association".to_owned(),
                    "Nom de l’association".to_owned(),
                    serde_json::json!("Les Amis du Parc")
                )]
            );
            assert!(!m.data.contains_key("nom_association"));
            assert!(m.asked.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // The meeting room is no longer offered: the request stays, with why.
    let mut v3 = v1.clone();
    v3.version = 3;
    v3.steps[0].fields[0].options.retain(|o| o.key != "reunion");
    match carry(&v1, &v3, &data, &done, &scenario_context(&v3)) {
        Move::Stays(why) => {
            assert_eq!(why.len(), 1, "{why:?}");
            assert!(
                why[0].starts_with("« Salle souhaitée » : la réponse donnée ne convient plus"),
                "{why:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}
