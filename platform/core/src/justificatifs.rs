//! A foyer's justificatifs: documents of a type, one or more pages (stored
//! files), valid until a date, reviewed by agents; reused across requests.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::domain::justificatifs::{self as types, DocumentState};
use crate::domain::requests::RequestState;
use crate::domain::time;
use crate::error::Error;
use crate::files::{self, Allowance, FileRecord, StoredFile};
use crate::store::repo::justificatifs::{self as repo, DocumentRow};
use crate::store::repo::requests as requests_repo;
use crate::store::TenantTx;

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub position: i32,
    pub file_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Justificatif {
    pub id: i64,
    pub document_type: String,
    pub type_label: String,
    pub state: String,
    pub state_code: String,
    pub valid_until: Option<String>,
    pub valid_until_date: Option<NaiveDate>,
    pub comment: String,
    pub reusable: bool,
    pub pages: Vec<Page>,
}

fn view(row: DocumentRow, pages: &[repo::PageRow], today: NaiveDate) -> Justificatif {
    let state = DocumentState::parse(&row.state).unwrap_or(DocumentState::Pending);
    let valid = row.valid_until.is_none_or(|d| d >= today);
    Justificatif {
        id: row.id,
        type_label: types::find(&row.document_type)
            .map_or_else(|| row.document_type.clone(), |t| t.label.to_owned()),
        document_type: row.document_type,
        state: state.label().into(),
        state_code: state.code().into(),
        valid_until: row.valid_until.map(time::date_fr),
        valid_until_date: row.valid_until,
        comment: row.agent_comment,
        reusable: state.reusable() && valid,
        pages: pages
            .iter()
            .filter(|p| p.document_id == row.id)
            .map(|p| Page {
                position: p.position,
                file_id: p.file_id,
                filename: p.filename.clone(),
                content_type: p.content_type.clone(),
                size: p.size,
            })
            .collect(),
    }
}

/// « Mes documents »: every document of the foyer, newest first.
pub fn of_foyer(tx: &mut TenantTx<'_>, foyer: i64) -> Result<Vec<Justificatif>, Error> {
    let rows = repo::of_household(tx, foyer)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let pages = repo::pages(tx, &ids)?;
    let today = time::today();
    Ok(rows.into_iter().map(|r| view(r, &pages, today)).collect())
}

/// The documents attached to a request of the foyer.
pub fn of_request(
    tx: &mut TenantTx<'_>,
    household: i64,
    request: i64,
) -> Result<Vec<Justificatif>, Error> {
    let ids = requests_repo::document_ids(tx, request)?;
    Ok(of_foyer(tx, household)?
        .into_iter()
        .filter(|d| ids.contains(&d.id))
        .collect())
}

/// A new document of the foyer from uploaded pages (already stored): its
/// files recorded, its end of validity from its type, waiting for review.
pub fn deposit(
    tx: &mut TenantTx<'_>,
    household: i64,
    document_type: &str,
    pages: &[(StoredFile, String)],
) -> Result<i64, Error> {
    let bytes: u64 = pages.iter().map(|(f, _)| f.size).sum();
    let (files, total) = repo::add_upload_usage(
        tx,
        household,
        time::today(),
        pages.len() as i64,
        i64::try_from(bytes).unwrap_or(i64::MAX),
    )?;
    if files > DAILY_FILES as i64 || total > DAILY_BYTES as i64 {
        return Err(Error::Refused(
            "vous avez atteint ce que l’on peut envoyer en une journée (nombre de fichiers ou taille) : réessayez demain, ou apportez vos documents à la mairie".into(),
        ));
    }
    deposit_from(tx, household, document_type, pages, "household")
}

/// Files a foyer may upload in a day (Europe/Paris), and their bytes: a
/// family's papers fit many times over; a robot's do not.
pub const DAILY_FILES: u64 = 100;
pub const DAILY_BYTES: u64 = 200 * 1024 * 1024;

/// What foyer `household` may still upload today.
pub fn allowance(tx: &mut TenantTx<'_>, household: i64) -> Result<Allowance, Error> {
    let (files, bytes) = repo::upload_usage(tx, household, time::today())?;
    Ok(Allowance {
        files: DAILY_FILES.saturating_sub(files.max(0) as u64),
        bytes: DAILY_BYTES.saturating_sub(bytes.max(0) as u64),
    })
}

