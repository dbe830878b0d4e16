//! « Contacter le citoyen »: an agent writes to a request's requester by one
//! of the collectivité's means of contact — an e-mail or a letter (a courrier
//! type with the agent's message as its observation, or free text), a text
//! message through the SMS gateway, a phone call's record. Each contact is a
//! line of the request's history that keeps what was sent (the letter
//! itself, so that its PDF is the one sent), with an internal note.

use serde::{Deserialize, Serialize};

use crate::agents::Desk;
use crate::casework::case::{touched, writable};
use crate::courriers;
use crate::domain::courriers::Letter;
use crate::domain::requests::{ActionKind, ContactDetails, MeansOfContact, RequestState};
use crate::error::{invalid, Checks, Error};
use crate::foyers;
use crate::history;
use crate::history::Actor;
use crate::mail::outbox;
use crate::store::repo::courriers as courrier_rows;
use crate::store::repo::requests as repo;
use crate::store::TenantTx;

/// The e-mail of a contact: a courrier joined, or the agent's message.
#[derive(serde::Serialize)]
struct Contact<'a> {
    site: &'a str,
    number: i64,
    /// The courrier type's label, when a letter is joined.
    courrier: Option<&'a str>,
    message: &'a str,
    followed: &'a crate::requests::follow::Followed,
}

impl crate::mail::Email for Contact<'_> {
    const NAME: &'static str = "courriers/mails/contact.hbs";
    const TEMPLATE: &'static str = include_str!("mails/contact.hbs");
    const PARTS: &'static [(&'static str, &'static str)] = crate::requests::mails::FOLLOW_PARTS;
}

/// A means of contact as the form offers it.
#[derive(Debug, Clone, Serialize)]
pub struct MeansChoice {
    pub code: &'static str,
    pub label: &'static str,
    /// Where it goes (the address, the number), or why it cannot.
    pub detail: String,
    pub possible: bool,
    pub chosen: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CourrierChoice {
    pub id: i64,
    pub short_label: String,
}

/// What the contact form offers for this request.
#[derive(Debug, Clone, Serialize)]
pub struct ContactForm {
    pub number: i64,
    pub requester: String,
    pub means: Vec<MeansChoice>,
    pub courriers: Vec<CourrierChoice>,
}

/// What the agent sends, as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactInput {
    pub means: String,
    /// A courrier type's id, or empty for free text.
    pub courrier: String,
    pub message: String,
    pub note: String,
}

/// What the history keeps of a contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sent {
    pub means: String,
    pub recipient: String,
    /// The agent's message (the observation of a courrier, the text
    /// message, the record of a call).
    pub message: String,
    /// The courrier type's short label, if one was used.
    pub courrier: String,
    pub letter: Option<Letter>,
    pub note: String,
}

fn details(foyer: &foyers::Foyer, requester: i64) -> ContactDetails {
    let m = foyer.member(requester);
    ContactDetails {
        email: m.map(|m| m.email.clone()).unwrap_or_default(),
        has_address: !foyer.address.street_name.is_empty() || !foyer.address.city.is_empty(),
        home_phone: m.map(|m| m.home_phone.clone()).unwrap_or_default(),
        office_phone: m.map(|m| m.office_phone.clone()).unwrap_or_default(),
        mobile_phone: m.map(|m| m.mobile_phone.clone()).unwrap_or_default(),
    }
}

fn detail(means: MeansOfContact, who: &ContactDetails, address: &str, sms: bool) -> String {
    match means {
        MeansOfContact::Email => who.email.clone(),
        MeansOfContact::Mail => address.to_owned(),
        MeansOfContact::HomePhone => who.home_phone.clone(),
        MeansOfContact::OfficePhone => who.office_phone.clone(),
        MeansOfContact::MobilePhone => who.mobile_phone.clone(),
        MeansOfContact::Sms if !sms => "aucun service d’envoi de SMS n’est configuré".into(),
        MeansOfContact::Sms if crate::sms::international(&who.mobile_phone).is_none() => {
            "pas de numéro de téléphone portable".into()
        }
        MeansOfContact::Sms => who.mobile_phone.clone(),
        MeansOfContact::LocalAuthorityOffice => "le courrier remis en main propre".into(),
    }
}

fn possible(means: MeansOfContact, who: &ContactDetails, sms: bool) -> bool {
    match means {
        MeansOfContact::Sms => sms && crate::sms::international(&who.mobile_phone).is_some(),
        m => m.possible(who),
    }
}

