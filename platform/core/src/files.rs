//! Files (justificatifs, logos, documents): one object store
//! (`guichet_adapters::objects`), the local filesystem under
//! `GUICHET_DATA_DIR/files` by default, or any S3-compatible service
//! (`GUICHET_OBJECT_STORE_URL=s3://bucket?endpoint=…&region=…`).
//!
//! An upload is streamed: its type is read from its first bytes (never from
//! its name or declared type), its size counted against the route's limit,
//! its SHA-256 computed on the way. It is complete or not stored at all: a
//! multipart upload aborted on any failure (the filesystem writes a temporary
//! file, renamed at the end).

use std::path::Path as FsPath;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use guichet_adapters::objects::{ObjectError, Objects};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::stylesheet;
use crate::store::repo::files::{self as rows, NewFile};
use crate::store::{StoreError, TenantTx};
use crate::tenancy::TenantId;

pub use rows::{get, FileRecord};

/// The types a route may accept, recognised by their content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    /// The portal's style sheet: text, checked whole (`domain::stylesheet`).
    Css,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Css => "text/css",
        }
    }

    /// The `Content-Type` it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Css => "text/css; charset=utf-8",
            other => other.mime(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Css => "CSS",
        }
    }

    fn from_mime(mime: &str) -> Option<FileKind> {
        match mime {
            "application/pdf" => Some(FileKind::Pdf),
            "image/jpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            "text/css" => Some(FileKind::Css),
            _ => None,
        }
    }

    /// The type a file's row records.
    pub fn of(record: &FileRecord) -> Option<FileKind> {
        FileKind::from_mime(&record.content_type)
    }

    /// What the first bytes say the content is. Text has no signature:
    /// it is taken for CSS only where a style sheet is `expected`, and then
    /// checked whole once received.
    pub fn sniff(head: &[u8], expected: &[FileKind]) -> Option<FileKind> {
        if let Some(binary) = infer::get(head).and_then(|t| FileKind::from_mime(t.mime_type())) {
            return Some(binary);
        }
        let text = match std::str::from_utf8(head) {
            Ok(_) => true,
            // A character cut by the end of the head is still text.
            Err(e) => e.error_len().is_none(),
        };
        (expected.contains(&FileKind::Css) && text && !head.contains(&0)).then_some(FileKind::Css)
    }
}

/// What a route accepts: each file, and the form's files together.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of one file.
    pub max_bytes: u64,
    pub kinds: &'static [FileKind],
    /// Files in one form.
    pub max_files: usize,
    /// Bytes of all the form's files.
    pub max_total: u64,
}

impl Limits {
    /// Justificatifs: scans and photos of papers, 10 Mio each, ten pages
    /// and 30 Mio a form.
    pub const DOCUMENTS: Limits = Limits {
        max_bytes: 10 * 1024 * 1024,
        kinds: &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
        max_files: 10,
        max_total: 30 * 1024 * 1024,
    };

    /// One page added to a justificatif.
    pub const PAGE: Limits = Limits {
        max_files: 1,
        max_total: 10 * 1024 * 1024,
        ..Limits::DOCUMENTS
    };

    /// Logos: PNG or JPEG, 1 Mio.
    pub const LOGOS: Limits = Limits {
        max_bytes: 1024 * 1024,
        kinds: &[FileKind::Png, FileKind::Jpeg],
        max_files: 1,
        max_total: 1024 * 1024,
    };

    /// The collectivité's documents for the public: PDF, 10 Mio.
    pub const PUBLICATIONS: Limits = Limits {
        max_bytes: 10 * 1024 * 1024,
        kinds: &[FileKind::Pdf],
        max_files: 1,
        max_total: 10 * 1024 * 1024,
    };

    /// The portal's style sheet: CSS, 200 kio.
    pub const STYLE: Limits = Limits {
        max_bytes: 200 * 1024,
        kinds: &[FileKind::Css],
        max_files: 1,
        max_total: 200 * 1024,
    };

    /// These limits for one more file when `used` bytes of the form are
    /// taken: the file may not exceed what is left of the total.
    pub fn next_file(&self, used: u64) -> Limits {
        Limits {
            max_bytes: self.max_bytes.min(self.max_total.saturating_sub(used)),
            ..*self
        }
    }

    fn kinds_fr(&self) -> String {
        let labels: Vec<&str> = self.kinds.iter().map(|k| k.label()).collect();
        match labels.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("le fichier dépasse la taille autorisée ({}) : réduisez-le (par exemple en le numérisant en noir et blanc) ou envoyez-en un plus petit", human_size(*max))]
    TooLarge { max: u64 },
    #[error("le fichier est vide : choisissez le bon fichier et envoyez-le à nouveau")]
    Empty,
    #[error("ce fichier n’est pas un {expected} (son contenu a été vérifié) : envoyez un fichier {expected}")]
    NotAllowed { expected: String },
    /// The content is of the right type but says something refused.
    #[error("{0}")]
    Refused(String),
    #[error("fichier introuvable")]
    NotFound,
    /// The object store cannot be reached; nothing was stored.
    #[error("le stockage des fichiers ne répond pas : rien n’a été enregistré ; réessayez dans quelques minutes")]
    Unavailable(String),
}

