//! A foyer and its members: read, added, edited (each change in the
//! foyer's history, in words), moved, removed.

use super::*;

/// A member as the foyer's pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub adult: bool,
    pub responsible: bool,
    pub name: String,
    pub last_name: String,
    pub first_name: String,
    pub title: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_city: String,
    pub sex: Option<String>,
    pub born: bool,
    pub email: String,
    pub mobile_phone: String,
    pub home_phone: String,
    pub office_phone: String,
    pub profession: String,
    pub state: String,
    /// A child's legal responsibles: (adult's id, role code).
    pub responsibles: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Foyer {
    pub id: i64,
    pub state: String,
    pub enabled: bool,
    pub temporary: bool,
    pub address: Address,
    pub members: Vec<Member>,
}

impl Foyer {
    pub fn adults(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.adult)
    }

    pub fn children(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !m.adult)
    }

    pub fn member(&self, id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn responsible(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.responsible)
    }
}

/// The foyer and its members (archived ones left out).
pub fn foyer(tx: &mut TenantTx<'_>, household: i64) -> Result<Foyer, Error> {
    let row = repo::household(tx, household)?.ok_or(Error::NotFound)?;
    with_members(tx, row)
}

/// The foyer of member `individual` (none if no foyer has them).
pub fn foyer_of(tx: &mut TenantTx<'_>, individual: i64) -> Result<Option<Foyer>, Error> {
    match repo::household_of(tx, individual)? {
        Some(row) => with_members(tx, row).map(Some),
        None => Ok(None),
    }
}

fn with_members(tx: &mut TenantTx<'_>, row: repo::HouseholdRow) -> Result<Foyer, Error> {
    let household = row.id;
    let links = repo::responsibles(tx, household)?;
    let members = repo::members(tx, household)?
        .into_iter()
        .filter(|m| m.state != UserState::Archived.code())
        .map(|m| Member {
            responsibles: links
                .iter()
                .filter(|(child, _, _)| *child == m.id)
                .map(|(_, adult, role)| (*adult, role.clone()))
                .collect(),
            id: m.id,
            adult: m.kind == "adult",
            responsible: m.responsible,
            name: display_name(&m),
            last_name: m.last_name,
            first_name: m.first_name,
            title: m.title,
            birth_date: m.birth_date,
            birth_city: m.birth_city,
            sex: m.sex,
            born: m.born,
            email: m.email,
            mobile_phone: m.mobile_phone,
            home_phone: m.home_phone,
            office_phone: m.office_phone,
            profession: m.profession,
            state: m.state,
        })
        .collect();
    Ok(Foyer {
        id: row.id,
        state: row.state,
        enabled: row.enabled,
        temporary: row.temporary,
        address: serde_json::from_str(&row.address_json).unwrap_or_default(),
        members,
    })
}

/// A child's legal responsibles as chosen in the form: `responsible.{adult
/// id}` = role code (or empty).
pub fn check_responsibles(
    foyer: &Foyer,
    chosen: &[(String, String)],
    checks: &mut Checks,
) -> Vec<(i64, Parenthood)> {
    let mut out = Vec::new();
    for (name, role) in chosen {
        if role.is_empty() {
            continue;
        }
        let adult = name
            .strip_prefix("responsible.")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| foyer.adults().any(|a| a.id == *id));
        match (adult, Parenthood::parse(role)) {
            (Some(a), Some(r)) => out.push((a, r)),
            _ => {
                checks.add(
                    "responsibles",
                    "choisissez les responsables légaux parmi les adultes de votre foyer",
                );
                return Vec::new();
            }
        }
    }
    if let Err(e) = rules::check_responsibles(out.len()) {
        checks.add("responsibles", e);
    }
    out
}

/// Adds a member to the foyer; the foyer goes back to the agents as
/// « modifié » if it was validated.
pub fn add_member(
    tx: &mut TenantTx<'_>,
    household: i64,
    actor: &Actor,
    person: &Person,
    responsibles: &[(i64, Parenthood)],
) -> Result<i64, Error> {
    repo::lock_household(tx, household)?;
    let foyer = foyer(tx, household)?;
    check_links(&foyer, person, responsibles)?;
    let at = now();
    let id = tx.next_id()?;
    let row = person_row(person, id, household, false, UserState::New, at);
    repo::insert_individual(tx, &row)?;
    let links: Vec<(i64, &str)> = responsibles.iter().map(|(a, r)| (*a, r.code())).collect();
    repo::set_responsibles(tx, id, &links)?;
    touch_foyer(tx, &foyer, at, actor)?;
    let kind = if person.adult {
        "un adulte"
    } else {
        "un enfant"
    };
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household,
            individual: Some(id),
            change: crate::history::FoyerChange::Creation,
            actor,
            summary: format!("Ajout d’{kind} : {}", display_name(&row)),
            detail: None,
        },
    )?;
    Ok(id)
}

