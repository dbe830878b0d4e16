//! Publishing a new version of a collectivité's own form carries its live
//! requests along: drafts and requests not yet decided move onto it where
//! their answers still fit (answers to questions gone set aside in the
//! history, a draft's step with a new question asked again); each request
//! that cannot move stays on its version, listed with why. Decided requests
//! keep the version they were decided on.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{context, members_of, now};
use crate::agents::Desk;
use crate::catalogue::{library, offer::offer_any, studio};
use crate::domain::forms::{self, Move};
use crate::domain::requests::{ActionKind, RequestState};
use crate::error::Error;
use crate::foyers;
use crate::history::{self, Actor, Line};
use crate::store::repo::requests as repo;
use crate::store::TenantTx;

/// What publishing did.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub version: u32,
    /// Requests now on the new version.
    pub moved: usize,
    /// Those left on theirs, with why.
    pub stayed: Vec<Stayed>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stayed {
    pub id: i64,
    pub number: Option<i64>,
    pub why: Vec<String>,
}

/// Publishes the working copy of `code` the author saw (`seen`, see
/// [`studio::publish`]) and carries the live requests along, in the
/// caller's transaction: the version and the moves land together.
pub fn publish(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    seen: i64,
) -> Result<Published, Error> {
    let version = studio::publish(tx, desk, code, seen)?;
    let mut done = Published {
        version,
        moved: 0,
        stayed: Vec::new(),
    };
    if version > 1 {
        carry(tx, desk, code, version, &mut done)?;
    }
    Ok(done)
}

fn carry(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    version: u32,
    done: &mut Published,
) -> Result<(), Error> {
    let new = library::find(tx, code, version)?.ok_or(Error::NotFound)?;
    let offer = offer_any(tx, code)?.ok_or(Error::NotFound)?;
    let actor = Actor {
        kind: "agent",
        id: Some(desk.agent_id),
        name: desk.name.clone(),
    };
    let states: Vec<&str> = RequestState::ALL
        .iter()
        .filter(|s| !s.decided())
        .map(|s| s.code())
        .collect();
    // The collectivité's lists and facilities, once; each foyer's members
    // are its own.
    let common = context(tx, &offer, None, true)?;
    for mut row in repo::of_form_before(tx, code, version as i32, &states)? {
        let stays = |why: Vec<String>| Stayed {
            id: row.id,
            number: row.number,
            why,
        };
        let Some(old) = library::find(tx, code, row.form_version as u32)? else {
            done.stayed.push(stays(vec![format!(
                "sa version {} est introuvable",
                row.form_version
            )]));
            continue;
        };
        let mut ctx = common.clone();
        if let Ok(foyer) = foyers::foyer(tx, row.household_id) {
            (ctx.adults, ctx.children) = members_of(&foyer);
        }
        let data: Map<String, Value> = serde_json::from_str(&row.data_json).unwrap_or_default();
        let steps: Vec<String> = row
            .steps_done
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let state = RequestState::parse(&row.state).unwrap_or(RequestState::Draft);
        let moved = match forms::carry(&old, &new, &data, &steps, &ctx) {
            Move::Stays(why) => {
                done.stayed.push(stays(why));
                continue;
            }
            // A request sent cannot be asked a question by its form any
            // more: an agent asks it (« incomplète »), or it stays.
            Move::Moved(m) if state != RequestState::Draft && !m.asked.is_empty() => {
                done.stayed.push(stays(
                    m.asked
                        .iter()
                        .map(|(_, title)| format!(
                            "l’étape « {title} » a une nouvelle question obligatoire : déclarez la demande incomplète pour la poser au foyer"
                        ))
                        .collect(),
                ));
                continue;
            }
            Move::Moved(m) => m,
        };
        let before = row.form_version;
        row.form_version = version as i32;
        row.data_json = Value::Object(moved.data.clone()).to_string();
        row.steps_done = moved.steps_done.join(",");
        row.updated_at = now();
        repo::update(tx, &row)?;
        let mut note =
            format!("Portée de la version {before} à la version {version} du formulaire.");
        if !moved.set_aside.is_empty() {
            let aside: Vec<String> = moved
                .set_aside
                .iter()
                .map(|(key, label, v)| match old.field(key) {
                    Some(f) => format!("« {label} » : {}", forms::text_of(f, v, &ctx)),
                    None => format!("« {label} » : {v}"),
                })
                .collect();
            note.push_str(&format!(
                " Réponses à des questions retirées, gardées ici : {}.",
                aside.join(" ; ")
            ));
        }
        history::write(
            tx,
            Line::Request {
                request: row.id,
                kind: ActionKind::Modification,
                actor: &actor,
                state,
                note: &note,
                public: false,
                snapshot: Some(
                    serde_json::json!({ "before": data, "after": moved.data }).to_string(),
                ),
            },
        )?;
        done.moved += 1;
    }
    Ok(())
}
