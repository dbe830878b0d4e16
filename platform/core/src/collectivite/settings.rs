//! The collectivité's settings in the back office, for its administrators:
//! drafts' retention and notice, the means of contact offered, the agents'
//! e-mails, the default instruction delays and alerts, the request lock's
//! delay. Each change in the collectivité's audit trail.

use crate::agents::rights::Profile;
use crate::agents::Desk;
use crate::audit::{self, Change};
use crate::domain::requests::MeansOfContact;
use crate::error::{Checks, Error};
use crate::foyers::{self, Settings};
use crate::store::TenantTx;

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
}

fn administrator(desk: &Desk) -> Result<(), Error> {
    if desk.administers() {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

pub fn settings(tx: &mut TenantTx<'_>, desk: &Desk) -> Result<Settings, Error> {
    administrator(desk)?;
    foyers::settings(tx)
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
    administrator(desk)?;
    let before = foyers::settings(tx)?;
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
    foyers::save_settings(tx, &after)?;
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
