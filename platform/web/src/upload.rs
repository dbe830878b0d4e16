//! Forms with files (`multipart/form-data`) and file downloads.
//!
//! [`receive`] reads a multipart form: its text fields (small), then each file
//! streamed into the object store under the route's [`Accept`]: its one file
//! field (a file under any other name is refused before a byte of it is
//! stored), its [`Limits`] per file and per form, and what is left of a
//! foyer's daily allowance. The CSRF token must come first (our forms put it
//! first): no byte of a file is stored before the token is checked. When
//! anything goes wrong, the files already stored by this request are removed:
//! a form is taken whole or not at all.
//!
//! [`download`] serves a stored file as an attachment, with
//! `Content-Security-Policy: sandbox` and `nosniff`, so that no upload is ever
//! rendered as a page of ours.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::HttpResponse;
use futures_util::{StreamExt, TryStreamExt};

use super::csrf;
use super::{sentence, AppError};
use guichet_core::files::{
    clean_filename, human_size, Allowance, FileError, FileKind, FileStore, Limits, StoredFile,
};
use guichet_core::tenancy::TenantId;

/// Text fields of an upload form are short.
const FIELD_LIMIT: usize = 16 * 1024;
const MAX_FIELDS: usize = 100;

/// A file of the form, stored.
#[derive(Debug, Clone)]
pub struct Received {
    /// The form field it came in.
    pub field: String,
    /// Its name on the sender's computer, cleaned.
    pub filename: String,
    pub stored: StoredFile,
}

/// A multipart form, its CSRF token checked, its files stored (or, read
/// with [`receive_text`], its text files kept in memory).
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: HashMap<String, String>,
    pub files: Vec<Received>,
    /// Text files read in memory: (field, content).
    pub texts: Vec<(String, String)>,
}

/// What a route's form may upload.
#[derive(Debug, Clone, Copy)]
pub struct Accept<'a> {
    /// The form's file field.
    pub field: &'a str,
    pub limits: &'a Limits,
    /// What is left of the foyer's allowance for the day (households).
    pub allowance: Option<Allowance>,
}

impl<'a> Accept<'a> {
    pub fn new(field: &'a str, limits: &'a Limits) -> Accept<'a> {
        Accept {
            field,
            limits,
            allowance: None,
        }
    }

    pub fn within(self, allowance: Allowance) -> Accept<'a> {
        Accept {
            allowance: Some(allowance),
            ..self
        }
    }
}

const ALLOWANCE_SPENT: &str = "Vous avez atteint ce que l’on peut envoyer en une journée (nombre de fichiers ou taille) : réessayez demain, ou apportez vos documents à la mairie.";

/// Where a form's files go.
enum Sink<'a> {
    Store {
        files: &'a FileStore,
        tenant: TenantId,
        accept: Accept<'a>,
    },
    /// One file, read whole, as UTF-8 text of at most this many bytes (an import).
    Text { field: &'a str, max: usize },
}

impl UploadForm {
    /// The storage keys of the files received.
    pub fn keys(&self) -> Vec<String> {
        self.files.iter().map(|f| f.stored.key.clone()).collect()
    }

    /// The files of one field, as the core records them.
    pub fn pages(&self, field: &str) -> Vec<(StoredFile, String)> {
        self.files
            .iter()
            .filter(|f| f.field == field)
            .map(|f| (f.stored.clone(), f.filename.clone()))
            .collect()
    }

    pub fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::TooLarge { .. } => AppError::TooLarge(sentence(&e.to_string())),
            FileError::Empty | FileError::NotAllowed { .. } | FileError::Refused(_) => {
                AppError::BadRequest(sentence(&e.to_string()))
            }
            FileError::NotFound => AppError::NotFound,
            FileError::Unavailable(detail) => AppError::FilesUnavailable(detail),
        }
    }
}

/// Reads a multipart form as described in the module's documentation.
pub async fn receive(
    mut payload: Multipart,
    session: &Session,
    files: &FileStore,
    tenant: TenantId,
    accept: Accept<'_>,
) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    let sink = Sink::Store {
        files,
        tenant,
        accept,
    };
    let outcome = read_all(&mut payload, session, &sink, &mut form).await;
    if let Err(e) = outcome {
        discard(files, &form.keys()).await;
        return Err(e);
    }
    Ok(form)
}

