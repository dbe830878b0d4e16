//! A request's documents: its receipt and its certificate, as PDF, and
//! the receipt a confirmation e-mail carries.

use super::*;

/// A request's answers in a PDF, step by step (the steps left empty out).
pub(crate) fn push_answers(doc: &mut crate::pdf::Document, steps: &[StepSummary]) {
    use crate::pdf::Block;
    for step in steps.iter().filter(|s| !s.answers.is_empty()) {
        doc.push(Block::Heading(step.title.clone()));
        for a in &step.answers {
            doc.push(Block::Field {
                label: a.label.clone(),
                value: a.text.clone(),
            });
        }
    }
}

/// What the receipt says: the request as it was sent.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Receipt {
    pub number: i64,
    pub teleservice: String,
    pub requester: String,
    pub subject: Option<String>,
    pub submitted_at: String,
    pub means: String,
    pub note: String,
    pub steps: Vec<StepSummary>,
}

impl Receipt {
    pub fn document(&self, site: &str) -> crate::pdf::Document {
        use crate::pdf::{Block, Document};
        let mut doc = Document::new(format!("Reçu de la demande n° {}", self.number));
        doc.letterhead = vec![site.to_owned()];
        doc.push(Block::Title(format!(
            "Reçu de votre demande n° {}",
            self.number
        )));
        doc.push(Block::Paragraph(format!(
            "{} — déposée le {}.",
            self.teleservice, self.submitted_at
        )));
        doc.push(Block::Field {
            label: "Demandeur".into(),
            value: self.requester.clone(),
        });
        if let Some(s) = &self.subject {
            doc.push(Block::Field {
                label: "Personne concernée".into(),
                value: s.clone(),
            });
        }
        doc.push(Block::Field {
            label: "Contact choisi".into(),
            value: self.means.clone(),
        });
        push_answers(&mut doc, &self.steps);
        if !self.note.is_empty() {
            doc.push(Block::Heading("Votre message".into()));
            doc.push(Block::Paragraph(self.note.clone()));
        }
        doc.push(Block::Gap);
        doc.push(Block::Paragraph(
            "Conservez ce reçu : son numéro vous sera demandé pour toute question sur votre demande.".into(),
        ));
        doc
    }
}

/// The receipt of a request (of this foyer, or any when `household` is
/// `None`, for the back office and the mail worker).
pub fn receipt(tx: &mut TenantTx<'_>, household: Option<i64>, id: i64) -> Result<Receipt, Error> {
    // The foyer's own request only (any, for the back office and the mailer).
    match household {
        Some(h) => repo::of_household(tx, h, id)?,
        None => repo::get(tx, id)?,
    }
    .ok_or(Error::NotFound)?;
    let action = repo::submission(tx, id)?.ok_or(Error::NotFound)?;
    serde_json::from_str(action.snapshot_json.as_deref().unwrap_or("")).map_err(|_| Error::NotFound)
}

/// What a decision's certificate says: the request as it was decided
/// (accepted, refused, cancelled), kept in the history's line of the
/// decision so that it reads the same later.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Certificate {
    pub number: i64,
    pub teleservice: String,
    pub requester: String,
    pub subject: Option<String>,
    pub submitted_at: String,
    /// « acceptée », « refusée », « annulée ».
    pub decision: String,
    pub decided_at: String,
    pub reason: String,
    pub steps: Vec<StepSummary>,
}

impl Certificate {
    pub fn document(&self, site: &str) -> crate::pdf::Document {
        use crate::pdf::{Block, Document};
        let mut doc = Document::new(format!("Attestation de la demande n° {}", self.number));
        doc.letterhead = vec![site.to_owned()];
        doc.push(Block::Title(format!(
            "Attestation : demande n° {} {}",
            self.number, self.decision
        )));
        doc.push(Block::Paragraph(format!(
            "La demande « {} » n° {}, déposée le {}, a été {} le {}.",
            self.teleservice, self.number, self.submitted_at, self.decision, self.decided_at
        )));
        if !self.reason.is_empty() {
            doc.push(Block::Field {
                label: "Motif".into(),
                value: self.reason.clone(),
            });
        }
        doc.push(Block::Field {
            label: "Demandeur".into(),
            value: self.requester.clone(),
        });
        if let Some(s) = &self.subject {
            doc.push(Block::Field {
                label: "Personne concernée".into(),
                value: s.clone(),
            });
        }
        push_answers(&mut doc, &self.steps);
        doc.push(Block::Gap);
        doc.push(Block::Paragraph(format!(
            "Attestation établie par {site} ; conservez-la avec vos papiers."
        )));
        doc
    }
}

/// The certificate of the decision on a request, when there is one, as
/// the history's line of the decision keeps it.
pub(super) fn certify(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    to: RequestState,
    reason: &str,
    at: NaiveDateTime,
) -> Result<Option<String>, Error> {
    if !to.done() {
        return Ok(None);
    }
    let f = filed(tx, row.household_id, row.id)?;
    let foyer = foyers::foyer(tx, row.household_id)?;
    let ctx = context(tx, &f.offer, Some(&foyer), false)?;
    let certificate = Certificate {
        number: row.number.unwrap_or_default(),
        teleservice: f.offer.teleservice.label.clone(),
        requester: row.requester_name.clone(),
        subject: (!row.subject_name.is_empty()).then(|| row.subject_name.clone()),
        submitted_at: row.submitted_at.map(time::datetime_fr).unwrap_or_default(),
        decision: to.label().to_lowercase(),
        decided_at: time::datetime_fr(at),
        reason: reason.to_owned(),
        steps: summarize(&f.form, &f.data, &ctx, false),
    };
    Ok(Some(
        serde_json::to_string(&certificate).expect("a certificate serialises"),
    ))
}

/// The certificate of the last decision on a request (of this foyer, or
/// any when `household` is `None`, for the back office).
pub fn certificate(
    tx: &mut TenantTx<'_>,
    household: Option<i64>,
    id: i64,
) -> Result<Certificate, Error> {
    match household {
        Some(h) => repo::of_household(tx, h, id)?,
        None => repo::get(tx, id)?,
    }
    .ok_or(Error::NotFound)?;
    let action = repo::decision(tx, id)?.ok_or(Error::NotFound)?;
    serde_json::from_str(action.snapshot_json.as_deref().unwrap_or("")).map_err(|_| Error::NotFound)
}

/// Draws the receipt a confirmation e-mail carries, as it is at sending time.
pub fn draw_receipt(
    store: &crate::store::Store,
    _: &crate::files::FileStore,
    tenant: crate::tenancy::TenantId,
    attachment: &outbox::Attachment,
) -> Result<outbox::File, crate::jobs::JobError> {
    use crate::jobs::JobError;
    let outbox::Attachment::Receipt { request } = attachment else {
        return Err(JobError::Fail("pièce jointe d’un autre genre".into()));
    };
    let site = store
        .platform_read(|c| crate::tenancy::name_of(c, tenant))?
        .unwrap_or_default();
    let receipt = store
        .read(tenant, |tx| receipt(tx, None, *request))
        .map_err(|e| JobError::Fail(format!("reçu de la demande {request} : {e}")))?;
    Ok(outbox::File {
        filename: format!("Recu_Demande_{}.pdf", receipt.number),
        content_type: "application/pdf".into(),
        bytes: receipt.document(&site).render(),
    })
}
