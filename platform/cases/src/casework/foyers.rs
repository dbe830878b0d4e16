//! Foyers as agents see them: the search, a foyer's page, its state
//! (`userWorkflow`) and its account (enabled or not), each change kept in the
//! foyer's history.

use chrono::Utc;
use serde::Serialize;

use super::{Case, Query};
use crate::agents::Desk;
use crate::domain::foyer::{Side, UserState};
use crate::domain::{text, time};
use crate::error::{Checks, Error};
use crate::foyers as households;
use crate::history::Actor;
use crate::justificatifs::{self, Justificatif};
use crate::store::repo::foyers::{self as repo, MemberFilter};
use crate::store::TenantTx;

/// The foyer, if within the agent's reach ([`Desk::foyer_scope`]).
fn reached(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<households::Foyer, Error> {
    seen(desk)?;
    if let Some(categories) = desk.foyer_scope() {
        let theirs = repo::request_categories(tx, id)?;
        if !theirs.iter().flatten().any(|c| categories.contains(c)) {
            return Err(Error::NotFound);
        }
    }
    foyer_of(tx, id)
}

fn seen(desk: &Desk) -> Result<(), Error> {
    if desk.may_see_foyers() {
        Ok(())
    } else {
        Err(Error::Refused(
            "votre compte ne donne accès à aucune catégorie de téléservices : les foyers ne vous sont pas ouverts".into(),
        ))
    }
}

/// A search of foyers, as its URL says it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FoyerQuery {
    pub nom: String,
    pub foyer: String,
    /// `oui`: the responsible adults only.
    pub responsables: String,
    pub etat: String,
    /// `actif` or `desactive`.
    pub compte: String,
    /// `nom` (default) or `foyer` (the newest foyers first).
    pub tri: String,
}