/// What is left of what a foyer may upload today (justificatifs): files
/// stored for nobody's use cost the collectivité, so a day has a ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub files: u64,
    pub bytes: u64,
}

pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} Mo", bytes / (1024 * 1024))
    } else {
        format!("{} ko", bytes.div_ceil(1024))
    }
}

fn unavailable(e: ObjectError) -> FileError {
    match e {
        ObjectError::NotFound => FileError::NotFound,
        ObjectError::Unavailable(e) => FileError::Unavailable(e),
    }
}

/// A stored file, as its row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub kind: FileKind,
}

/// Bytes read before the type is decided (enough for every kind we accept).
const SNIFF: usize = 64;

#[derive(Clone)]
pub struct FileStore {
    objects: Objects,
}

impl FileStore {
    /// `url`: `s3://bucket?endpoint=…&region=…`; `None`: the filesystem
    /// under `data_dir/files`.
    pub fn open(url: Option<&url::Url>, data_dir: &FsPath) -> Result<FileStore, String> {
        Ok(FileStore {
            objects: Objects::open(url, &data_dir.join("files"))?,
        })
    }

    fn new_key(tenant: TenantId) -> String {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("t{}/{hex}", tenant.get())
    }

    /// Streams an upload into the store, checking it on the way; on any
    /// failure nothing is left behind.
    pub async fn put_stream<S, E>(
        &self,
        tenant: TenantId,
        stream: S,
        limits: &Limits,
    ) -> Result<StoredFile, FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        // Fused: an upload's stream must not be polled again once it ended.
        let mut stream = stream.fuse();
        let too_large = FileError::TooLarge {
            max: limits.max_bytes,
        };
        let read_error = |e: E| FileError::Unavailable(format!("lecture de l’envoi : {e}"));
        // The first bytes decide the type, before anything is written.
        let mut head = Vec::new();
        while head.len() < SNIFF {
            match stream.next().await {
                Some(chunk) => head.extend_from_slice(&chunk.map_err(read_error)?),
                None => break,
            }
        }
        if head.is_empty() {
            return Err(FileError::Empty);
        }
        let kind = FileKind::sniff(&head, limits.kinds)
            .filter(|k| limits.kinds.contains(k))
            .ok_or_else(|| FileError::NotAllowed {
                expected: limits.kinds_fr(),
            })?;
        if head.len() as u64 > limits.max_bytes {
            return Err(too_large);
        }
        let key = Self::new_key(tenant);
        let mut writer = self.objects.upload(&key).await.map_err(unavailable)?;
        let mut hasher = Sha256::new();
        let mut size = head.len() as u64;
        hasher.update(&head);
        // A style sheet is checked whole (it is small): kept while it streams.
        let mut text = (kind == FileKind::Css).then(|| head.clone());
        writer.write(&head);
        let outcome: Result<(), FileError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(read_error)?;
                size += chunk.len() as u64;
                if size > limits.max_bytes {
                    return Err(FileError::TooLarge {
                        max: limits.max_bytes,
                    });
                }
                hasher.update(&chunk);
                if let Some(text) = text.as_mut() {
                    text.extend_from_slice(&chunk);
                }
                writer.put(chunk).await.map_err(unavailable)?;
            }
            match &text {
                Some(text) => stylesheet::check(text).map_err(FileError::Refused),
                None => Ok(()),
            }
        }
        .await;
        if let Err(e) = outcome {
            writer.abort().await;
            return Err(e);
        }
        writer.finish().await.map_err(unavailable)?;
        Ok(StoredFile {
            key,
            size,
            sha256: hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            kind,
        })
    }

    /// The file's content, as a stream of chunks, and its size.
    pub async fn get(
        &self,
        key: &str,
    ) -> Result<
        (
            u64,
            futures_util::stream::BoxStream<'static, Result<Bytes, FileError>>,
        ),
        FileError,
    > {
        let (size, stream) = self.objects.get(key).await.map_err(unavailable)?;
        Ok((size, stream.map(|r| r.map_err(unavailable)).boxed()))
    }

    /// A small file's whole content (a logo to draw), refused above `max` bytes.
    pub async fn read(&self, key: &str, max: u64) -> Result<Vec<u8>, FileError> {
        let (size, mut stream) = self.get(key).await?;
        if size > max {
            return Err(FileError::TooLarge { max });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        Ok(bytes)
    }

    /// [`FileStore::read`] for synchronous code (the jobs): on a thread of
    /// its own with a runtime of its own, so that it may be called from
    /// anywhere, an async context included.
    pub fn read_blocking(&self, key: &str, max: u64) -> Result<Vec<u8>, FileError> {
        std::thread::scope(|s| {
            s.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| FileError::Unavailable(e.to_string()))?
                    .block_on(self.read(key, max))
            })
            .join()
            .unwrap_or_else(|_| Err(FileError::Unavailable("lecture interrompue".into())))
        })
    }

    /// Every key in the store (operators' checks and tests; not for large stores).
    pub async fn keys(&self) -> Result<Vec<String>, FileError> {
        let mut keys = self.objects.keys(None, None).await.map_err(unavailable)?;
        keys.sort();
        Ok(keys)
    }

    /// The keys of collectivité `tenant`'s objects stored before `before`.
    pub async fn keys_before(
        &self,
        tenant: TenantId,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, FileError> {
        let prefix = format!("t{}", tenant.get());
        self.objects
            .keys(Some(&prefix), Some(before))
            .await
            .map_err(unavailable)
    }

    /// The store's upkeep: every day, each collectivité's objects that no
    /// row records, stored over a day ago, are removed.
    pub fn register(self, runner: crate::jobs::Runner) -> crate::jobs::Runner {
        use crate::jobs::{Job, JobError};
        runner.every(
            "files.sweep",
            std::time::Duration::from_secs(24 * 3600),
            move |s: &crate::store::Store, _: &Job| {
                let before = chrono::Utc::now() - chrono::Duration::days(1);
                for tenant in s.platform_read(crate::tenancy::ids)? {
                    let n = self
                        .sweep_blocking(s, tenant, before)
                        .map_err(|e| JobError::Retry(e.to_string()))?;
                    if n > 0 {
                        tracing::info!(%tenant, swept = n, "fichiers sans enregistrement supprimés");
                    }
                }
                Ok(())
            },
        )
    }

    /// Removes the objects of `tenant` that no row records, stored before
    /// `before` (a day ago for the job: an upload in progress has no row
    /// yet): what a refused or interrupted form may have left. Returns how
    /// many went.
    pub fn sweep_blocking(
        &self,
        store: &crate::store::Store,
        tenant: TenantId,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, FileError> {
        std::thread::scope(|s| {
            s.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| FileError::Unavailable(e.to_string()))?;
                runtime.block_on(async {
                    let keys = self.keys_before(tenant, before).await?;
                    let recorded = store
                        .read(tenant, |tx| rows::recorded_keys(tx, &keys))
                        .map_err(|e| FileError::Unavailable(e.to_string()))?;
                    let mut swept = 0;
                    for key in keys.iter().filter(|k| !recorded.contains(*k)) {
                        self.delete(key).await?;
                        swept += 1;
                    }
                    Ok(swept)
                })
            })
            .join()
            .unwrap_or_else(|_| Err(FileError::Unavailable("balayage interrompu".into())))
        })
    }

    /// Removes a file; removing one already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), FileError> {
        self.objects.delete(key).await.map_err(unavailable)
    }
}

