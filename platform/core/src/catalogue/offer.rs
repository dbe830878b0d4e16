//! A collectivité's téléservices as the portal offers them: online or not,
//! their seasons (registration windows that never overlap), their forms with
//! the choice lists they draw from, the justificatifs they ask.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::library::{self, Form};
use crate::domain::forms::{Choice, FormDefinition};
use crate::domain::justificatifs as doctypes;
use crate::domain::requests::SeasonDates;
use crate::domain::time;
use crate::error::Error;
use crate::store::repo::offer::{self, EntryRow, RequirementRow, SeasonRow, TeleserviceRow};
use crate::store::TenantTx;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Puts a téléservice online (it must have a form) or takes it off.
pub fn set_online(tx: &mut TenantTx<'_>, code: &str, online: bool) -> Result<(), Error> {
    let t = offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    if online && library::latest(tx, code)?.is_none() {
        return Err(Error::Refused(format!(
            "« {} » n’a pas encore de formulaire en ligne",
            t.label
        )));
    }
    offer::set_active(tx, t.id, online)?;
    Ok(())
}

/// Adds a season to a seasonal téléservice: its dates in order, its label
/// unique, its registration window apart from the others'.
pub fn add_season(
    tx: &mut TenantTx<'_>,
    code: &str,
    label: &str,
    d: SeasonDates,
) -> Result<i64, Error> {
    let t = offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    if !library::latest(tx, code)?.is_some_and(|f| f.seasonal) {
        return Err(Error::Refused(format!(
            "« {} » n’a pas de saisons",
            t.label
        )));
    }
    let label =
        crate::domain::contact::label(label, 100).map_err(|m| crate::error::invalid("label", m))?;
    d.check()
        .map_err(|m| crate::error::invalid("registration_start", m))?;
    // Two seasons added at once take turns: each sees the other's window.
    offer::lock(tx, t.id)?;
    apart(tx, t.id, None, &label, &d)?;
    let id = tx.next_id()?;
    offer::insert_season(
        tx,
        &SeasonRow {
            tenant_id: 0,
            id,
            teleservice_id: t.id,
            label,
            registration_start: d.registration_start,
            registration_end: d.registration_end,
            validation_start: d.validation_start,
            effect_start: d.effect_start,
            effect_end: d.effect_end,
            created_at: Utc::now().naive_utc(),
        },
    )?;
    Ok(id)
}

/// The season's label and dates set apart from the type's other seasons:
/// another name, and neither registrations nor period overlapping.
fn apart(
    tx: &mut TenantTx<'_>,
    teleservice: i64,
    itself: Option<i64>,
    label: &str,
    d: &SeasonDates,
) -> Result<(), Error> {
    for other in offer::seasons(tx, Some(teleservice))? {
        if Some(other.id) == itself {
            continue;
        }
        if other.label.eq_ignore_ascii_case(label) {
            return Err(crate::error::invalid(
                "label",
                "une saison porte déjà ce nom",
            ));
        }
        if dates(&other).overlaps(d) {
            return Err(crate::error::invalid(
                "registration_start",
                format!(
                    "cette saison chevaucherait « {} » ({}, du {} au {}) : ni les inscriptions ni les périodes de deux saisons ne se recouvrent ; choisissez d’autres dates",
                    other.label,
                    dates(&other).window_fr().to_lowercase(),
                    crate::domain::time::date_fr(other.effect_start),
                    crate::domain::time::date_fr(other.effect_end)
                ),
            ));
        }
    }
    Ok(())
}

/// Changes a season: refused once it has ended; its registration start
/// (end) can no longer move once passed; the same rules as a new one.
pub fn change_season(
    tx: &mut TenantTx<'_>,
    code: &str,
    id: i64,
    label: &str,
    d: SeasonDates,
    today: chrono::NaiveDate,
) -> Result<(), Error> {
    let t = offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    offer::lock(tx, t.id)?;
    let before = offer::seasons(tx, Some(t.id))?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(Error::NotFound)?;
    if before.effect_end < today {
        return Err(Error::Refused(format!(
            "la saison « {} » est terminée : elle ne se modifie plus",
            before.label
        )));
    }
    if before.registration_start < today && d.registration_start != before.registration_start {
        return Err(crate::error::invalid(
            "registration_start",
            "les inscriptions ont déjà ouvert : leur date d’ouverture ne change plus",
        ));
    }
    if before.registration_end < today && d.registration_end != before.registration_end {
        return Err(crate::error::invalid(
            "registration_end",
            "les inscriptions sont déjà fermées : leur date de fermeture ne change plus",
        ));
    }
    let label =
        crate::domain::contact::label(label, 100).map_err(|m| crate::error::invalid("label", m))?;
    d.check()
        .map_err(|m| crate::error::invalid("registration_start", m))?;
    apart(tx, t.id, Some(id), &label, &d)?;
    offer::update_season(
        tx,
        &SeasonRow {
            label,
            registration_start: d.registration_start,
            registration_end: d.registration_end,
            validation_start: d.validation_start,
            effect_start: d.effect_start,
            effect_end: d.effect_end,
            ..before
        },
    )?;
    Ok(())
}

