//! A request's justificatifs in the back office: the documents it was sent
//! with, what its téléservice asks and is missing, and the agent's review
//! of each (state along its lifecycle, end of validity, a comment the
//! household reads). An agent adds a document brought to the counter or a
//! missing page, and removes a document from the request (the association
//! only: the document stays the foyer's). Each change is a line of the
//! request's history, written under the same lock and version checks as
//! the rest of the request's page.

use chrono::NaiveDate;
use serde::Serialize;

use super::case::{me, now, reach, touched, writable};
use crate::agents::Desk;
use crate::catalogue::offer::Offer;
use crate::domain::justificatifs::{self as types, DocumentState};
use crate::domain::requests::{ActionKind, RequestState};
use crate::domain::time;
use crate::error::{invalid, Error};
use crate::files::{self, FileRecord, StoredFile};
use crate::history;
use crate::justificatifs::{self as docs, Justificatif};
use crate::store::repo::justificatifs as repo;
use crate::store::repo::requests::{self as requests_repo, RequestRow};
use crate::store::TenantTx;

/// A state the agent may give a document (its current one included).
#[derive(Debug, Clone, Serialize)]
pub struct StateChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A document of the request, with what the review form offers.
#[derive(Debug, Clone, Serialize)]
pub struct Reviewed {
    #[serde(flatten)]
    pub document: Justificatif,
    pub states: Vec<StateChoice>,
    /// The end of validity as the date field takes it (AAAA-MM-JJ).
    pub valid_until_input: String,
    pub added_by_agent: bool,
}

/// The justificatifs zone of a request's page.
#[derive(Debug, Clone, Serialize)]
pub struct Justificatifs {
    pub documents: Vec<Reviewed>,
    /// The types the téléservice asks for that no document of the request is.
    pub missing: Vec<String>,
    /// Every type, for the form that adds a document.
    pub types: Vec<(String, String)>,
}

fn states_from(state: DocumentState) -> Vec<StateChoice> {
    DocumentState::ALL
        .into_iter()
        .filter(|s| *s == state || state.may_become(*s))
        .map(|s| StateChoice {
            code: s.code(),
            label: s.label(),
            current: s == state,
        })
        .collect()
}

pub(crate) fn zone(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    offer: &Offer,
) -> Result<Justificatifs, Error> {
    let origins: Vec<(i64, String)> = repo::of_household(tx, row.household_id)?
        .into_iter()
        .map(|d| (d.id, d.origin))
        .collect();
    let documents: Vec<Reviewed> = docs::of_request(tx, row.household_id, row.id)?
        .into_iter()
        .map(|d| {
            let state = DocumentState::parse(&d.state_code).unwrap_or(DocumentState::Pending);
            Reviewed {
                states: states_from(state),
                valid_until_input: d
                    .valid_until_date
                    .map(|v| v.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                added_by_agent: origins.iter().any(|(id, o)| *id == d.id && o == "agent"),
                document: d,
            }
        })
        .collect();
    let missing = crate::catalogue::offer::asked(offer)
        .into_iter()
        .filter(|a| {
            !documents
                .iter()
                .any(|d| d.document.document_type == a.document_type)
        })
        .map(|a| a.label)
        .collect();
    Ok(Justificatifs {
        documents,
        missing,
        types: types::DOCUMENT_TYPES
            .iter()
            .map(|t| (t.code.to_owned(), t.label.to_owned()))
            .collect(),
    })
}

/// The document, if it is one of the request's.
fn of_request(
    tx: &mut TenantTx<'_>,
    row: &RequestRow,
    document: i64,
) -> Result<Justificatif, Error> {
    docs::of_request(tx, row.household_id, row.id)?
        .into_iter()
        .find(|d| d.id == document)
        .ok_or(Error::NotFound)
}

/// A history line about a document, seen by the household (the document's
/// state and comment are theirs to read).
fn record(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    row: &RequestRow,
    kind: ActionKind,
    note: &str,
) -> Result<(), Error> {
    let state = RequestState::parse(&row.state).unwrap_or(RequestState::Pending);
    history::write(
        tx,
        history::Line::Request {
            request: row.id,
            kind,
            actor: &me(desk),
            state,
            note,
            public: true,
            snapshot: None,
        },
    )?;
    touched(tx, desk, row)
}

/// What the agent decides about a document: its state (along its
/// lifecycle), its end of validity (empty: none), a comment for the
/// household.
pub struct Review<'a> {
    pub document: i64,
    pub state: &'a str,
    pub valid_until: &'a str,
    pub comment: &'a str,
}