/// The form: the collectivité's means, the requester's preferred one chosen
/// when it can be used, the téléservice's courriers. `sms`: a gateway is
/// configured.
pub fn form(tx: &mut TenantTx<'_>, desk: &Desk, id: i64, sms: bool) -> Result<ContactForm, Error> {
    let row = writable(tx, desk, id, None)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let who = details(&foyer, row.requester_id);
    let enabled = crate::collectivite::settings::current(tx)?.means_of_contact;
    let preferred = row
        .means_of_contact
        .as_deref()
        .and_then(MeansOfContact::parse)
        .filter(|m| enabled.contains(m) && possible(*m, &who, sms));
    let first = enabled.iter().copied().find(|m| possible(*m, &who, sms));
    let chosen = preferred.or(first);
    let address = foyer.address.one_line();
    Ok(ContactForm {
        number: row.number.unwrap_or_default(),
        requester: row.requester_name.clone(),
        means: enabled
            .iter()
            .map(|m| MeansChoice {
                code: m.code(),
                label: m.label(),
                detail: detail(*m, &who, &address, sms),
                possible: possible(*m, &who, sms),
                chosen: Some(*m) == chosen,
            })
            .collect(),
        courriers: courrier_rows::list(tx, row.teleservice_id)?
            .into_iter()
            .map(|c| CourrierChoice {
                id: c.id,
                short_label: c.short_label,
            })
            .collect(),
    })
}

/// A contact checked and built, before anything is sent or recorded.
struct Prepared {
    row: crate::store::repo::requests::RequestRow,
    who: ContactDetails,
    means: MeansOfContact,
    courrier: Option<courrier_rows::CourrierRow>,
    sent: Sent,
}

/// What the contact will send, checked and built (the letter resolved),
/// for the agent to see before it leaves: nothing is sent or recorded.
pub fn preview(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    input: &ContactInput,
    sms: bool,
) -> Result<Sent, Error> {
    Ok(prepare(tx, desk, id, input, sms)?.sent)
}

fn prepare(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    input: &ContactInput,
    sms: bool,
) -> Result<Prepared, Error> {
    let row = writable(tx, desk, id, None)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let who = details(&foyer, row.requester_id);
    let enabled = crate::collectivite::settings::current(tx)?.means_of_contact;
    let mut c = Checks::default();
    let means = MeansOfContact::parse(&input.means).filter(|m| enabled.contains(m));
    match means {
        None => c.add(
            "means",
            "choisissez un moyen de contact parmi ceux de la collectivité",
        ),
        Some(m) if !possible(m, &who, sms) => c.add(
            "means",
            format!(
                "ce moyen ne peut pas servir pour ce foyer ({}) : choisissez-en un autre",
                detail(m, &who, "", sms)
            ),
        ),
        _ => {}
    }
    let message = input.message.replace("\r\n", "\n").trim().to_owned();
    let note = input.note.trim().to_owned();
    if note.chars().count() > 1000 {
        c.add("note", "1000 caractères au plus");
    }
    let courrier = match input.courrier.trim() {
        "" => None,
        raw => match raw
            .parse::<i64>()
            .ok()
            .and_then(|cid| courrier_rows::get(tx, cid).ok().flatten())
            .filter(|cr| cr.teleservice_id == row.teleservice_id)
        {
            Some(cr) => Some(cr),
            None => {
                c.add(
                    "courrier",
                    "choisissez un courrier de ce téléservice, ou aucun",
                );
                None
            }
        },
    };
    let letters = matches!(
        means,
        Some(MeansOfContact::Email | MeansOfContact::Mail | MeansOfContact::LocalAuthorityOffice)
    );
    if courrier.is_some() && !letters && c.is_empty() {
        c.add(
            "courrier",
            "un courrier type part par courriel, par courrier postal ou à l’accueil : choisissez l’un de ces moyens, ou aucun courrier",
        );
    }
    let limit = if means == Some(MeansOfContact::Sms) {
        crate::sms::MAX_TEXT
    } else {
        5000
    };
    if message.is_empty() && courrier.is_none() {
        c.add(
            "message",
            match means {
                Some(MeansOfContact::Sms) => "écrivez le texte du SMS",
                Some(
                    MeansOfContact::HomePhone
                    | MeansOfContact::OfficePhone
                    | MeansOfContact::MobilePhone,
                ) => "notez ce qui a été dit pendant l’appel",
                _ => "écrivez le message, ou choisissez un courrier type",
            },
        );
    } else if message.chars().count() > limit {
        c.add("message", format!("{limit} caractères au plus"));
    }
    c.finish()?;
    let means = means.expect("checked");
    let number = row.number.unwrap_or_default();
    let letter = if letters {
        Some(match &courrier {
            Some(cr) => courriers::letter(tx, cr, &row, &message)?,
            None => {
                courriers::free_letter(tx, &row, format!("Votre demande n° {number}"), &message)?
            }
        })
    } else {
        None
    };
    let recipient = detail(means, &who, &foyer.address.one_line(), sms);
    let sent = Sent {
        means: means.code().into(),
        recipient: recipient.clone(),
        message: message.clone(),
        courrier: courrier
            .as_ref()
            .map(|c| c.short_label.clone())
            .unwrap_or_default(),
        letter,
        note,
    };
    Ok(Prepared {
        row,
        who,
        means,
        courrier,
        sent,
    })
}

