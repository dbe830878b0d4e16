//! Quality of service alerts: a job marks the requests turning urgent
//! (orange) and late (red) by their téléservice's delays or the
//! collectivité's, once per request and level, each a line of the history;
//! when the collectivité asks for it, the agents who process the category
//! are e-mailed, one line per request or the counts.

use crate::domain::host::Site;
use std::collections::BTreeMap;

use chrono::{NaiveDateTime, Utc};

use super::{mails, Teleservices};
use crate::agents::rights::{self, Access};
use crate::domain::requests::{ActionKind, Quality, RequestState};
use crate::error::Error;
use crate::history;
use crate::history::Actor;
use crate::mail::outbox;
use crate::store::repo::{agents as agent_rows, requests as repo};
use crate::store::TenantTx;

/// What a run marked: (urgent, late).
pub fn raise(
    tx: &mut TenantTx<'_>,
    at: NaiveDateTime,
    here: &Site,
) -> Result<(usize, usize), Error> {
    let base_url = here.url.as_str();
    let running: Vec<&str> = RequestState::ALL
        .into_iter()
        .filter(|s| s.under_instruction())
        .map(RequestState::code)
        .collect();
    let teleservices = Teleservices::load(tx)?;
    // By category: the lines of the requests that changed level.
    let mut news: BTreeMap<Option<i64>, Vec<(Quality, mails::AlertLine)>> = BTreeMap::new();
    let (mut urgent, mut late) = (0, 0);
    for r in repo::not_yet_late(tx, &running)? {
        let Some(submitted) = r.submitted_at else {
            continue;
        };
        let delays = teleservices.delays(r.teleservice_id);
        let quality = delays.quality(submitted, at);
        let (kind, orange, red) = match quality {
            Quality::Late => (ActionKind::RedAlertNotification, true, true),
            Quality::Urgent if !r.orange_alert => {
                (ActionKind::OrangeAlertNotification, true, false)
            }
            _ => continue,
        };
        repo::set_alerts(tx, r.id, orange, red)?;
        let state = repo::get(tx, r.id)?
            .and_then(|row| RequestState::parse(&row.state))
            .unwrap_or(RequestState::Pending);
        let note = match quality {
            Quality::Late => "Demande en retard",
            _ => "Demande urgente",
        };
        history::write(
            tx,
            history::Line::Request {
                request: r.id,
                kind,
                actor: &Actor::system(),
                state,
                note,
                public: false,
                snapshot: None,
            },
        )?;
        if quality == Quality::Late {
            late += 1;
        } else {
            urgent += 1;
        }
        news.entry(r.category_id).or_default().push((
            quality,
            mails::AlertLine {
                number: r.number.unwrap_or_default(),
                teleservice: teleservices.label(r.teleservice_id),
                who: if r.subject_name.is_empty() {
                    r.requester_name.clone()
                } else {
                    r.subject_name.clone()
                },
                quality: quality.label(),
                link: format!("{base_url}/backoffice/demandes/{}", r.id),
            },
        ));
    }
    let settings = crate::collectivite::settings::current(tx)?;
    if settings.alerts_enabled && !news.is_empty() {
        tell_agents(tx, &news, settings.alerts_detailed, here)?;
    }
    Ok((urgent, late))
}

/// One e-mail per agent who processes a category with news.
fn tell_agents(
    tx: &mut TenantTx<'_>,
    news: &BTreeMap<Option<i64>, Vec<(Quality, mails::AlertLine)>>,
    detailed: bool,
    here: &Site,
) -> Result<(), Error> {
    for agent in agent_rows::search(tx, "", 100_000)? {
        if agent.email.is_empty() {
            continue;
        }
        let Some(r) = rights::load(tx, &agent.uid)? else {
            continue;
        };
        let lines: Vec<&(Quality, mails::AlertLine)> = news
            .iter()
            .filter(|(category, _)| r.access(**category) >= Access::Write)
            .flat_map(|(_, lines)| lines)
            .collect();
        if lines.is_empty() {
            continue;
        }
        let late = lines.iter().filter(|(q, _)| *q == Quality::Late).count();
        let urgent = lines.len() - late;
        let email = mails::Alerts {
            site: &here.name,
            lines: if detailed {
                lines.iter().map(|(_, l)| l).collect()
            } else {
                Vec::new()
            },
            late: crate::domain::text::count(late, "demande en retard", "demandes en retard"),
            urgent: crate::domain::text::count(urgent, "demande urgente", "demandes urgentes"),
            base_url: &here.url,
        };
        outbox::send(tx, &agent.email, &email).map_err(Error::from)?;
    }
    Ok(())
}

/// The alerts' job: every hour, each collectivité's agents are told of the
/// requests that became urgent or late; `port` makes the links of the
/// collectivités without a host name.
pub fn register(runner: crate::jobs::Runner, port: u16) -> crate::jobs::Runner {
    use crate::jobs::{Job, JobError};
    use crate::store::Store;
    let fail = |e: Error| JobError::Retry(e.to_string());
    runner
        .every(
            "requests.alerts",
            std::time::Duration::from_secs(3600),
            move |s: &Store, _: &Job| {
                for tenant in s.platform_read(crate::tenancy::list)? {
                    let here = Site {
                        url: tenant.public_url(port),
                        name: tenant.name.clone(),
                    };
                    let (urgent, late) = s
                        .write(tenant.id, |tx| raise(tx, Utc::now().naive_utc(), &here))
                        .map_err(fail)?;
                    if urgent + late > 0 {
                        tracing::info!(tenant = %tenant.id, urgent, late, "alertes de qualité de service");
                    }
                }
                Ok(())
            },
        )
}