fn valid_until(v: &str) -> Result<Option<NaiveDate>, Error> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| {
            invalid(
                "valid_until",
                "indiquez la date de fin de validité au format jj/mm/aaaa, par exemple 30/06/2027",
            )
        })
}

pub fn review(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    r: &Review<'_>,
) -> Result<(), Error> {
    let row = writable(tx, desk, id, Some(seen))?;
    let doc = of_request(tx, &row, r.document)?;
    let from = DocumentState::parse(&doc.state_code).unwrap_or(DocumentState::Pending);
    let to = DocumentState::parse(r.state)
        .ok_or_else(|| invalid("state", "choisissez l’état du document dans la liste"))?;
    if to != from && !from.may_become(to) {
        return Err(Error::Refused(format!(
            "un document « {} » ne peut pas devenir « {} »",
            from.label(),
            to.label()
        )));
    }
    let until = valid_until(r.valid_until)?;
    if until.is_some_and(|d| d < time::today())
        && matches!(to, DocumentState::Validated | DocumentState::Checked)
    {
        return Err(invalid(
            "valid_until",
            "cette date est passée : indiquez une date à venir, ou choisissez l’état « périmé »",
        ));
    }
    let comment = r.comment.trim();
    if comment.chars().count() > 1000 {
        return Err(invalid("comment", "1000 caractères au plus"));
    }
    if to == from && until == doc.valid_until_date && comment == doc.comment {
        return Ok(());
    }
    repo::review(tx, doc.id, to.code(), until, comment, now())?;
    let mut note = format!("{} : {}", doc.type_label, to.label());
    if let Some(d) = until {
        note.push_str(&format!(", valable jusqu’au {}", time::date_fr(d)));
    }
    if !comment.is_empty() {
        note.push_str(&format!(" ({comment})"));
    }
    record(tx, desk, &row, ActionKind::DocumentReview, &note)
}

/// A document brought by the household (at the counter, by mail) added to
/// the foyer's and to the request, waiting for review like any other.
pub fn add(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    document_type: &str,
    pages: &[(StoredFile, String)],
) -> Result<i64, Error> {
    let row = writable(tx, desk, id, Some(seen))?;
    let document = docs::deposit_from(tx, row.household_id, document_type, pages, "agent")?;
    requests_repo::attach_document(tx, id, document)?;
    let label = types::find(document_type).map_or(document_type, |t| t.label);
    record(tx, desk, &row, ActionKind::DocumentAddition, label)?;
    Ok(document)
}

/// A missing page added to a document of the request; a refused or outdated
/// document goes back to review.
pub fn add_page(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    document: i64,
    page: &(StoredFile, String),
) -> Result<(), Error> {
    let row = writable(tx, desk, id, Some(seen))?;
    let doc = of_request(tx, &row, document)?;
    let file = files::record(tx, &page.0, &page.1)?;
    repo::add_page(tx, doc.id, file)?;
    let state = DocumentState::parse(&doc.state_code).unwrap_or(DocumentState::Pending);
    if matches!(state, DocumentState::Refused | DocumentState::Outdated) {
        repo::set_state(tx, doc.id, DocumentState::Pending.code(), now())?;
    }
    let note = format!("{} : page {} ajoutée", doc.type_label, doc.pages.len() + 1);
    record(tx, desk, &row, ActionKind::DocumentAddition, &note)
}

/// Takes a document off the request; it stays among the foyer's.
pub fn remove(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    seen: &str,
    document: i64,
) -> Result<(), Error> {
    let row = writable(tx, desk, id, Some(seen))?;
    let doc = of_request(tx, &row, document)?;
    requests_repo::detach_document(tx, id, doc.id)?;
    let note = format!("{} (le document reste dans ceux du foyer)", doc.type_label);
    record(tx, desk, &row, ActionKind::DocumentRemoval, &note)
}

/// A page of a document of a request the agent reaches, to look at.
pub fn page(
    tx: &mut TenantTx<'_>,
    desk: &Desk,
    id: i64,
    file_id: i64,
) -> Result<FileRecord, Error> {
    let row = reach(tx, desk, id)?;
    let on_request = docs::of_request(tx, row.household_id, row.id)?
        .iter()
        .any(|d| d.pages.iter().any(|p| p.file_id == file_id));
    if !on_request {
        return Err(Error::NotFound);
    }
    files::get(tx, file_id)?.ok_or(Error::NotFound)
}