/// A name safe to show and to offer as a download name: no path, no control
/// characters, at most 200 characters.
pub fn clean_filename(given: &str) -> String {
    let base = given.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "document".into()
    } else {
        cleaned
    }
}

/// Records a stored file, in the caller's transaction; returns its id.
pub fn record(tx: &mut TenantTx<'_>, file: &StoredFile, filename: &str) -> Result<i64, StoreError> {
    rows::insert(
        tx,
        NewFile {
            key: &file.key,
            filename: &clean_filename(filename),
            content_type: file.kind.mime(),
            size: file.size as i64,
            sha256: &file.sha256,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_from_the_content() {
        let all = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];
        assert_eq!(
            FileKind::sniff(b"%PDF-1.7\n%\xe2\xe3", &all),
            Some(FileKind::Pdf)
        );
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &all),
            Some(FileKind::Png)
        );
        assert_eq!(
            FileKind::sniff(b"\xff\xd8\xff\xe0\0\x10JFIF", &all),
            Some(FileKind::Jpeg)
        );
        assert_eq!(
            FileKind::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'>", &all),
            None
        );
        assert_eq!(FileKind::sniff(b"<!DOCTYPE html><html>", &all), None);
        // Text is CSS only where a style sheet is expected; a cut character is still text.
        let css = [FileKind::Css];
        assert_eq!(FileKind::sniff(b"body { color: #333 }", &all), None);
        assert_eq!(
            FileKind::sniff(b"body { color: #333 }", &css),
            Some(FileKind::Css)
        );
        assert_eq!(
            FileKind::sniff(b"a::before{content:\"\xc3", &css),
            Some(FileKind::Css)
        );
        assert_eq!(FileKind::sniff(b"a\0b", &css), None);
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &css),
            Some(FileKind::Png)
        );
        assert_eq!(Limits::DOCUMENTS.kinds_fr(), "PDF, JPEG ou PNG");
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_filename("C:\\Users\\x\\avis d’impôt.pdf"),
            "avis d’impôt.pdf"
        );
        assert_eq!(clean_filename("a\"b<c>\n.pdf"), "abc.pdf");
        assert_eq!(clean_filename(".."), "document");
        assert_eq!(clean_filename(""), "document");
    }
}