fn check_links(
    foyer: &Foyer,
    person: &Person,
    responsibles: &[(i64, Parenthood)],
) -> Result<(), Error> {
    if person.adult {
        return Ok(());
    }
    let mut checks = Checks::default();
    if responsibles
        .iter()
        .any(|(a, _)| !foyer.adults().any(|m| m.id == *a))
    {
        checks.add(
            "responsibles",
            "choisissez les responsables légaux parmi les adultes de votre foyer",
        );
    }
    if let Err(e) = rules::check_responsibles(responsibles.len()) {
        checks.add("responsibles", e);
    }
    checks.finish()
}

/// A state after `actor`'s change: the household's sends a validated one
/// back to the agents (« modifié »); an agent's, made at the counter, keeps it.
fn edited(state: UserState, actor: &Actor) -> UserState {
    if actor.kind == "agent" {
        state
    } else {
        state.after_household_edit()
    }
}

/// The foyer after `actor`'s change (its state, see [`edited`]).
fn touch_foyer(
    tx: &mut TenantTx<'_>,
    foyer: &Foyer,
    at: NaiveDateTime,
    actor: &Actor,
) -> Result<(), Error> {
    let state = UserState::parse(&foyer.state).unwrap_or(UserState::New);
    let address = serde_json::to_string(&foyer.address).expect("an address serialises");
    repo::update_household(tx, foyer.id, edited(state, actor).code(), &address, at)?;
    Ok(())
}

/// Changes a member; each changed field is kept in the history with its
/// value before and after.
pub fn edit_member(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    actor: &Actor,
    person: &Person,
    responsibles: &[(i64, Parenthood)],
) -> Result<(), Error> {
    repo::lock_household(tx, household)?;
    let before = repo::member(tx, household, id)?
        .filter(|m| m.state != UserState::Archived.code())
        .ok_or(Error::NotFound)?;
    let foyer = foyer(tx, household)?;
    let adult = before.kind == "adult";
    if adult != person.adult {
        return Err(Error::NotFound);
    }
    check_links(&foyer, person, responsibles)?;
    let at = now();
    let state = UserState::parse(&before.state).unwrap_or(UserState::New);
    let mut after = person_row(
        person,
        id,
        household,
        before.responsible,
        edited(state, actor),
        at,
    );
    after.created_at = before.created_at;
    let changes = changes(&before, &after);
    let links_before: Vec<(i64, String)> = foyer
        .member(id)
        .map(|m| m.responsibles.clone())
        .unwrap_or_default();
    let links_after: Vec<(i64, String)> = responsibles
        .iter()
        .map(|(a, r)| (*a, r.code().to_owned()))
        .collect();
    if changes.is_empty() && (adult || links_before == links_after) {
        return Ok(());
    }
    repo::update_individual(tx, &after)?;
    if !adult {
        let links: Vec<(i64, &str)> = responsibles.iter().map(|(a, r)| (*a, r.code())).collect();
        repo::set_responsibles(tx, id, &links)?;
    }
    if before.responsible && !before.email.is_empty() && after.email.is_empty() {
        return Err(crate::error::invalid(
            "email",
            "l’adresse électronique du responsable sert à se connecter au portail : remplacez-la, sans l’effacer",
        ));
    }
    if before.responsible && after.email.to_lowercase() != before.email.to_lowercase() {
        // The login follows the responsible's address, to be confirmed again.
        repo::set_login(tx, id, &after.email.to_lowercase())?;
    }
    touch_foyer(tx, &foyer, at, actor)?;
    let detail = serde_json::json!({ "fields": changes });
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household,
            individual: Some(id),
            change: crate::history::FoyerChange::Modification,
            actor,
            summary: format!("Modification de {}", display_name(&after)),
            detail: Some(detail.to_string()),
        },
    )?;
    Ok(())
}