/// Deletes a season no request was filed on (drafts included).
pub fn delete_season(tx: &mut TenantTx<'_>, code: &str, id: i64) -> Result<(), Error> {
    let t = offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    offer::lock(tx, t.id)?;
    let season = offer::seasons(tx, Some(t.id))?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(Error::NotFound)?;
    if offer::season_used(tx, id)? {
        return Err(Error::Refused(format!(
            "des demandes ont été faites sur la saison « {} » : elle ne se supprime pas",
            season.label
        )));
    }
    offer::delete_season(tx, id)?;
    Ok(())
}

/// A téléservice offered online: the collectivité's row and its form.
#[derive(Debug, Clone)]
pub struct Offer {
    pub teleservice: TeleserviceRow,
    pub form: Form,
    pub seasons: Vec<SeasonRow>,
    /// The justificatifs set for it (none until it is first used: then its
    /// form's defaults count, see [`asked`]).
    pub requirements: Vec<RequirementRow>,
}

impl Offer {
    /// The season whose registration is open on `day` (windows never overlap).
    pub fn open_season(&self, day: NaiveDate) -> Option<&SeasonRow> {
        self.seasons.iter().find(|s| dates(s).open_on(day))
    }

    pub fn next_season(&self, day: NaiveDate) -> Option<&SeasonRow> {
        self.seasons.iter().find(|s| s.registration_start > day)
    }

    /// Why it cannot be filed on `day`, if it cannot.
    pub fn closed_reason(&self, day: NaiveDate) -> Option<String> {
        if !self.form.seasonal || self.open_season(day).is_some() {
            return None;
        }
        Some(match self.next_season(day) {
            Some(next) => format!(
                "Les inscriptions sont fermées. Elles ouvriront le {}.",
                time::date_fr(next.registration_start)
            ),
            None => "Les inscriptions sont fermées pour le moment.".into(),
        })
    }
}

pub fn dates(s: &SeasonRow) -> SeasonDates {
    SeasonDates {
        registration_start: s.registration_start,
        registration_end: s.registration_end,
        validation_start: s.validation_start,
        effect_start: s.effect_start,
        effect_end: s.effect_end,
    }
}

/// The téléservices of the collectivité that can be filed online: active,
/// with a form.
pub fn offers(tx: &mut TenantTx<'_>) -> Result<Vec<Offer>, Error> {
    // Three queries whatever the number of téléservices.
    let seasons = offer::seasons(tx, None)?;
    let requirements = offer::requirements(tx, None)?;
    let mut out = Vec::new();
    for t in offer::teleservices(tx)?.into_iter().filter(|t| t.active) {
        let Some(form) = library::latest(tx, &t.code)? else {
            continue;
        };
        out.push(Offer {
            seasons: seasons
                .iter()
                .filter(|s| s.teleservice_id == t.id)
                .cloned()
                .collect(),
            requirements: requirements
                .iter()
                .filter(|r| r.teleservice_id == t.id)
                .cloned()
                .collect(),
            teleservice: t,
            form,
        });
    }
    Ok(out)
}

/// One téléservice offered online, by code.
pub fn offer(tx: &mut TenantTx<'_>, code: &str) -> Result<Offer, Error> {
    let t = offer::teleservice(tx, code)?
        .filter(|t| t.active)
        .ok_or(Error::NotFound)?;
    let form = library::latest(tx, &t.code)?.ok_or(Error::NotFound)?;
    Ok(Offer {
        seasons: offer::seasons(tx, Some(t.id))?,
        requirements: offer::requirements(tx, Some(t.id))?,
        teleservice: t,
        form,
    })
}

