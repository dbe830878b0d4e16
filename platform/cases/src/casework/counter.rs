//! Counter mode (« mode guichet »): an agent opens a foyer for a citizen at
//! the counter, and files a request on a foyer's behalf with the portal's
//! own forms and checks, pre-filled from the foyer, without the household's
//! password. The history says which agent filed it and how the household
//! came (counter, phone, mail). Before it is sent, a draft started at the
//! counter is that agent's only among the agents (the household sees it
//! among its drafts, as any of its requests).

use crate::domain::host::Site;
use chrono::{Duration, Utc};
use serde::Serialize;

use super::case::me;
use crate::agents::rights::Access;
use crate::agents::Desk;
use crate::domain::forms::Input;
use crate::domain::foyer::UserState;
use crate::domain::requests::{ActionKind, Channel, RequestState};
use crate::domain::time;
use crate::error::{invalid, Error};
use crate::foyers::{self, Foyer, NewAccount};
use crate::mail::outbox;
use crate::requests::{self, Filed, Filer, Sending, Submitted};
use crate::store::repo::foyers as rows;
use crate::store::repo::requests as request_rows;
use crate::store::TenantTx;

/// How long the link mailed to a household whose account an agent opened
/// lets it choose its password.
pub const WELCOME_DAYS: i64 = 7;

fn refused_to_readers() -> Error {
    Error::Refused(
        "votre droit permet de consulter les foyers et les demandes, pas d’en créer au guichet"
            .into(),
    )
}

/// Opens a foyer at the counter: its responsible adult and address, checked
/// as the portal checks them; valid at once (the agent saw the papers).
/// With an e-mail address, the household gets its login and a link to
/// choose its password; without, the foyer lives at the counter only.
pub fn open_foyer(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    account: &NewAccount,
    here: &Site,
) -> Result<i64, Error> {
    if !desk.serves_the_counter() {
        return Err(refused_to_readers());
    }
    let email = account.person.email.to_lowercase();
    if !email.is_empty() && rows::login_by_name(tx, &email)?.is_some() {
        return Err(invalid(
            "email",
            "un compte existe déjà avec cette adresse : cherchez son foyer dans « Foyers »",
        ));
    }
    let (household, individual) = foyers::open_for(tx, account, UserState::Valid, Some(&me(desk)))?;
    if !email.is_empty() {
        let (secret, digest) = foyers::new_secret();
        let at = Utc::now().naive_utc();
        rows::replace_token(
            tx,
            &rows::TokenRow {
                tenant_id: 0,
                digest,
                purpose: "reset".into(),
                individual_id: Some(individual),
                request_id: None,
                created_at: at,
                expires_at: at + Duration::days(WELCOME_DAYS),
            },
        )?;
        let welcome = super::mails::CounterAccount {
            site: &here.name,
            link: format!("{}/mot-de-passe/{secret}", here.url),
            days: WELCOME_DAYS,
        };
        outbox::send_secret(tx, &email, &welcome).map_err(Error::from)?;
    }
    Ok(household)
}

/// A request the agent may file for the foyer: the téléservice, who it is
/// for.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// `code` or `code:subject`.
    pub value: String,
    pub teleservice: String,
    pub subject: String,
}

fn foyer_of(tx: &mut TenantTx<'_>, household: i64) -> Result<Foyer, Error> {
    let foyer = foyers::foyer(tx, household)?;
    if foyer.temporary {
        return Err(Error::NotFound);
    }
    Ok(foyer)
}

