//! A person as a form gives it (name, civility, birth, contact, address),
//! checked with the household's rules or the counter's.

use super::*;

/// What a person typed in the account or member form, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub title: String,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: String,
    pub birth_city: String,
    pub sex: String,
    /// "non" for a child not yet born.
    pub born: String,
    pub email: String,
    pub mobile_phone: String,
    pub home_phone: String,
    pub office_phone: String,
    pub profession: String,
}

/// A person's checked data.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub adult: bool,
    pub title: Option<Title>,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<NaiveDate>,
    pub birth_city: String,
    pub sex: Option<Sex>,
    pub born: bool,
    pub email: String,
    pub mobile_phone: String,
    pub home_phone: String,
    pub office_phone: String,
    pub profession: String,
}

/// Checks an adult (`adult`) or a child; errors named after the fields.
pub fn check_person(
    form: &PersonForm,
    adult: bool,
    today: NaiveDate,
    checks: &mut Checks,
) -> Person {
    person_checked(form, adult, true, today, checks)
}

/// [`check_person`] at the counter: an adult's e-mail address may be left
/// out (a family without one lives at the counter).
pub fn check_person_at_counter(
    form: &PersonForm,
    adult: bool,
    today: NaiveDate,
    checks: &mut Checks,
) -> Person {
    person_checked(form, adult, false, today, checks)
}

/// [`check_person`]; an adult's e-mail address may be left out when
/// `email_required` is false (a foyer opened at the counter).
pub(super) fn person_checked(
    form: &PersonForm,
    adult: bool,
    email_required: bool,
    today: NaiveDate,
    checks: &mut Checks,
) -> Person {
    let mut p = Person {
        adult,
        last_name: checks.take("last_name", rules::last_name(&form.last_name)),
        born: form.born != "non",
        ..Person::default()
    };
    // A child not yet born may have no first name yet.
    if adult || p.born || !form.first_name.trim().is_empty() {
        p.first_name = checks.take("first_name", rules::first_name(&form.first_name));
    }
    let birth = form.birth_date.trim();
    if birth.is_empty() {
        if !adult {
            checks.add(
                "birth_date",
                "indiquez la date de naissance (prévue, si l’enfant n’est pas encore né)",
            );
        }
    } else {
        match crate::domain::forms::parse_date(birth) {
            None => checks.add(
                "birth_date",
                "date invalide : écrivez-la sous la forme jj/mm/aaaa",
            ),
            Some(d) if d.year_ce().1 < 1900 => {
                checks.add("birth_date", "cette date est trop ancienne")
            }
            Some(d) if d > today && (adult || p.born) => checks.add(
                "birth_date",
                "une date de naissance ne peut pas être dans le futur",
            ),
            Some(d) if d <= today && !adult && !p.born => checks.add(
                "birth_date",
                "pour un enfant à naître, indiquez la date prévue de naissance, dans le futur",
            ),
            Some(d) => p.birth_date = Some(d),
        }
    }
    p.birth_city = checks.take("birth_city", bounded(&form.birth_city, 45));
    if adult {
        p.title = Some(Title::parse(&form.title).unwrap_or(Title::Unknown));
        p.email = checks.take(
            "email",
            if email_required {
                crate::domain::contact::email(&form.email)
            } else {
                crate::domain::contact::optional_email(&form.email)
            },
        );
        let phones = [
            ("mobile_phone", &form.mobile_phone),
            ("home_phone", &form.home_phone),
            ("office_phone", &form.office_phone),
        ];
        let mut any = false;
        for (name, raw) in phones {
            if raw.trim().is_empty() {
                continue;
            }
            any = true;
            let value = checks.take(name, rules::french_phone(raw));
            match name {
                "mobile_phone" => p.mobile_phone = value,
                "home_phone" => p.home_phone = value,
                _ => p.office_phone = value,
            }
        }
        if !any {
            checks.add(
                "mobile_phone",
                "indiquez au moins un numéro de téléphone (portable, domicile ou travail)",
            );
        }
        p.profession = checks.take("profession", bounded(&form.profession, 100));
    } else if p.born {
        match Sex::parse(&form.sex) {
            Some(s) => p.sex = Some(s),
            None => checks.add(
                "sex",
                "indiquez s’il s’agit d’une fille ou d’un garçon (ou « non précisé »)",
            ),
        }
    }
    p
}

fn bounded(raw: &str, max: usize) -> Result<String, String> {
    let v = crate::domain::patterns::collapse_spaces(raw);
    if v.chars().count() > max {
        Err(format!("{max} caractères au plus"))
    } else if v.chars().any(char::is_control) {
        Err("les caractères de contrôle ne sont pas acceptés".into())
    } else {
        Ok(v)
    }
}

/// Reads an address from fields named `{prefix}street_name`…
pub fn check_address(get: impl Fn(&str) -> String, prefix: &str, checks: &mut Checks) -> Address {
    match Address::parse(|part| get(&format!("{prefix}{part}"))) {
        Ok(a) => a,
        Err(errors) => {
            for (part, message) in errors {
                checks.add(&format!("{prefix}{part}"), message);
            }
            Address::default()
        }
    }
}

pub(super) fn person_row(
    p: &Person,
    id: i64,
    household: i64,
    responsible: bool,
    state: UserState,
    at: NaiveDateTime,
) -> IndividualRow {
    IndividualRow {
        tenant_id: 0,
        id,
        household_id: household,
        kind: if p.adult { "adult" } else { "child" }.into(),
        responsible,
        state: state.code().into(),
        title: p.title.map(|t| t.code().to_owned()),
        last_name: p.last_name.clone(),
        first_name: p.first_name.clone(),
        name_key: text::search_key(&format!("{} {}", p.last_name, p.first_name)),
        birth_date: p.birth_date,
        birth_city: p.birth_city.clone(),
        sex: p.sex.map(|s| s.code().to_owned()),
        born: p.born,
        email: p.email.clone(),
        home_phone: p.home_phone.clone(),
        mobile_phone: p.mobile_phone.clone(),
        office_phone: p.office_phone.clone(),
        profession: p.profession.clone(),
        created_at: at,
        updated_at: at,
    }
}