/// Reads a multipart form whose one file, under `field`, is text to read at
/// once (a CSV to import), at most `max_bytes`, in UTF-8; nothing is stored.
pub async fn receive_text(
    mut payload: Multipart,
    session: &Session,
    field: &str,
    max_bytes: usize,
) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    let sink = Sink::Text {
        field,
        max: max_bytes,
    };
    read_all(&mut payload, session, &sink, &mut form).await?;
    Ok(form)
}

/// A file under a name the form does not have: refused before it is read.
fn unexpected(field: &str) -> AppError {
    AppError::BadRequest(format!(
        "Ce formulaire reçoit un fichier par son champ « {field} » seulement : envoyez-le depuis la page du formulaire."
    ))
}

/// Stores one more file of the form within the route's limits and the
/// foyer's allowance.
async fn store_one(
    files: &FileStore,
    tenant: TenantId,
    accept: &Accept<'_>,
    form: &UploadForm,
    field: actix_multipart::Field,
) -> Result<StoredFile, AppError> {
    let limits = accept.limits;
    let used: u64 = form.files.iter().map(|f| f.stored.size).sum();
    let count = form.files.len() as u64;
    if let Some(left) = accept.allowance {
        if count >= left.files || used >= left.bytes {
            return Err(AppError::TooLarge(ALLOWANCE_SPENT.into()));
        }
    }
    if form.files.len() >= limits.max_files {
        return Err(AppError::TooLarge(format!(
            "Envoyez {} au plus à la fois : envoyez les autres ensuite.",
            if limits.max_files > 1 {
                format!("{} fichiers", limits.max_files)
            } else {
                "un fichier".to_owned()
            }
        )));
    }
    let mut this = limits.next_file(used);
    let by_allowance = accept
        .allowance
        .map(|left| left.bytes - used)
        .filter(|&left| left < this.max_bytes);
    if let Some(left) = by_allowance {
        this.max_bytes = left;
    }
    let by_total = this.max_bytes < limits.max_bytes;
    let stream = field.map(|chunk| chunk.map_err(|e| e.to_string()));
    match files.put_stream(tenant, stream, &this).await {
        Err(FileError::TooLarge { .. }) if by_allowance.is_some() => {
            Err(AppError::TooLarge(ALLOWANCE_SPENT.into()))
        }
        Err(FileError::TooLarge { .. }) if by_total => Err(AppError::TooLarge(format!(
            "Les fichiers envoyés ensemble dépassent {} : envoyez-les en plusieurs fois, ou réduisez-les.",
            human_size(limits.max_total)
        ))),
        other => Ok(other?),
    }
}