/// What the agent may file for the foyer now: the téléservices of the
/// categories they may process, open, with the members each concerns.
pub fn choices(tx: &mut TenantTx<'_>, desk: &Desk, household: i64) -> Result<Vec<Choice>, Error> {
    if !desk.serves_the_counter() {
        return Err(refused_to_readers());
    }
    let foyer = foyer_of(tx, household)?;
    let today = time::today();
    let mut out = Vec::new();
    for offer in crate::catalogue::offer::offers(tx)? {
        if desk.rights.access(offer.teleservice.category_id) < Access::Write {
            continue;
        }
        let Ok((eligible, _)) = requests::eligibility(tx, &offer, &foyer, today) else {
            continue;
        };
        for e in eligible {
            out.push(Choice {
                value: match e.subject {
                    Some(s) => format!("{}:{s}", offer.teleservice.code),
                    None => offer.teleservice.code.clone(),
                },
                teleservice: offer.teleservice.label.clone(),
                subject: if e.subject.is_some() {
                    e.name
                } else {
                    "le foyer".into()
                },
            });
        }
    }
    Ok(out)
}

/// Starts a request for the foyer, as its responsible adult would, noted as
/// filed by this agent through `channel`. Returns its id.
pub fn start(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    household: i64,
    choice: &str,
    channel: &str,
    commune: (&str, &str),
) -> Result<i64, Error> {
    if !desk.serves_the_counter() {
        return Err(refused_to_readers());
    }
    let channel = Channel::parse(channel).ok_or_else(|| {
        invalid(
            "channel",
            "choisissez comment le foyer s’est adressé à la mairie",
        )
    })?;
    let valid = choices(tx, desk, household)?;
    if !valid.iter().any(|c| c.value == choice) {
        return Err(invalid(
            "choice",
            "choisissez la démarche et la personne concernée dans la liste",
        ));
    }
    let (code, subject) = match choice.split_once(':') {
        Some((code, s)) => (code, s.parse::<i64>().ok()),
        None => (choice, None),
    };
    let foyer = foyer_of(tx, household)?;
    let requester = foyer.responsible().ok_or(Error::NotFound)?.id;
    let settings = crate::collectivite::settings::current(tx)?;
    let filer = Filer {
        actor: me(desk),
        channel,
    };
    requests::start_by(
        tx,
        code,
        &foyer,
        requester,
        subject,
        &settings,
        commune,
        Some(&filer),
    )
}

/// A draft this agent started at the counter, with its foyer and how the
/// household came; anything else is not found.
pub fn draft(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
) -> Result<(Filed, Foyer, Channel), Error> {
    let row = request_rows::get(tx, id)?.ok_or(Error::NotFound)?;
    if row.state != RequestState::Draft.code() {
        return Err(Error::NotFound);
    }
    let creation = request_rows::actions(tx, id, false)?
        .into_iter()
        .find(|a| a.kind == ActionKind::Creation.code())
        .ok_or(Error::NotFound)?;
    if creation.actor_kind != "agent" || creation.actor_id != Some(desk.agent_id) {
        return Err(Error::NotFound);
    }
    let channel = creation
        .snapshot_json
        .as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v["channel"].as_str().and_then(Channel::parse))
        .unwrap_or(Channel::Counter);
    let filed = requests::filed(tx, row.household_id, id)?;
    let foyer = foyer_of(tx, row.household_id)?;
    Ok((filed, foyer, channel))
}

/// Saves a step of the agent's draft, with the portal's checks.
pub fn save_step(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    step: &str,
    input: &Input,
) -> Result<Option<String>, Error> {
    let (filed, foyer, _) = draft(tx, desk, id)?;
    let household = filed.row.household_id;
    requests::save_step(tx, household, id, step, input, &foyer)?;
    Ok(requests::filed(tx, household, id)?
        .next_step()
        .map(|s| s.key.clone()))
}

/// Sends the agent's draft: the portal's submission, its receipt e-mailed
/// to the household, the history saying who filed it and how.
pub fn send(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    mut sending: Sending,
    here: &Site,
) -> Result<Submitted, Error> {
    let (filed, foyer, channel) = draft(tx, desk, id)?;
    let settings = crate::collectivite::settings::current(tx)?;
    sending.filer = Some(Filer {
        actor: me(desk),
        channel,
    });
    requests::submit(
        tx,
        filed.row.household_id,
        id,
        &sending,
        &foyer,
        &settings,
        here,
    )
}
