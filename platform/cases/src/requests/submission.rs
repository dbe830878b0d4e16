//! Submission: the means of contact offered, then number, history,
//! receipt and e-mails, in one transaction.

use super::*;
use crate::domain::host::Site;

/// The means of contact the household may choose for a request.
pub fn means_offered(
    settings: &Settings,
    requester: &foyers::Member,
    has_address: bool,
) -> Vec<MeansOfContact> {
    let who = ContactDetails {
        email: requester.email.clone(),
        has_address,
        home_phone: requester.home_phone.clone(),
        office_phone: requester.office_phone.clone(),
        mobile_phone: requester.mobile_phone.clone(),
    };
    MeansOfContact::ALL
        .into_iter()
        .filter(|m| settings.means_of_contact.contains(m) && m.possible(&who))
        .collect()
}

/// What the summary page sends.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    pub means: String,
    pub note: String,
    pub consent: bool,
    /// The form's one-time key: a second submission of it makes nothing new.
    pub key: String,
    /// An agent sending it for the household (counter mode).
    pub filer: Option<Filer>,
}

/// What a submission made.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub id: i64,
    pub number: i64,
    pub state: RequestState,
}

/// Sends a request: checks everything again, gives it its number, moves it
/// to « déposée » (or « complétée » when sent again after the agents asked
/// for more), writes its history with the data as sent, the receipt e-mail
/// and the agents' notice, all in the caller's transaction. Sending the same
/// form twice answers the first submission.
#[allow(clippy::too_many_arguments)]
pub fn submit(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    sending: &Sending,
    foyer: &Foyer,
    settings: &Settings,
    here: &Site,
) -> Result<Submitted, Error> {
    repo::lock(tx, id)?;
    if let Some(done) = repo::by_submit_key(tx, &sending.key)? {
        if done.household_id == household && done.id == id {
            return Ok(Submitted {
                id,
                number: done.number.unwrap_or_default(),
                state: RequestState::parse(&done.state).unwrap_or(RequestState::Pending),
            });
        }
        return Err(Error::NotFound);
    }
    let f = filed(tx, household, id)?;
    editable(tx, &f)?;
    let from = f.state();
    let to = match from {
        RequestState::Draft => RequestState::Pending,
        RequestState::Uncomplete => RequestState::Rectified,
        RequestState::Pending => RequestState::Pending,
        _ => return Err(Error::Refused("cette demande a déjà été envoyée".into())),
    };
    if from == RequestState::Draft {
        if let Some(reason) = f.offer.closed_reason(time::today()) {
            return Err(Error::Refused(reason));
        }
        // Two drafts for one subject: the first sent wins.
        if !f.form.several_per_subject {
            let taken =
                repo::subjects_states(tx, household, f.row.teleservice_id, f.row.season_id)?;
            let running = taken.iter().filter(|(s, state)| {
                *s == f.row.subject_id
                    && RequestState::parse(state).is_some_and(RequestState::running)
            });
            if running.count() > 0 {
                return Err(Error::Refused(
                    "une demande de ce type est déjà en cours pour cette personne : suivez-la dans « Mes demandes »".into(),
                ));
            }
        }
    }
    let ctx = context(tx, &f.offer, Some(foyer), false)?;
    let mut errors: Vec<FieldError> = validate_data(&f.form, &f.data, &ctx)
        .into_iter()
        .map(|(step, e)| FieldError {
            field: format!("step.{step}"),
            ..e
        })
        .collect();
    if let Some(next) = f.next_step() {
        errors.push(FieldError {
            field: format!("step.{}", next.key),
            label: next.title.clone(),
            message: "cette étape n’est pas encore remplie".into(),
        });
    }
    let attached = crate::justificatifs::of_request(tx, household, id)?;
    let missing: Vec<String> = asked(&f.offer)
        .into_iter()
        .filter(|a| a.required && !attached.iter().any(|d| d.document_type == a.document_type))
        .map(|a| a.label)
        .collect();
    if !missing.is_empty() {
        errors.push(FieldError {
            field: "step.justificatifs".into(),
            label: "Justificatifs".into(),
            message: format!(
                "joignez {} : sans, la demande ne peut pas être envoyée",
                missing.join(", ")
            ),
        });
    }
    let requester = foyer.member(f.row.requester_id).ok_or(Error::NotFound)?;
    let offered = means_offered(settings, requester, true);
    let means = MeansOfContact::parse(&sending.means).filter(|m| offered.contains(m));
    if means.is_none() {
        errors.push(FieldError {
            field: "means".into(),
            label: "Comment la mairie vous contacte".into(),
            message: "choisissez comment la mairie vous contactera".into(),
        });
    }
    if !sending.consent {
        errors.push(FieldError {
            field: "consent".into(),
            label: "Engagement".into(),
            message: "cochez la case pour confirmer que les informations sont exactes".into(),
        });
    }
    let note = sending.note.trim();
    if note.chars().count() > 2000 {
        errors.push(FieldError {
            field: "note".into(),
            label: "Message pour la mairie".into(),
            message: "2000 caractères au plus".into(),
        });
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let at = now();
    let summary = summarize(&f.form, &f.data, &ctx, false);
    let mut row = f.row.clone();
    row.state = to.code().into();
    row.data_state = "Pending".into();
    row.means_of_contact = means.map(|m| m.code().to_owned());
    row.household_note = note.to_owned();
    row.submit_key = (!sending.key.is_empty()).then(|| sending.key.clone());
    row.updated_at = at;
    row.draft_expires_at = None;
    row.draft_notified_at = None;
    if from == RequestState::Draft {
        row.submitted_at = Some(at);
        // Taken last: the counter's row stays locked until commit.
        row.number = Some(tx.next_value("request")?);
    }
    repo::update(tx, &row)?;
    crate::store::repo::foyers::delete_request_tokens(tx, id)?;
    let number = row.number.unwrap_or_default();
    let snapshot = Receipt {
        number,
        teleservice: f.offer.teleservice.label.clone(),
        requester: requester.name.clone(),
        subject: (!row.subject_name.is_empty()).then(|| row.subject_name.clone()),
        submitted_at: time::datetime_fr(at),
        means: means.map(|m| m.label().to_owned()).unwrap_or_default(),
        note: note.to_owned(),
        steps: summary,
    };
    let kind = if from == RequestState::Draft {
        ActionKind::Creation
    } else {
        ActionKind::StateChange
    };
    let label = match to {
        RequestState::Rectified => "Demande complétée et renvoyée",
        _ if from == RequestState::Pending => "Demande modifiée",
        _ => "Demande envoyée",
    };
    let (actor, label) = match &sending.filer {
        Some(f) if from == RequestState::Draft => (f.actor.clone(), f.note("Demande déposée")),
        _ => (household_actor(requester), label.to_owned()),
    };
    history::write(
        tx,
        history::Line::Request {
            request: id,
            kind,
            actor: &actor,
            state: to,
            note: &label,
            public: true,
            snapshot: Some(serde_json::to_string(&snapshot).expect("a receipt serialises")),
        },
    )?;
    // Its téléservice's fee, owed from now on.
    let fee = if from == RequestState::Draft {
        crate::payments::fees::on_submission(tx, id, number, &snapshot.teleservice, &actor.name)?
    } else {
        None
    };
    if from == RequestState::Uncomplete {
        // Completed: its agents hear of every change at once.
        let changes = changes_since_asked(tx, id)?;
        let note = if changes.is_empty() {
            "Renvoyée sans changement de ses réponses (voyez ses justificatifs et ses messages)."
                .to_owned()
        } else {
            changes.join("\n")
        };
        tell_agents_of_change(tx, &row, &f.offer, Change::Completed, &note, here)?;
    }
    if !requester.email.is_empty() {
        let followed = crate::requests::follow::link(tx, &row, &here.url)?;
        let email = mails::Receipt {
            site: &here.name,
            number,
            teleservice: &snapshot.teleservice,
            submitted_at: &snapshot.submitted_at,
            completed: from == RequestState::Uncomplete,
            modified: from == RequestState::Pending,
            fee,
            base_url: &here.url,
            followed: &followed,
        };
        let mail = crate::requests::follow::mail(tx, &requester.email, &email, &followed)?;
        outbox::attach(tx, mail, &outbox::Attachment::Receipt { request: id })
            .map_err(Error::from)?;
    }
    if settings.notify_agents && from == RequestState::Draft {
        notify_agents(tx, &f.offer, number, id, here)?;
    }
    Ok(Submitted {
        id,
        number,
        state: to,
    })
}

/// Mails the agents who may process requests of the téléservice's category.
fn notify_agents(
    tx: &mut TenantTx<'_>,
    offer: &Offer,
    number: i64,
    id: i64,
    here: &Site,
) -> Result<(), Error> {
    let Some(category) = offer.teleservice.category_id else {
        return Ok(());
    };
    for email in crate::agents::rights::agent_emails(tx, category)? {
        let new = mails::NewRequest {
            site: &here.name,
            number,
            teleservice: &offer.teleservice.label,
            link: format!("{}/backoffice/demandes/{id}", here.url),
        };
        outbox::send(tx, &email, &new).map_err(Error::from)?;
    }
    Ok(())
}
