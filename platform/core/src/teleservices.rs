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
    for other in offer::seasons(tx, Some(t.id))? {
        if other.label.eq_ignore_ascii_case(&label) {
            return Err(crate::error::invalid(
                "label",
                "une saison porte déjà ce nom",
            ));
        }
        if dates(&other).overlaps(&d) {
            return Err(crate::error::invalid(
                "registration_start",
                format!(
                    "les inscriptions de cette saison chevaucheraient celles de « {} » ({}) : choisissez d’autres dates",
                    other.label,
                    dates(&other).window_fr().to_lowercase()
                ),
            ));
        }
    }
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
