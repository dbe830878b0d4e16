//! The téléservices in the back office, for the agents who manage their
//! category (administrators: all): online or not with the portal's message,
//! their own instruction delays, their seasons. Each change audited.

use chrono::NaiveDate;
use serde::Serialize;

use crate::agents::rights::Action;
use crate::agents::Desk;
use crate::audit::{self, Change};
use crate::catalogue::offer as core;
use crate::catalogue::offer::dates;
use crate::domain::requests::SeasonDates;
use crate::domain::time;
use crate::error::{Checks, Error};
use crate::store::repo::offer::{self, TeleserviceRow};
use crate::store::TenantTx;

#[derive(Debug, Clone, Serialize)]
pub struct SeasonView {
    pub id: i64,
    pub label: String,
    pub registrations: String,
    pub period: String,
    pub validations_from: String,
    /// The dates as the form's fields take them (AAAA-MM-JJ).
    pub registration_start: String,
    pub registration_end: String,
    pub validation_start: String,
    pub effect_start: String,
    pub effect_end: String,
    pub ended: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeleserviceView {
    pub code: String,
    pub label: String,
    pub category: String,
    pub online: bool,
    pub has_form: bool,
    pub offline_message: String,
    pub max_delay_days: Option<i32>,
    pub alert_delay_days: Option<i32>,
    pub seasonal: bool,
    pub seasons: Vec<SeasonView>,
    pub season_count: usize,
    /// The justificatifs it asks for.
    pub asked: Vec<crate::catalogue::offer::Asked>,
    /// Every document type, for the form that adds one.
    pub document_types: Vec<(String, String)>,
    /// The paramètre lists its form draws from: (name, label).
    pub lists: Vec<(String, String)>,
}

impl Desk {
    /// Manages some category (or all, as an administrator).
    pub fn configures_some(&self) -> bool {
        self.rights.back_office
            && (self.rights.access(None) >= crate::agents::rights::Access::Manage
                || self
                    .rights
                    .explicit
                    .values()
                    .any(|a| *a >= crate::agents::rights::Access::Manage)
                || self.rights.profile.default_access() >= crate::agents::rights::Access::Manage)
    }
}

/// The téléservice, if the agent manages its category (404 otherwise).
pub fn managed(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<TeleserviceRow, Error> {
    let t = offer::teleservice(tx, code)?.ok_or(Error::NotFound)?;
    desk.rights
        .permit(Action::Configure, t.category_id)
        .map_err(|_| Error::NotFound)?;
    Ok(t)
}

fn view(tx: &mut TenantTx<'_>, t: TeleserviceRow) -> Result<TeleserviceView, Error> {
    let categories = offer::category_names(tx)?;
    let form = super::library::latest(tx, &t.code)?;
    let asked = match crate::catalogue::offer::offer_any(tx, &t.code)? {
        Some(o) => crate::catalogue::offer::asked(&o),
        None => Vec::new(),
    };
    let today = time::today();
    let seasons: Vec<SeasonView> = offer::seasons(tx, Some(t.id))?
        .into_iter()
        .map(|s| {
            let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
            SeasonView {
                id: s.id,
                registrations: dates(&s).window_fr(),
                period: format!(
                    "Du {} au {}",
                    time::date_fr(s.effect_start),
                    time::date_fr(s.effect_end)
                ),
                validations_from: time::date_fr(s.validation_start),
                registration_start: iso(s.registration_start),
                registration_end: iso(s.registration_end),
                validation_start: iso(s.validation_start),
                effect_start: iso(s.effect_start),
                effect_end: iso(s.effect_end),
                ended: s.effect_end < today,
                label: s.label,
            }
        })
        .collect();
    Ok(TeleserviceView {
        category: t
            .category_id
            .and_then(|c| categories.iter().find(|(id, _)| *id == c))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "sans catégorie".into()),
        online: t.active,
        has_form: form.is_some(),
        seasonal: form.as_ref().is_some_and(|f| f.seasonal),
        offline_message: t.offline_message,
        max_delay_days: t.max_delay_days,
        alert_delay_days: t.alert_delay_days,
        code: t.code,
        label: t.label,
        season_count: seasons.len(),
        seasons,
        asked,
        lists: form
            .map(|f| {
                f.lists
                    .iter()
                    .map(|l| (l.name.clone(), l.label.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        document_types: crate::domain::justificatifs::DOCUMENT_TYPES
            .iter()
            .map(|d| (d.code.to_owned(), d.label.to_owned()))
            .collect(),
    })
}

/// The téléservices the agent manages.
pub fn list(tx: &mut TenantTx<'_>, desk: &Desk) -> Result<Vec<TeleserviceView>, Error> {
    let rows: Vec<TeleserviceRow> = offer::teleservices(tx)?
        .into_iter()
        .filter(|t| desk.rights.permit(Action::Configure, t.category_id).is_ok())
        .collect();
    rows.into_iter().map(|t| view(tx, t)).collect()
}

pub fn show(tx: &mut TenantTx<'_>, desk: &Desk, code: &str) -> Result<TeleserviceView, Error> {
    let t = managed(tx, desk, code)?;
    view(tx, t)
}

/// A change of the téléservice, in the audit trail.
pub fn record(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    action: &str,
    code: &str,
    after: serde_json::Value,
) -> Result<(), Error> {
    audit::record(
        tx,
        Change {
            actor: &desk.name,
            action,
            object_type: "teleservice",
            object_id: code,
            before: None,
            after: Some(after),
        },
    )?;
    Ok(())
}

/// Online, or offline with what the portal says meanwhile.
pub fn set_online(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    online: bool,
    message: &str,
) -> Result<(), Error> {
    let t = managed(tx, desk, code)?;
    let message = message.trim();
    if message.chars().count() > 500 {
        return Err(crate::error::invalid("message", "500 caractères au plus"));
    }
    if online {
        core::set_online(tx, code, true)?;
    }
    offer::set_online_state(tx, t.id, online, if online { "" } else { message })?;
    record(
        tx,
        desk,
        "teleservice.online",
        code,
        serde_json::json!({ "online": online, "message": message }),
    )
}

/// The téléservice's own delays; both empty: the collectivité's.
pub fn set_delays(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    max: &str,
    alert: &str,
) -> Result<(), Error> {
    let t = managed(tx, desk, code)?;
    let mut c = Checks::default();
    let number = |c: &mut Checks, field: &str, raw: &str, min: i32, max: i32| -> Option<i32> {
        match raw.trim() {
            "" => None,
            v => match v.parse::<i32>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    c.add(
                        field,
                        format!("indiquez un nombre de jours de {min} à {max}, ou rien"),
                    );
                    None
                }
            },
        }
    };
    let max_days = number(&mut c, "max_delay_days", max, 1, 365);
    let alert_days = number(&mut c, "alert_delay_days", alert, 0, 364);
    if max_days.is_some() != alert_days.is_some() && c.is_empty() {
        c.add(
            "alert_delay_days",
            "indiquez les deux délais, ou aucun (ceux de la collectivité)",
        );
    }
    if let (Some(m), Some(a)) = (max_days, alert_days) {
        if a >= m {
            c.add(
                "alert_delay_days",
                "l’alerte vient avant le délai maximal : indiquez moins de jours",
            );
        }
    }
    c.finish()?;
    offer::set_delays(tx, t.id, max_days, alert_days)?;
    record(
        tx,
        desk,
        "teleservice.delays",
        code,
        serde_json::json!({ "max_delay_days": max_days, "alert_delay_days": alert_days }),
    )
}

/// What the season form sends, as typed (dates AAAA-MM-JJ).
#[derive(Debug, Clone, Default)]
pub struct SeasonInput {
    pub label: String,
    pub registration_start: String,
    pub registration_end: String,
    pub validation_start: String,
    pub effect_start: String,
    pub effect_end: String,
}

impl SeasonInput {
    fn dates(&self) -> Result<SeasonDates, Error> {
        let mut c = Checks::default();
        let mut day =
            |field: &str, raw: &str| match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(raw.trim(), "%d/%m/%Y"))
            {
                Ok(d) => d,
                Err(_) => {
                    c.add(
                        field,
                        "indiquez une date au format jj/mm/aaaa, par exemple 01/09/2027",
                    );
                    NaiveDate::MIN
                }
            };
        let d = SeasonDates {
            registration_start: day("registration_start", &self.registration_start),
            registration_end: day("registration_end", &self.registration_end),
            validation_start: day("validation_start", &self.validation_start),
            effect_start: day("effect_start", &self.effect_start),
            effect_end: day("effect_end", &self.effect_end),
        };
        c.finish()?;
        Ok(d)
    }
}

/// A new season: its registrations open today at the earliest.
pub fn add_season(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    input: &SeasonInput,
) -> Result<i64, Error> {
    managed(tx, desk, code)?;
    let d = input.dates()?;
    if d.registration_start < time::today() {
        return Err(crate::error::invalid(
            "registration_start",
            "les inscriptions d’une nouvelle saison ouvrent aujourd’hui au plus tôt",
        ));
    }
    let id = core::add_season(tx, code, &input.label, d)?;
    record(
        tx,
        desk,
        "season.create",
        code,
        serde_json::json!({ "season": id, "label": input.label.trim() }),
    )?;
    Ok(id)
}

pub fn change_season(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    id: i64,
    input: &SeasonInput,
) -> Result<(), Error> {
    managed(tx, desk, code)?;
    let d = input.dates()?;
    core::change_season(tx, code, id, &input.label, d, time::today())?;
    record(
        tx,
        desk,
        "season.update",
        code,
        serde_json::json!({ "season": id, "label": input.label.trim() }),
    )
}

pub fn delete_season(tx: &mut TenantTx<'_>, desk: &Desk, code: &str, id: i64) -> Result<(), Error> {
    managed(tx, desk, code)?;
    core::delete_season(tx, code, id)?;
    record(
        tx,
        desk,
        "season.delete",
        code,
        serde_json::json!({ "season": id }),
    )
}

/// Asks for a justificatif (or changes how): a type of the list, « special »
/// with its reason, required or not. The form's defaults are set first, so
/// that they are not added over the agent's choice later.
pub fn put_requirement(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    document_type: &str,
    special: bool,
    reason: &str,
    required: bool,
) -> Result<(), Error> {
    let t = managed(tx, desk, code)?;
    let Some(form) = super::library::latest(tx, code)? else {
        return Err(Error::Refused(
            "ce téléservice n’a pas encore de formulaire : il ne demande pas de justificatifs"
                .into(),
        ));
    };
    crate::catalogue::offer::ensure_seeded(tx, &t, &form)?;
    if crate::domain::justificatifs::find(document_type).is_none() {
        return Err(crate::error::invalid(
            "document_type",
            "choisissez le type de document dans la liste",
        ));
    }
    let reason = reason.trim();
    if reason.chars().count() > 500 || (special && reason.is_empty()) {
        return Err(crate::error::invalid(
            "reason",
            "dites dans quels cas ce document est demandé (500 caractères au plus)",
        ));
    }
    offer::put_requirement(
        tx,
        &offer::RequirementRow {
            tenant_id: 0,
            teleservice_id: t.id,
            document_type: document_type.to_owned(),
            special,
            reason: reason.to_owned(),
            position: 0,
            required,
        },
    )?;
    record(
        tx,
        desk,
        "requirement.put",
        code,
        serde_json::json!({ "document_type": document_type, "special": special, "required": required }),
    )
}

/// No longer asks for a justificatif (the documents already joined stay).
pub fn remove_requirement(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    code: &str,
    document_type: &str,
) -> Result<(), Error> {
    let t = managed(tx, desk, code)?;
    if let Some(form) = super::library::latest(tx, code)? {
        crate::catalogue::offer::ensure_seeded(tx, &t, &form)?;
    }
    if !offer::remove_requirement(tx, t.id, document_type)? {
        return Err(Error::NotFound);
    }
    record(
        tx,
        desk,
        "requirement.remove",
        code,
        serde_json::json!({ "document_type": document_type }),
    )
}