/// The fields that differ: name, before, after.
fn changes(a: &IndividualRow, b: &IndividualRow) -> Vec<serde_json::Value> {
    let pairs: [(&str, String, String); 12] = [
        (
            "Civilité",
            a.title.clone().unwrap_or_default(),
            b.title.clone().unwrap_or_default(),
        ),
        ("Nom", a.last_name.clone(), b.last_name.clone()),
        ("Prénom", a.first_name.clone(), b.first_name.clone()),
        (
            "Date de naissance",
            fmt_date(a.birth_date),
            fmt_date(b.birth_date),
        ),
        (
            "Lieu de naissance",
            a.birth_city.clone(),
            b.birth_city.clone(),
        ),
        (
            "Sexe",
            a.sex.clone().unwrap_or_default(),
            b.sex.clone().unwrap_or_default(),
        ),
        ("Naissance", birth(a.born), birth(b.born)),
        ("Courriel", a.email.clone(), b.email.clone()),
        (
            "Téléphone portable",
            a.mobile_phone.clone(),
            b.mobile_phone.clone(),
        ),
        (
            "Téléphone du domicile",
            a.home_phone.clone(),
            b.home_phone.clone(),
        ),
        (
            "Téléphone du travail",
            a.office_phone.clone(),
            b.office_phone.clone(),
        ),
        ("Profession", a.profession.clone(), b.profession.clone()),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(name, from, to)| serde_json::json!({ "field": name, "from": from, "to": to }))
        .collect()
}

/// Whether the person is born, as the history says it.
fn birth(born: bool) -> String {
    if born { "a eu lieu" } else { "attendue" }.to_owned()
}

fn fmt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// Changes the foyer's address.
pub fn edit_address(
    tx: &mut TenantTx<'_>,
    household: i64,
    actor: &Actor,
    address: &Address,
) -> Result<(), Error> {
    repo::lock_household(tx, household)?;
    let mut foyer = foyer(tx, household)?;
    if foyer.address == *address {
        return Ok(());
    }
    let detail = serde_json::json!({ "fields": [{
        "field": "Adresse", "from": foyer.address.one_line(), "to": address.one_line()
    }] });
    foyer.address = address.clone();
    touch_foyer(tx, &foyer, now(), actor)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household,
            individual: None,
            change: crate::history::FoyerChange::Modification,
            actor,
            summary: "Modification de l’adresse".into(),
            detail: Some(detail.to_string()),
        },
    )?;
    Ok(())
}

/// Removes a member from the foyer (kept, archived, for the requests that
/// name them). Not the responsible, nor the only legal responsible of a child.
pub fn remove_member(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    actor: &Actor,
) -> Result<(), Error> {
    repo::lock_household(tx, household)?;
    let foyer = foyer(tx, household)?;
    let member = foyer.member(id).ok_or(Error::NotFound)?;
    if member.responsible {
        return Err(Error::Refused(
            "le responsable du foyer ne peut pas être retiré : il est le titulaire du compte"
                .into(),
        ));
    }
    let orphans: Vec<&str> = foyer
        .children()
        .filter(|c| c.responsibles.len() == 1 && c.responsibles[0].0 == id)
        .map(|c| c.first_name.as_str())
        .collect();
    if !orphans.is_empty() {
        return Err(Error::Refused(format!(
            "{} est le seul responsable légal de {} : désignez d’abord un autre responsable",
            member.name,
            orphans.join(", ")
        )));
    }
    let at = now();
    let mut row = repo::member(tx, household, id)?.ok_or(Error::NotFound)?;
    row.state = UserState::Archived.code().into();
    row.updated_at = at;
    repo::update_individual(tx, &row)?;
    // Roles to and from an archived person are removed.
    repo::set_responsibles(tx, id, &[])?;
    for child in foyer.children() {
        if child.responsibles.iter().any(|(a, _)| *a == id) {
            let kept: Vec<(i64, &str)> = child
                .responsibles
                .iter()
                .filter(|(a, _)| *a != id)
                .map(|(a, r)| (*a, r.as_str()))
                .collect();
            repo::set_responsibles(tx, child.id, &kept)?;
        }
    }
    touch_foyer(tx, &foyer, at, actor)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household,
            individual: Some(id),
            change: crate::history::FoyerChange::Deletion,
            actor,
            summary: format!("Retrait de {}", member.name),
            detail: None,
        },
    )?;
    Ok(())
}