async fn read_all(
    payload: &mut Multipart,
    session: &Session,
    sink: &Sink<'_>,
    form: &mut UploadForm,
) -> Result<(), AppError> {
    let mut token_checked = false;
    while let Some(field) = payload
        .try_next()
        .await
        .map_err(|e| AppError::BadRequest(format!("Envoi illisible : {e}.")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        match filename {
            // A file field left empty: browsers send it without a name.
            Some(filename) if filename.is_empty() => {
                let mut field = field;
                while field
                    .try_next()
                    .await
                    .map_err(|e| AppError::BadRequest(format!("Envoi illisible : {e}.")))?
                    .is_some()
                {}
            }
            Some(filename) => {
                if !token_checked {
                    return Err(AppError::Csrf);
                }
                match sink {
                    Sink::Store {
                        files,
                        tenant,
                        accept,
                    } => {
                        if name != accept.field {
                            return Err(unexpected(accept.field));
                        }
                        let stored = store_one(files, *tenant, accept, form, field).await?;
                        form.files.push(Received {
                            field: name,
                            filename: clean_filename(&filename),
                            stored,
                        });
                    }
                    Sink::Text {
                        field: expected,
                        max,
                    } => {
                        if name != *expected {
                            return Err(unexpected(expected));
                        }
                        if !form.texts.is_empty() {
                            return Err(AppError::BadRequest(
                                "Envoyez un seul fichier à la fois.".into(),
                            ));
                        }
                        let mut bytes = Vec::new();
                        let mut field = field;
                        while let Some(chunk) = field
                            .try_next()
                            .await
                            .map_err(|e| AppError::BadRequest(format!("Envoi illisible : {e}.")))?
                        {
                            bytes.extend_from_slice(&chunk);
                            if bytes.len() > *max {
                                return Err(AppError::TooLarge(sentence(&format!(
                                    "le fichier dépasse {} ko : envoyez-le en plusieurs parties",
                                    max / 1024
                                ))));
                            }
                        }
                        let text = String::from_utf8(bytes).map_err(|_| {
                            AppError::BadRequest("Le fichier n’est pas un texte en UTF-8 : enregistrez-le au format « CSV UTF-8 » depuis votre tableur, puis envoyez-le à nouveau.".into())
                        })?;
                        form.texts.push((name, text));
                    }
                }
            }
            None => {
                if form.fields.len() >= MAX_FIELDS {
                    return Err(AppError::BadRequest("Formulaire trop long.".into()));
                }
                let mut value = Vec::new();
                let mut field = field;
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|e| AppError::BadRequest(format!("Envoi illisible : {e}.")))?
                {
                    value.extend_from_slice(&chunk);
                    if value.len() > FIELD_LIMIT {
                        return Err(AppError::BadRequest("Formulaire trop volumineux.".into()));
                    }
                }
                let value = String::from_utf8(value)
                    .map_err(|_| AppError::BadRequest("Formulaire illisible.".into()))?;
                if name == csrf::FIELD {
                    if !csrf::is_valid(session, &value) {
                        return Err(AppError::Csrf);
                    }
                    token_checked = true;
                } else {
                    form.fields.insert(name, value);
                }
            }
        }
    }
    if !token_checked {
        return Err(AppError::Csrf);
    }
    Ok(())
}

/// Removes the files of an upload whose record was refused: nothing is
/// kept half-way (a failure to remove is logged, the file is an orphan).
pub async fn discard(files: &FileStore, keys: &[String]) {
    for key in keys {
        if let Err(gone) = files.delete(key).await {
            tracing::error!(%key, error = %gone, "fichier d’un envoi refusé non supprimé");
        }
    }
}

/// A stored file as an attachment, never rendered by the browser as a page.
pub async fn download(
    files: &FileStore,
    key: &str,
    filename: &str,
    kind: FileKind,
) -> Result<HttpResponse, AppError> {
    let (size, stream) = files.get(key).await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(
            actix_web::http::header::ExtendedValue {
                charset: actix_web::http::header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: clean_filename(filename).into_bytes(),
            },
        )],
    };
    Ok(HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CONTENT_LENGTH, size))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(stream.map_err(AppError::from)))
}

/// A stored page of a justificatif, shown inside the agent's request page
/// (its document viewer): inline, framed by this site only. An image gets a
/// sandbox; a PDF cannot (browsers do not show a PDF in a sandbox), and is
/// one of the files checked by their first bytes at upload.
pub async fn view(files: &FileStore, key: &str, kind: FileKind) -> Result<HttpResponse, AppError> {
    let (size, stream) = files.get(key).await?;
    let policy = match kind {
        FileKind::Pdf => "default-src 'none'; frame-ancestors 'self'",
        _ => "sandbox; default-src 'none'; frame-ancestors 'self'",
    };
    Ok(HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((header::CONTENT_LENGTH, size))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(stream.map_err(AppError::from)))
}

/// A public image of the collectivité that its pages show (a logo, the
/// banner): their links carry the file's id, so that it may be cached long.
pub async fn public(
    files: &FileStore,
    key: &str,
    kind: FileKind,
) -> Result<HttpResponse, AppError> {
    let (size, stream) = files.get(key).await?;
    Ok(HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header((header::CONTENT_LENGTH, size))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .streaming(stream.map_err(AppError::from)))
}
