use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::*;

#[test]
fn shipped_forms_are_sound_and_named_after_their_version() {
    assert_eq!(shipped().len(), SHIPPED_FILES.len());
    for ((file, _), def) in SHIPPED_FILES.iter().zip(shipped()) {
        assert_eq!(*file, format!("{}.v{}.toml", def.code, def.version));
        assert_eq!(def.problems(), Vec::<String>::new(), "{file}");
        for req in &def.justificatifs {
            assert!(
                crate::justificatifs::find(&req.document_type).is_some(),
                "{file}: unknown document type {}",
                req.document_type
            );
        }
        assert!(
            crate::teleservices::TELESERVICES
                .iter()
                .any(|(c, _)| *c == def.code),
            "{file}: not a téléservice of the catalogue"
        );
    }
}

#[test]
fn a_published_version_never_changes() {
    let published: Vec<(&str, &str)> = PUBLISHED
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once(' ').expect("`file digest`"))
        .collect();
    for (file, text) in SHIPPED_FILES {
        let digest = format!("{:x}", Sha256::digest(text.as_bytes()));
        match published.iter().find(|(f, _)| f == file) {
            Some((_, d)) => assert_eq!(
                *d, digest,
                "{file} changed after it was published: requests filed with it read it back. \
                 Copy it to the next version and change the copy."
            ),
            None => panic!("{file} is not in forms/published.txt; add the line: {file} {digest}"),
        }
    }
}

fn ctx() -> Context {
    let canteen = latest("school-canteen-registration").unwrap();
    let mut lists = std::collections::BTreeMap::new();
    for l in &canteen.lists {
        lists.insert(l.name.clone(), l.entries.clone());
    }
    let transport = latest("school-transport-registration").unwrap();
    lists.insert("transport_stops".into(), transport.lists[0].entries.clone());
    Context {
        lists,
        schools: vec![(11, "École des Tilleuls".into())],
        leisure_centres: vec![],
        adults: vec![(1, "Camille MARTIN".into())],
        children: vec![(2, "Léo MARTIN".into())],
        today: NaiveDate::from_ymd_opt(2026, 6, 2).unwrap(),
        documents: Vec::new(),
    }
}

fn input(pairs: &[(&str, &str)]) -> Input {
    Input::new(
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    )
}

