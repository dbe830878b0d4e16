//! The foyer's forms, as households fill them in the portal and agents at
//! the counter: the address, a member (an adult, or a child with their
//! legal responsibles). One form, one check, for both planes.

use guichet_core::domain::foyer::{Parenthood, Sex, Title};
use guichet_core::domain::time;
use guichet_core::error::{Checks, Error};
use guichet_core::foyers::{Foyer, Member};

use super::forms::{person_form, Field, Form, Pairs, Section};
use super::steps::address_fields;
use super::AppError;

/// The foyer's address form, sent to `action`.
pub fn address_form(action: &str, csrf_token: String, get: impl Fn(&str) -> String) -> Form {
    let fields = address_fields("address", get, true, true);
    Form::new(
        action,
        csrf_token,
        "Enregistrer l’adresse",
        vec![Section::plain(fields)],
    )
    .with_id("adresse")
}

/// The address form's values, from the foyer.
pub fn address_values(foyer: &Foyer) -> impl Fn(&str) -> String + '_ {
    move |name: &str| {
        let a = &foyer.address;
        match name.strip_prefix("address.").unwrap_or("") {
            "adi" => a.adi.clone(),
            "agi" => a.agi.clone(),
            "street_number" => a.street_number.clone(),
            "street_name" => a.street_name.clone(),
            "pns" => a.pns.clone(),
            "postal_code" => a.postal_code.clone(),
            "city" => a.city.clone(),
            "country" => a.country.clone(),
            _ => String::new(),
        }
    }
}

/// `adulte` or `enfant` in a path.
pub fn is_adult(kind: &str) -> Result<bool, AppError> {
    match kind {
        "adulte" => Ok(true),
        "enfant" => Ok(false),
        _ => Err(AppError::NotFound),
    }
}

/// The member form, filled with `get`'s values; `cancel` is where the
/// form's « Annuler » leads.
#[allow(clippy::too_many_arguments)]
pub fn member_form(
    action: &str,
    cancel: &str,
    csrf_token: String,
    adult: bool,
    foyer: &Foyer,
    get: &dyn Fn(&str) -> String,
    submit: &str,
) -> Form {
    let mut fields = Vec::new();
    if adult {
        let title = get("title");
        fields.push(Field::radios(
            "title",
            "Civilité",
            Title::ALL
                .into_iter()
                .map(|t| (t.code().to_owned(), t.label().to_owned(), title == t.code()))
                .collect(),
        ));
    } else {
        let born = get("born") != "non";
        fields.push(Field::radios(
            "born",
            "L’enfant est-il né ?",
            vec![
                ("oui".into(), "Oui".into(), born),
                ("non".into(), "Pas encore : naissance à venir".into(), !born),
            ],
        ));
    }
    fields.push(Field::text("last_name", "Nom", &get("last_name")));
    let first = Field::text("first_name", "Prénom", &get("first_name"));
    fields.push(if adult {
        first
    } else {
        first.hint("Facultatif pour un enfant à naître.")
    });
    let birth = Field::date("birth_date", "Date de naissance", &get("birth_date"));
    fields.push(if adult {
        birth.optional()
    } else {
        birth.hint("Pour un enfant à naître, la date prévue.")
    });
    fields.push(Field::text("birth_city", "Commune de naissance", &get("birth_city")).optional());
    if adult {
        fields.push(Field::email("email", "Adresse électronique", &get("email")));
        fields.push(
            Field::tel("mobile_phone", "Téléphone portable", &get("mobile_phone"))
                .hint("Au moins un des trois numéros."),
        );
        fields.push(Field::tel(
            "home_phone",
            "Téléphone du domicile",
            &get("home_phone"),
        ));
        fields.push(Field::tel(
            "office_phone",
            "Téléphone du travail",
            &get("office_phone"),
        ));
        fields.push(Field::text("profession", "Profession", &get("profession")).optional());
    } else {
        let sex = get("sex");
        fields.push(
            Field::radios(
                "sex",
                "Sexe",
                Sex::ALL
                    .into_iter()
                    .map(|s| (s.code().to_owned(), s.label().to_owned(), sex == s.code()))
                    .collect(),
            )
            .hint("Pour un enfant à naître, vous pouvez laisser ce choix vide."),
        );
    }
    let mut sections = vec![Section::plain(fields)];
    if !adult {
        let responsibles = foyer
            .adults()
            .map(|a| {
                let name = format!("responsible.{}", a.id);
                let chosen = get(&name);
                let mut options = vec![(
                    String::new(),
                    "Pas responsable légal".to_owned(),
                    chosen.is_empty(),
                )];
                options.extend(Parenthood::ALL.into_iter().map(|r| {
                    (
                        r.code().to_owned(),
                        r.label().to_owned(),
                        chosen == r.code(),
                    )
                }));
                Field::select(&name, &a.name, options)
            })
            .collect();
        sections.push(Section::titled(
            "Responsables légaux",
            Some("Choisissez, parmi les adultes du foyer, un à trois responsables légaux de l’enfant."),
            responsibles,
        ));
    }
    Form::new(action, csrf_token, submit, sections).cancel(cancel, "Annuler")
}

/// Checks a member form: the person and, for a child, the responsibles.
/// `at_counter`: an agent types it, and an adult's e-mail may be left out.
pub fn check_member(
    p: &Pairs,
    adult: bool,
    foyer: &Foyer,
    at_counter: bool,
) -> Result<(guichet_core::foyers::Person, Vec<(i64, Parenthood)>), Error> {
    let mut checks = Checks::default();
    let check = if at_counter {
        guichet_core::foyers::check_person_at_counter
    } else {
        guichet_core::foyers::check_person
    };
    let person = check(&person_form(p), adult, time::today(), &mut checks);
    let responsibles = if adult {
        Vec::new()
    } else {
        let chosen: Vec<(String, String)> =
            p.0.iter()
                .filter(|(k, _)| k.starts_with("responsible."))
                .cloned()
                .collect();
        guichet_core::foyers::check_responsibles(foyer, &chosen, &mut checks)
    };
    checks.finish()?;
    Ok((person, responsibles))
}

/// The member form's values, from the member.
pub fn member_values(m: &Member) -> impl Fn(&str) -> String + '_ {
    move |k: &str| match k {
        "title" => m.title.clone().unwrap_or_default(),
        "last_name" => m.last_name.clone(),
        "first_name" => m.first_name.clone(),
        "birth_date" => m.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        "birth_city" => m.birth_city.clone(),
        "sex" => m.sex.clone().unwrap_or_default(),
        "born" => {
            if m.born {
                "oui".into()
            } else {
                "non".into()
            }
        }
        "email" => m.email.clone(),
        "mobile_phone" => m.mobile_phone.clone(),
        "home_phone" => m.home_phone.clone(),
        "office_phone" => m.office_phone.clone(),
        "profession" => m.profession.clone(),
        other => other
            .strip_prefix("responsible.")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| m.responsibles.iter().find(|(a, _)| *a == id))
            .map(|(_, r)| r.clone())
            .unwrap_or_default(),
    }
}

/// A member form's refusal as the form shows it: the responsibles' errors
/// go to the first select of their section.
pub fn member_refusal(e: AppError, foyer: &Foyer) -> AppError {
    match e {
        AppError::Invalid(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    if f.field == "responsibles" {
                        if let Some(a) = foyer.adults().next() {
                            f.field = format!("responsible.{}", a.id);
                        }
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}