/// A téléservice taken offline with a message for the portal: its label
/// and the message.
pub fn offline(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<(String, String)>, Error> {
    Ok(offer::teleservice(tx, code)?
        .filter(|t| !t.active && !t.offline_message.is_empty())
        .map(|t| (t.label, t.offline_message)))
}

/// A téléservice with a form, online or not (its configuration).
pub fn offer_any(tx: &mut TenantTx<'_>, code: &str) -> Result<Option<Offer>, Error> {
    let Some(t) = offer::teleservice(tx, code)? else {
        return Ok(None);
    };
    let Some(form) = library::latest(tx, &t.code)? else {
        return Ok(None);
    };
    Ok(Some(Offer {
        seasons: offer::seasons(tx, Some(t.id))?,
        requirements: offer::requirements(tx, Some(t.id))?,
        teleservice: t,
        form,
    }))
}

/// Sets a téléservice's paramètre lists and justificatifs from its form's
/// defaults, the first time it is used (agents change them afterwards).
pub fn ensure_seeded(
    tx: &mut TenantTx<'_>,
    t: &TeleserviceRow,
    form: &FormDefinition,
) -> Result<(), Error> {
    if t.seeded_at.is_some() {
        return Ok(());
    }
    let mut entries = Vec::new();
    for list in &form.lists {
        let mut position = 0;
        flatten(&list.name, &list.entries, None, &mut position, &mut entries);
    }
    let requirements: Vec<RequirementRow> = form
        .justificatifs
        .iter()
        .enumerate()
        .map(|(i, r)| RequirementRow {
            tenant_id: 0,
            teleservice_id: t.id,
            document_type: r.document_type.clone(),
            special: r.special,
            reason: r.reason.clone(),
            position: i as i32,
            required: false,
        })
        .collect();
    offer::seed(tx, t.id, &entries, &requirements, now())?;
    Ok(())
}

fn flatten(
    list: &str,
    choices: &[Choice],
    parent: Option<&str>,
    position: &mut i32,
    out: &mut Vec<EntryRow>,
) {
    for c in choices {
        *position += 1;
        out.push(EntryRow {
            tenant_id: 0,
            teleservice_id: 0,
            list: list.to_owned(),
            key: c.key.clone(),
            label: c.label.clone(),
            parent_key: parent.map(str::to_owned),
            position: *position,
            retired: false,
        });
        flatten(list, &c.children, Some(&c.key), position, out);
    }
}

/// The téléservice's lists as choices (a tree by parent); `retired` keeps
/// the entries no longer offered (to read old requests).
pub fn lists(
    entries: &[EntryRow],
    retired: bool,
) -> std::collections::BTreeMap<String, Vec<Choice>> {
    fn children(
        entries: &[EntryRow],
        list: &str,
        parent: Option<&str>,
        retired: bool,
    ) -> Vec<Choice> {
        entries
            .iter()
            .filter(|e| {
                e.list == list && e.parent_key.as_deref() == parent && (retired || !e.retired)
            })
            .map(|e| Choice {
                key: e.key.clone(),
                label: e.label.clone(),
                children: children(entries, list, Some(&e.key), retired),
            })
            .collect()
    }
    let mut names: Vec<&str> = entries.iter().map(|e| e.list.as_str()).collect();
    names.dedup();
    names
        .into_iter()
        .map(|n| (n.to_owned(), children(entries, n, None, retired)))
        .collect()
}

/// The justificatifs a request's téléservice asks for.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub document_type: String,
    pub label: String,
    pub special: bool,
    pub reason: String,
    /// The request is not sent without it.
    pub required: bool,
}

pub fn asked(offer: &Offer) -> Vec<Asked> {
    let rows: Vec<(String, bool, String, bool)> = if offer.teleservice.seeded_at.is_some() {
        offer
            .requirements
            .iter()
            .map(|r| {
                (
                    r.document_type.clone(),
                    r.special,
                    r.reason.clone(),
                    r.required,
                )
            })
            .collect()
    } else {
        offer
            .form
            .justificatifs
            .iter()
            .map(|r| (r.document_type.clone(), r.special, r.reason.clone(), false))
            .collect()
    };
    rows.into_iter()
        .map(|(code, special, reason, required)| Asked {
            label: doctypes::find(&code).map_or_else(|| code.clone(), |t| t.label.to_owned()),
            document_type: code,
            special,
            reason,
            required,
        })
        .collect()
}