/// Sends (or records) the contact; answers the history line's id.
#[allow(clippy::too_many_arguments)]
pub fn contact(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    input: &ContactInput,
    sms: bool,
    site: &str,
    base_url: &str,
) -> Result<i64, Error> {
    let Prepared {
        row,
        who,
        means,
        courrier,
        sent,
    } = prepare(tx, desk, id, input, sms)?;
    let (message, note, number) = (
        sent.message.clone(),
        sent.note.clone(),
        row.number.unwrap_or_default(),
    );
    let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
    let summary = match (&courrier, means) {
        (Some(cr), m) => format!("{} : « {} »", m.label(), cr.short_label),
        (None, m) => m.label().to_owned(),
    };
    let action_id = history::write(
        tx,
        history::Line::Request {
            request: id,
            kind: ActionKind::ContactCitizen,
            actor: &Actor {
                kind: "agent",
                id: Some(desk.agent_id),
                name: desk.name.clone(),
            },
            state,
            note: &if note.is_empty() {
                summary
            } else {
                format!("{summary}. Note interne : {note}")
            },
            public: false,
            snapshot: Some(serde_json::to_string(&sent).expect("a contact serialises")),
        },
    )?;
    match means {
        MeansOfContact::Email => {
            let followed = crate::requests::follow::link(tx, &row, base_url)?;
            let email = Contact {
                site,
                number,
                courrier: courrier.as_ref().map(|cr| cr.label.as_str()),
                message: &message,
                followed: &followed,
            };
            let mail = crate::requests::follow::mail(tx, &who.email, &email, &followed)?;
            if courrier.is_some() {
                outbox::attach(
                    tx,
                    mail,
                    &outbox::Attachment::Courrier {
                        request: id,
                        action: action_id,
                    },
                )
                .map_err(Error::from)?;
            }
        }
        MeansOfContact::Sms => {
            let to = crate::sms::international(&who.mobile_phone)
                .ok_or_else(|| invalid("means", "pas de numéro de téléphone portable"))?;
            crate::sms::enqueue(tx, Some(id), &to, &message)?;
        }
        _ => {}
    }
    touched(tx, desk, &row)?;
    Ok(action_id)
}

/// A contact of the history, for the request's agents (and the mail worker,
/// `desk` = `None`).
pub fn sent(
    tx: &mut TenantTx<'_>,
    desk: Option<&Desk>,
    request: i64,
    action_id: i64,
) -> Result<Sent, Error> {
    if let Some(desk) = desk {
        crate::casework::case::reach(tx, desk, request)?;
    }
    let action = repo::actions(tx, request, false)?
        .into_iter()
        .find(|a| a.id == action_id && a.kind == ActionKind::ContactCitizen.code())
        .ok_or(Error::NotFound)?;
    serde_json::from_str(action.snapshot_json.as_deref().unwrap_or("")).map_err(|_| Error::NotFound)
}

/// Draws the letter a contact e-mail carries, with the logo it was written
/// with (the object store down: retried later).
pub fn draw_letter(
    store: &crate::store::Store,
    files: &crate::files::FileStore,
    tenant: crate::tenancy::TenantId,
    attachment: &outbox::Attachment,
) -> Result<outbox::File, crate::jobs::JobError> {
    use crate::courriers;
    use crate::jobs::JobError;
    let outbox::Attachment::Courrier { request, action } = attachment else {
        return Err(JobError::Fail("pièce jointe d’un autre genre".into()));
    };
    let (letter, logo) = store
        .read(tenant, |tx| {
            let letter = sent(tx, None, *request, *action)?
                .letter
                .ok_or(Error::NotFound)?;
            let logo = courriers::logo_key(tx, &letter)?;
            Ok::<_, Error>((letter, logo))
        })
        .map_err(|e| JobError::Fail(format!("courrier de la demande {request} : {e}")))?;
    let logo = courriers::drawn_logo(
        logo.map(|key| files.read_blocking(&key, crate::files::Limits::LOGOS.max_bytes)),
    )
    .map_err(|e| JobError::Retry(e.to_string()))?;
    Ok(outbox::File {
        filename: courriers::filename(&letter),
        content_type: "application/pdf".into(),
        bytes: courriers::document(&letter, logo).render(),
    })
}

#[cfg(test)]
mod tests {
    use super::Contact;
    use crate::mail::template::check;
    use crate::requests::follow::Followed;

    #[test]
    fn the_contact_email_joins_a_courrier_or_carries_the_message() {
        let followed = Followed {
            url: "https://arles.example/mes-demandes/7".into(),
            secret: false,
            days: 30,
        };
        let mut email = Contact {
            site: "Arles",
            number: 42,
            courrier: Some("Convocation"),
            message: "",
            followed: &followed,
        };
        let written = check(&email);
        assert_eq!(
            written.subject,
            "Arles : courrier au sujet de votre demande n° 42"
        );
        assert_eq!(written.body, "Bonjour,\n\nArles vous adresse le courrier joint, « Convocation », au sujet de votre demande n° 42.\n\nVous pouvez la suivre dans « Mes demandes » : https://arles.example/mes-demandes/7\n");
        email.message = "Venez avec l’original.";
        assert!(check(&email)
            .body
            .contains("n° 42.\n\nVenez avec l’original.\n\nVous pouvez"));
        email.courrier = None;
        assert_eq!(check(&email).body, "Bonjour,\n\nVenez avec l’original.\n\nCe message concerne votre demande n° 42.\nVous pouvez la suivre dans « Mes demandes » : https://arles.example/mes-demandes/7\n");
    }
}
