//! A collectivité's téléservices as the portal offers them: online or not,
//! and their seasons (registration windows that never overlap).

use chrono::Utc;

use crate::domain::forms;
use crate::domain::requests::SeasonDates;
use crate::error::Error;
use crate::requests::dates;
use crate::store::repo::offer::{self, SeasonRow};
use crate::store::TenantTx;

/// Puts a téléservice online (it must have a form) or takes it off.
pub fn set_online(tx: &mut TenantTx<'_>, code: &str, online: bool) -> Result<(), Error> {
    let t = offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    if online && forms::latest(code).is_none() {
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
    if !forms::latest(code).is_some_and(|f| f.seasonal) {
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