fn names(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_step_is_read_into_typed_values() {
    let def = latest("school-canteen-registration").unwrap();
    let step = def.step("inscription").unwrap();
    let data = validate_step(
        step,
        &input(&[
            ("urgency_phone", "06.12.34.56.78"),
            ("canteen_days", "monday"),
            ("canteen_days", "friday"),
            ("canteen_days", "monday"),
            ("food_diet", "no-pork"),
            ("food_allergy", "oui"),
            ("which_food_allergy", "Arachide"),
        ]),
        &Map::new(),
        &ctx(),
    )
    .unwrap();
    assert_eq!(
        Value::Object(data),
        json!({
            "urgency_phone": "06 12 34 56 78",
            "canteen_days": ["monday", "friday"],
            "food_diet": "no-pork",
            "food_allergy": true,
            "which_food_allergy": "Arachide",
        })
    );
}

#[test]
fn a_hidden_field_is_neither_required_nor_kept() {
    let def = latest("school-canteen-registration").unwrap();
    let step = def.step("inscription").unwrap();
    let data = validate_step(
        step,
        &input(&[
            ("urgency_phone", "0612345678"),
            ("canteen_days", "monday"),
            ("food_diet", "standard"),
            ("food_allergy", "non"),
            ("which_food_allergy", "typed, then « non » was chosen"),
        ]),
        &Map::new(),
        &ctx(),
    )
    .unwrap();
    assert!(!data.contains_key("which_food_allergy"));
    // Shown when the answer is yes, and then required.
    let errors = validate_step(
        step,
        &input(&[
            ("urgency_phone", "0612345678"),
            ("canteen_days", "monday"),
            ("food_diet", "standard"),
            ("food_allergy", "oui"),
        ]),
        &Map::new(),
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(names(&errors), ["which_food_allergy"]);
}

#[test]
fn every_wrong_value_gets_its_message() {
    let def = latest("school-canteen-registration").unwrap();
    let step = def.step("inscription").unwrap();
    let errors = validate_step(
        step,
        &input(&[
            ("urgency_phone", "12"),
            ("canteen_days", "sunday"),
            ("food_diet", ""),
            ("food_allergy", "peut-être"),
        ]),
        &Map::new(),
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(
        names(&errors),
        ["urgency_phone", "canteen_days", "food_diet", "food_allergy"]
    );
    assert!(errors[0].message.contains("10 chiffres"));
    assert!(errors[1].message.contains("n’existe pas"));
    assert_eq!(errors[2].message, "faites un choix dans la liste");
}

#[test]
fn a_forged_name_is_refused_whole() {
    let def = latest("school-canteen-registration").unwrap();
    let step = def.step("inscription").unwrap();
    for forged in ["school", "urgency_phone.x", "doctor_name", "<script>"] {
        let errors = validate_step(
            step,
            &input(&[("urgency_phone", "0612345678"), (forged, "x")]),
            &Map::new(),
            &ctx(),
        )
        .unwrap_err();
        assert_eq!(names(&errors), [""], "{forged}");
        assert!(errors[0].message.contains("donnée inconnue"));
    }
}

#[test]
fn choices_of_the_foyer_and_referentials_only() {
    let def = latest("school-registration").unwrap();
    let admin = def.step("administration").unwrap();
    assert!(validate_step(admin, &input(&[("school", "11")]), &Map::new(), &ctx()).is_ok());
    for other in ["12", "abc", "-1"] {
        let e =
            validate_step(admin, &input(&[("school", other)]), &Map::new(), &ctx()).unwrap_err();
        assert_eq!(names(&e), ["school"]);
    }
}

#[test]
fn a_tree_offers_its_leaves_only() {
    let def = latest("school-transport-registration").unwrap();
    let step = def.step("transport").unwrap();
    let base = [("young_child", "non"), ("rules_acceptance", "oui")];
    let ok = [base[0], base[1], ("stop", "line-2-stade")];
    assert!(validate_step(step, &input(&ok), &Map::new(), &ctx()).is_ok());
    let heading = [base[0], base[1], ("stop", "line-2")];
    let e = validate_step(step, &input(&heading), &Map::new(), &ctx()).unwrap_err();
    assert_eq!(names(&e), ["stop"]);
}

#[test]
fn groups_drop_blank_rows_and_check_each_item() {
    let def = latest("school-transport-registration").unwrap();
    let step = def.step("transport").unwrap();
    let pairs = [
        ("stop", "line-1-gare"),
        ("young_child", "oui"),
        ("authorization", "WithThirdParty"),
        ("third_parties.0.last_name", "Durand"),
        ("third_parties.0.first_name", "Paul"),
        ("third_parties.0.phone", "0712345678"),
        ("third_parties.1.last_name", ""),
        ("third_parties.1.first_name", ""),
        ("third_parties.1.phone", ""),
        ("rules_acceptance", "oui"),
    ];
    let data = validate_step(step, &input(&pairs), &Map::new(), &ctx()).unwrap();
    assert_eq!(
        data["third_parties"],
        json!([{"last_name": "Durand", "first_name": "Paul", "phone": "07 12 34 56 78"}])
    );
    // Required once « with a person I authorise » is chosen.
    let without = [pairs[0], pairs[1], pairs[2], pairs[9]];
    let e = validate_step(step, &input(&without), &Map::new(), &ctx()).unwrap_err();
    assert_eq!(names(&e), ["third_parties"]);
    let half = [
        pairs[0],
        pairs[1],
        pairs[2],
        pairs[9],
        ("third_parties.0.last_name", "Durand"),
    ];
    let e = validate_step(step, &input(&half), &Map::new(), &ctx()).unwrap_err();
    assert_eq!(
        names(&e),
        ["third_parties.0.first_name", "third_parties.0.phone"]
    );
}

#[test]
fn dates_addresses_and_numbers() {
    let def = latest("birth-details").unwrap();
    let person = def.step("person").unwrap();
    let mut earlier = Map::new();
    earlier.insert("format".into(), json!("ExtractWithoutRelationship"));
    let future = [
        ("birth_last_name", "Martin"),
        ("birth_first_names", "Léo"),
        ("birth_date", "2027-01-01"),
        ("birth_city", "Arles"),
    ];
    let e = validate_step(person, &input(&future), &earlier, &ctx()).unwrap_err();
    assert_eq!(names(&e), ["birth_date"]);
    let typed = [
        future[0],
        future[1],
        ("birth_date", "02/06/2016"),
        future[3],
    ];
    let data = validate_step(person, &input(&typed), &earlier, &ctx()).unwrap();
    assert_eq!(data["birth_date"], json!("2016-06-02"));
    // The parents' names belong to the step but are asked for full copies and
    // extracts with filiation only: sent with another format, they are dropped.
    let with_father = [
        typed[0],
        typed[1],
        typed[2],
        typed[3],
        ("father_last_name", "X"),
    ];
    let data = validate_step(person, &input(&with_father), &earlier, &ctx()).unwrap();
    assert!(!data.contains_key("father_last_name"));

    let nature = def.step("nature").unwrap();
    let e = validate_step(
        nature,
        &input(&[
            ("requester_quality", "Requester"),
            ("format", "FullCopy"),
            ("copies", "0"),
            ("motive", "Passport"),
        ]),
        &Map::new(),
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(names(&e), ["copies"]);

    let bulky = latest("bulky-waste-collection").unwrap();
    let step = bulky.step("waste").unwrap();
    let mut c = ctx();
    c.lists
        .insert("bulky_waste_type".into(), bulky.lists[0].entries.clone());
    let e = validate_step(
        step,
        &input(&[
            ("waste_types", "sofa"),
            ("collection_address.street_name", "Rue de la Paix"),
            ("collection_address.postal_code", "ABCDE"),
        ]),
        &Map::new(),
        &c,
    )
    .unwrap_err();
    assert_eq!(
        names(&e),
        ["collection_address.postal_code", "collection_address.city"]
    );
}

#[test]
fn stored_data_reads_back_into_the_same_form() {
    let def = latest("school-canteen-registration").unwrap();
    let mut data = Map::new();
    for (step, pairs) in [
        (
            "inscription",
            vec![
                ("urgency_phone", "0612345678"),
                ("canteen_days", "tuesday"),
                ("food_diet", "vegetarian"),
                ("food_allergy", "oui"),
                ("which_food_allergy", "Œufs"),
            ],
        ),
        (
            "health",
            vec![
                ("doctor_phone", "01 23 45 67 89"),
                ("rules_acceptance", "oui"),
            ],
        ),
    ] {
        let step = def.step(step).unwrap();
        data.extend(validate_step(step, &input(&pairs), &data, &ctx()).unwrap());
    }
    assert_eq!(validate_data(def, &data, &ctx()), vec![]);
    let step = def.step("inscription").unwrap();
    let again = validate_step(step, &to_input(step, &data), &data, &ctx()).unwrap();
    assert_eq!(again["which_food_allergy"], json!("Œufs"));
    // A paramètre retired since: the stored data no longer passes.
    let mut c = ctx();
    c.lists
        .get_mut("food_diet")
        .unwrap()
        .retain(|e| e.key != "vegetarian");
    let errors = validate_data(def, &data, &c);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "inscription");
}

#[test]
fn the_definition_checker_names_what_is_wrong() {
    let mut def = latest("school-canteen-registration").unwrap().clone();
    def.steps[0].fields[4].show_if = Some(Condition {
        field: "doctor_name".into(),
        equals: Some(json!(true)),
        any_of: vec![],
        not: false,
    });
    def.steps[0].fields[0].options = vec![Choice {
        key: "x".into(),
        label: "x".into(),
        children: vec![],
    }];
    def.steps[1].fields[0].key = "Doctor Name".into();
    let problems = def.problems();
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn a_text_rule_says_its_own_message() {
    let mut def = latest("technical-intervention").unwrap().clone();
    let field = &mut def.steps[0].fields[1];
    field.rule = Some(TextRule {
        pattern: "^[A-Z]".into(),
        message: "commencez par une majuscule".into(),
    });
    field.show_if = None;
    assert_eq!(def.problems(), Vec::<String>::new());
    let step = &def.steps[0];
    let mut c = ctx();
    c.lists
        .insert("intervention_type".into(), def.lists[0].entries.clone());
    let base = [
        ("intervention_type", "pothole"),
        ("place.street_name", "Rue Gambetta"),
        ("place.postal_code", "13200"),
        ("place.city", "Arles"),
        ("description", "Un trou."),
    ];
    let mut bad = base.to_vec();
    bad.push(("other_intervention_label", "banc"));
    let e = validate_step(step, &input(&bad), &Map::new(), &c).unwrap_err();
    assert_eq!(names(&e), ["other_intervention_label"]);
    assert_eq!(e[0].message, "commencez par une majuscule");
    let mut good = base.to_vec();
    good.push(("other_intervention_label", "Banc"));
    assert!(validate_step(step, &input(&good), &Map::new(), &c).is_ok());
    // A rule that is no regular expression is refused by the checker.
    def.steps[0].fields[1].rule = Some(TextRule {
        pattern: "[".into(),
        message: "x".into(),
    });
    assert_eq!(def.problems().len(), 1);
}
