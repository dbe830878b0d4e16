//! The collectivité's settings: drafts' retention and notice, the means of
//! contact offered, the agents' e-mails, the default instruction delays and
//! alerts, the request lock's delay; read by every context, changed by its
//! administrators in the back office, each change in its audit trail.

use serde::Serialize;

use crate::agents::rights::Profile;
use crate::agents::Desk;
use crate::audit::{self, Change};
use crate::domain::requests::MeansOfContact;
use crate::error::{Checks, Error};
use crate::store::repo::foyers::{self as repo, SettingsRow};
use crate::store::TenantTx;

/// The settings of a collectivité, for its portal and its back office
/// (defaults until an administrator changes them).
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub draft_keep_days: i64,
    pub draft_notice_days: i64,
    pub means_of_contact: Vec<MeansOfContact>,
    pub notify_agents: bool,
    /// Whom a household whose account is disabled should contact.
    pub help_contact: String,
    /// How long an agent's lock on a request they opened lasts.
    pub lock_minutes: i64,
    /// The instruction delays of the téléservices that set none.
    pub max_delay_days: i32,
    pub alert_delay_days: i32,
    /// Agents are e-mailed the requests turning urgent or late, one line
    /// each (`alerts_detailed`) or their counts.
    pub alerts_enabled: bool,
    pub alerts_detailed: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            draft_keep_days: 20,
            draft_notice_days: 7,
            means_of_contact: vec![
                MeansOfContact::Email,
                MeansOfContact::Mail,
                MeansOfContact::MobilePhone,
                MeansOfContact::LocalAuthorityOffice,
            ],
            notify_agents: false,
            help_contact: "l’accueil de votre mairie".into(),
            lock_minutes: crate::domain::requests::LOCK_MINUTES,
            max_delay_days: crate::domain::requests::DEFAULT_MAX_DELAY_DAYS,
            alert_delay_days: crate::domain::requests::DEFAULT_ALERT_DELAY_DAYS,
            alerts_enabled: false,
            alerts_detailed: false,
        }
    }
}

pub fn current(tx: &mut TenantTx<'_>) -> Result<Settings, Error> {
    Ok(match repo::settings(tx)? {
        None => Settings::default(),
        Some(row) => Settings {
            draft_keep_days: row.draft_keep_days.into(),
            draft_notice_days: row.draft_notice_days.into(),
            means_of_contact: row
                .means_of_contact
                .split(',')
                .filter_map(MeansOfContact::parse)
                .collect(),
            notify_agents: row.notify_agents,
            help_contact: row.help_contact,
            lock_minutes: row.lock_minutes.into(),
            max_delay_days: row.max_delay_days,
            alert_delay_days: row.alert_delay_days,
            alerts_enabled: row.alerts_enabled,
            alerts_detailed: row.alerts_detailed,
        },
    })
}

pub fn replace(tx: &mut TenantTx<'_>, s: &Settings) -> Result<(), Error> {
    let means: Vec<&str> = s.means_of_contact.iter().map(|m| m.code()).collect();
    repo::save_settings(
        tx,
        &SettingsRow {
            tenant_id: 0,
            draft_keep_days: s.draft_keep_days as i32,
            draft_notice_days: s.draft_notice_days as i32,
            means_of_contact: means.join(","),
            notify_agents: s.notify_agents,
            help_contact: s.help_contact.clone(),
            lock_minutes: s.lock_minutes as i32,
            max_delay_days: s.max_delay_days,
            alert_delay_days: s.alert_delay_days,
            alerts_enabled: s.alerts_enabled,
            alerts_detailed: s.alerts_detailed,
        },
    )?;
    Ok(())
}

/// What the settings form sends, as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub draft_keep_days: String,
    pub draft_notice_days: String,
    pub means_of_contact: Vec<String>,
    pub notify_agents: bool,
    pub help_contact: String,
    pub max_delay_days: String,
    pub alert_delay_days: String,
    pub alerts_enabled: bool,
    pub alerts_detailed: bool,
    pub lock_minutes: String,
}

impl Desk {
    /// An administrator of the collectivité's back office.
    pub fn administers(&self) -> bool {
        self.rights.back_office && self.rights.profile == Profile::Admin
    }

    /// What only administrators reach: not found for anyone else.
    pub fn as_administrator(&self) -> Result<(), Error> {
        if self.administers() {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }
}

pub fn settings(tx: &mut TenantTx<'_>, desk: &Desk) -> Result<Settings, Error> {
    desk.as_administrator()?;
    current(tx)
}

/// A whole number of `field` from `min` to `max`.
fn within(checks: &mut Checks, field: &str, raw: &str, min: i64, max: i64, what: &str) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            checks.add(
                field,
                format!("indiquez un nombre de {what} de {min} à {max}"),
            );
            min
        }
    }
}

/// Checks the form and saves it, all or nothing; audited.
pub fn save(tx: &mut TenantTx<'_>, desk: &Desk, input: &SettingsInput) -> Result<Settings, Error> {
    desk.as_administrator()?;
    let before = current(tx)?;
    let mut c = Checks::default();
    let keep = within(
        &mut c,
        "draft_keep_days",
        &input.draft_keep_days,
        1,
        365,
        "jours",
    );
    let notice = within(
        &mut c,
        "draft_notice_days",
        &input.draft_notice_days,
        0,
        364,
        "jours",
    );
    if notice >= keep && !input.draft_notice_days.trim().is_empty() {
        c.add(
            "draft_notice_days",
            "le rappel part avant la suppression : indiquez moins de jours que la conservation",
        );
    }
    let means: Vec<MeansOfContact> = input
        .means_of_contact
        .iter()
        .filter_map(|m| MeansOfContact::parse(m))
        .collect();
    if means.is_empty() || means.len() != input.means_of_contact.len() {
        c.add(
            "means_of_contact",
            "cochez au moins un moyen de contact de la liste",
        );
    }
    let help = input.help_contact.trim();
    if help.is_empty() || help.chars().count() > 500 {
        c.add(
            "help_contact",
            "indiquez qui contacter (500 caractères au plus), par exemple « l’accueil de la mairie »",
        );
    }
    let max = within(
        &mut c,
        "max_delay_days",
        &input.max_delay_days,
        1,
        365,
        "jours",
    );
    let alert = within(
        &mut c,
        "alert_delay_days",
        &input.alert_delay_days,
        0,
        364,
        "jours",
    );
    if alert >= max {
        c.add(
            "alert_delay_days",
            "l’alerte vient avant le délai maximal : indiquez moins de jours",
        );
    }
    let lock = within(
        &mut c,
        "lock_minutes",
        &input.lock_minutes,
        5,
        480,
        "minutes",
    );
    c.finish()?;
    let after = Settings {
        draft_keep_days: keep,
        draft_notice_days: notice,
        means_of_contact: means,
        notify_agents: input.notify_agents,
        help_contact: help.to_owned(),
        lock_minutes: lock,
        max_delay_days: max as i32,
        alert_delay_days: alert as i32,
        alerts_enabled: input.alerts_enabled,
        alerts_detailed: input.alerts_detailed,
    };
    replace(tx, &after)?;
    audit::record(
        tx,
        Change {
            actor: &desk.name,
            action: "settings.update",
            object_type: "collectivite",
            object_id: "parametres",
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        },
    )?;
    Ok(after)
}