/// A deposit by the household or, at the counter, by an agent (`origin`).
pub fn deposit_from(
    tx: &mut TenantTx<'_>,
    household: i64,
    document_type: &str,
    pages: &[(StoredFile, String)],
    origin: &str,
) -> Result<i64, Error> {
    // Both said at once: the type kept, the pages asked for.
    let mut checks = crate::error::Checks::default();
    let kind = types::find(document_type);
    if kind.is_none() {
        checks.add(
            "document_type",
            "choisissez le type de document dans la liste",
        );
    }
    if pages.is_empty() {
        checks.add("pages", "joignez au moins une page (PDF, JPEG ou PNG)");
    }
    checks.finish()?;
    let kind = kind.ok_or(Error::NotFound)?;
    let mut file_ids = Vec::new();
    for (stored, name) in pages {
        file_ids.push(files::record(tx, stored, name)?);
    }
    let at = Utc::now().naive_utc();
    let id = tx.next_id()?;
    repo::insert(
        tx,
        &DocumentRow {
            tenant_id: 0,
            id,
            household_id: household,
            individual_id: None,
            document_type: kind.code.into(),
            state: DocumentState::Pending.code().into(),
            valid_until: kind.validity.until(time::today()),
            agent_comment: String::new(),
            origin: origin.into(),
            created_at: at,
            updated_at: at,
        },
        &file_ids,
    )?;
    Ok(id)
}

/// Joins a document of the foyer to one of its requests.
pub fn attach(
    tx: &mut TenantTx<'_>,
    household: i64,
    request: i64,
    document: i64,
) -> Result<(), Error> {
    let r = requests_repo::of_household(tx, household, request)?.ok_or(Error::NotFound)?;
    let state = RequestState::parse(&r.state).unwrap_or(RequestState::Draft);
    if !state.editable_by_household() {
        return Err(Error::Refused(
            "cette demande ne peut plus être modifiée".into(),
        ));
    }
    let doc = repo::get(tx, household, document)?.ok_or(Error::NotFound)?;
    let today = time::today();
    let d = view(doc, &[], today);
    if !d.reusable {
        return Err(Error::Refused(format!(
            "ce document ne peut pas être utilisé ({}) : déposez-en un nouveau",
            if d.valid_until_date.is_some_and(|v| v < today) {
                "périmé"
            } else {
                d.state.as_str()
            }
        )));
    }
    requests_repo::attach_document(tx, request, document)?;
    Ok(())
}

/// Removes a document from a request (the document stays in the foyer's).
pub fn detach(
    tx: &mut TenantTx<'_>,
    household: i64,
    request: i64,
    document: i64,
) -> Result<(), Error> {
    let r = requests_repo::of_household(tx, household, request)?.ok_or(Error::NotFound)?;
    let state = RequestState::parse(&r.state).unwrap_or(RequestState::Draft);
    if !state.editable_by_household() {
        return Err(Error::Refused(
            "cette demande ne peut plus être modifiée".into(),
        ));
    }
    requests_repo::detach_document(tx, request, document)?;
    Ok(())
}

/// A page of one of the foyer's documents, to download.
pub fn page(tx: &mut TenantTx<'_>, household: i64, file_id: i64) -> Result<FileRecord, Error> {
    let docs = repo::of_household(tx, household)?;
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    if !repo::pages(tx, &ids)?.iter().any(|p| p.file_id == file_id) {
        return Err(Error::NotFound);
    }
    files::get(tx, file_id)?.ok_or(Error::NotFound)
}

/// Accepts a document a request was accepted on, if it waits for review.
pub fn accept(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    at: chrono::NaiveDateTime,
) -> Result<(), Error> {
    let Some(row) = repo::get(tx, household, id)? else {
        return Ok(());
    };
    let state = DocumentState::parse(&row.state).unwrap_or(DocumentState::Pending);
    if matches!(
        state,
        DocumentState::Draft | DocumentState::Pending | DocumentState::Checked
    ) {
        repo::set_state(tx, id, DocumentState::Validated.code(), at)?;
    }
    Ok(())
}

/// Marks the documents past their end of validity as outdated (a daily job).
pub fn outdate(tx: &mut TenantTx<'_>) -> Result<usize, Error> {
    let ids = repo::outdated(tx, time::today())?;
    let at = Utc::now().naive_utc();
    for id in &ids {
        repo::set_state(tx, *id, DocumentState::Outdated.code(), at)?;
    }
    Ok(ids.len())
}