impl FoyerQuery {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> FoyerQuery {
        let mut q = FoyerQuery::default();
        for (k, v) in pairs {
            let v = v.trim().to_owned();
            match k {
                "nom" => q.nom = v,
                "foyer" => q.foyer = v,
                "responsables" => q.responsables = v,
                "etat" => q.etat = v,
                "compte" => q.compte = v,
                "tri" => q.tri = v,
                _ => {}
            }
        }
        q
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FoyerLine {
    pub foyer: i64,
    pub name: String,
    pub responsible: bool,
    pub adult: bool,
    pub state: &'static str,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FoyersFound {
    pub lines: Vec<FoyerLine>,
    pub count: i64,
    /// More were found than the page shows: the search should narrow.
    pub more: bool,
}

pub const FOYERS_PAGE: i64 = 100;

pub fn search_foyers(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    q: &FoyerQuery,
) -> Result<FoyersFound, Error> {
    seen(desk)?;
    let mut checks = Checks::default();
    let household = match q.foyer.as_str() {
        "" => None,
        v => match v.parse::<i64>().ok().filter(|n| *n > 0) {
            Some(n) => Some(n),
            None => {
                checks.add("foyer", "indiquez un numéro de foyer (des chiffres)");
                None
            }
        },
    };
    let state = match q.etat.as_str() {
        "" => None,
        v => match UserState::parse(v) {
            Some(s) => Some(s.code().to_owned()),
            None => {
                checks.add("etat", "choisissez un état de la liste");
                None
            }
        },
    };
    let enabled = match q.compte.as_str() {
        "" => None,
        "actif" => Some(true),
        "desactive" => Some(false),
        _ => {
            checks.add("compte", "choisissez « actif » ou « désactivé »");
            None
        }
    };
    let responsible_only = match q.responsables.as_str() {
        "" => false,
        "oui" => true,
        _ => {
            checks.add("responsables", "cochez la case, ou laissez-la vide");
            false
        }
    };
    let by_foyer = match q.tri.as_str() {
        "" | "nom" => false,
        "foyer" => true,
        _ => {
            checks.add("tri", "choisissez un tri de la liste");
            false
        }
    };
    checks.finish()?;
    let filter = MemberFilter {
        name: Some(text::search_key(&q.nom)).filter(|n| !n.is_empty()),
        household,
        responsible_only,
        state,
        enabled,
        categories: desk.foyer_scope(),
    };
    let mut lines = repo::search_members(tx, &filter, by_foyer, FOYERS_PAGE + 1)?;
    let more = lines.len() as i64 > FOYERS_PAGE;
    lines.truncate(FOYERS_PAGE as usize);
    Ok(FoyersFound {
        count: repo::count_members(tx, &filter)?,
        more,
        lines: lines
            .into_iter()
            .map(|m| FoyerLine {
                foyer: m.household_id,
                name: format!("{} {}", m.first_name, m.last_name)
                    .trim()
                    .to_owned(),
                responsible: m.responsible,
                adult: m.kind == "adult",
                state: UserState::parse(&m.household_state).map_or("", UserState::label),
                enabled: m.enabled,
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub name: String,
    pub adult: bool,
    pub responsible: bool,
    pub birth: String,
    pub email: String,
    pub phones: String,
    pub state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FoyerEvent {
    pub at: String,
    pub summary: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FoyerMove {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FoyerView {
    pub id: i64,
    pub state: &'static str,
    pub enabled: bool,
    pub address: String,
    pub members: Vec<MemberView>,
    /// Its requests within the agent's reach.
    pub requests: Vec<Case>,
    pub documents: Vec<Justificatif>,
    pub history: Vec<FoyerEvent>,
    pub moves: Vec<FoyerMove>,
    pub may_change: bool,
    /// The agent serves the counter: they file requests for the foyer and
    /// keep its members and address, as the household would.
    pub at_counter: bool,
    /// The members as the counter edits them.
    pub editable: Vec<EditableMember>,
}

/// A member, with what the counter may do of them.
#[derive(Debug, Clone, Serialize)]
pub struct EditableMember {
    pub id: i64,
    pub name: String,
    pub removable: bool,
}

fn foyer_of(tx: &mut TenantTx<'_>, id: i64) -> Result<households::Foyer, Error> {
    let foyer = households::foyer(tx, id)?;
    if foyer.temporary {
        // Made for one request filed without an account: not a foyer to manage.
        return Err(Error::NotFound);
    }
    Ok(foyer)
}

pub fn foyer(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<FoyerView, Error> {
    let foyer = reached(tx, desk, id)?;
    let state = UserState::parse(&foyer.state).unwrap_or(UserState::New);
    let may_change = desk.may_change(tx, id)?;
    let requests = super::search(
        tx,
        desk,
        &Query {
            foyer: id.to_string(),
            tri: "recentes".into(),
            ..Query::default()
        },
    )?
    .cases;
    let history = households::history(tx, id)?
        .into_iter()
        .map(|e| FoyerEvent {
            at: time::datetime_fr(e.occurred_at),
            summary: e.summary,
            by: e.actor_name,
        })
        .collect();
    Ok(FoyerView {
        id,
        state: state.label(),
        enabled: foyer.enabled,
        address: foyer.address.one_line(),
        members: foyer
            .members
            .iter()
            .map(|m| MemberView {
                name: m.name.clone(),
                adult: m.adult,
                responsible: m.responsible,
                birth: m.birth_date.map(time::date_fr).unwrap_or_default(),
                email: m.email.clone(),
                phones: [&m.mobile_phone, &m.home_phone, &m.office_phone]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                state: UserState::parse(&m.state).map_or("", UserState::label),
            })
            .collect(),
        requests,
        documents: justificatifs::of_foyer(tx, id)?,
        history,
        at_counter: desk.serves_the_counter(),
        editable: foyer
            .members
            .iter()
            .map(|m| EditableMember {
                id: m.id,
                name: m.name.clone(),
                removable: !m.responsible,
            })
            .collect(),
        moves: if may_change {
            UserState::ALL
                .into_iter()
                .filter(|to| state.may_become(*to, Side::Agent))
                .map(|to| FoyerMove {
                    code: to.code(),
                    label: to.label(),
                })
                .collect()
        } else {
            Vec::new()
        },
        may_change,
    })
}

fn changer(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<Actor, Error> {
    reached(tx, desk, id)?;
    if !desk.may_change(tx, id)? {
        return Err(Error::Refused(
            "votre droit permet de consulter ce foyer, pas de le modifier : il faut pouvoir traiter une de ses demandes".into(),
        ));
    }
    Ok(Actor {
        kind: "agent",
        id: Some(desk.agent_id),
        name: desk.name.clone(),
    })
}

/// Moves the foyer along `userWorkflow` (validate, invalidate, archive).
pub fn set_state(tx: &mut TenantTx<'_>, desk: &Desk, id: i64, to: &str) -> Result<(), Error> {
    repo::lock_household(tx, id)?;
    let actor = changer(tx, desk, id)?;
    foyer_of(tx, id)?;
    let row = repo::household(tx, id)?.ok_or(Error::NotFound)?;
    let from = UserState::parse(&row.state).unwrap_or(UserState::New);
    let to = UserState::parse(to).ok_or_else(|| {
        crate::error::invalid("to", "choisissez le nouvel état parmi ceux proposés")
    })?;
    if !from.may_become(to, Side::Agent) {
        return Err(Error::Refused(format!(
            "un foyer « {} » ne peut pas devenir « {} »",
            from.label(),
            to.label()
        )));
    }
    repo::update_household(tx, id, to.code(), &row.address_json, Utc::now().naive_utc())?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household: id,
            individual: None,
            change: crate::history::FoyerChange::StateChange,
            actor: &actor,
            summary: format!("Foyer {} par la mairie", to.label()),
            detail: None,
        },
    )?;
    Ok(())
}

/// Enables or disables the foyer's account: a disabled account cannot sign
/// in, and is told whom to contact.
pub fn set_enabled(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    enabled: bool,
) -> Result<(), Error> {
    repo::lock_household(tx, id)?;
    let actor = changer(tx, desk, id)?;
    let foyer = foyer_of(tx, id)?;
    if foyer.enabled == enabled {
        return Ok(());
    }
    repo::set_household_enabled(tx, id, enabled)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household: id,
            individual: None,
            change: crate::history::FoyerChange::StateChange,
            actor: &actor,
            summary: if enabled {
                "Compte réactivé par la mairie".to_owned()
            } else {
                "Compte désactivé par la mairie".to_owned()
            },
            detail: None,
        },
    )?;
    Ok(())
}

/// The agent at the counter, for the foyer's history; refused to those who
/// do not serve it.
fn at_counter(tx: &mut TenantTx<'_>, desk: &Desk, id: i64) -> Result<Actor, Error> {
    reached(tx, desk, id)?;
    if !desk.serves_the_counter() {
        return Err(Error::Refused(
            "votre droit permet de consulter ce foyer, pas de modifier ses membres ni son adresse"
                .into(),
        ));
    }
    Ok(Actor {
        kind: "agent",
        id: Some(desk.agent_id),
        name: desk.name.clone(),
    })
}

/// The foyer and one of its members, as the counter edits them.
pub fn member_at_counter(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    member: i64,
) -> Result<(households::Foyer, households::Member), Error> {
    at_counter(tx, desk, id)?;
    let foyer = foyer_of(tx, id)?;
    let m = foyer.member(member).cloned().ok_or(Error::NotFound)?;
    Ok((foyer, m))
}

/// The foyer, as the counter edits it.
pub fn foyer_at_counter(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
) -> Result<households::Foyer, Error> {
    at_counter(tx, desk, id)?;
    foyer_of(tx, id)
}

/// At the counter: a member added, with the household's own checks; in the
/// foyer's history under the agent's name.
pub fn add_member(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    person: &households::Person,
    responsibles: &[(i64, crate::domain::foyer::Parenthood)],
) -> Result<i64, Error> {
    let actor = at_counter(tx, desk, id)?;
    households::add_member(tx, id, &actor, person, responsibles)
}

/// At the counter: a member changed.
pub fn edit_member(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    member: i64,
    person: &households::Person,
    responsibles: &[(i64, crate::domain::foyer::Parenthood)],
) -> Result<(), Error> {
    let actor = at_counter(tx, desk, id)?;
    households::edit_member(tx, id, member, &actor, person, responsibles)
}

/// At the counter: a member removed (archived).
pub fn remove_member(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    member: i64,
) -> Result<(), Error> {
    let actor = at_counter(tx, desk, id)?;
    households::remove_member(tx, id, member, &actor)
}

/// At the counter: the foyer's address changed.
pub fn edit_address(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    address: &crate::domain::foyer::Address,
) -> Result<(), Error> {
    let actor = at_counter(tx, desk, id)?;
    households::edit_address(tx, id, &actor, address)
}
