//! A collectivité's appearance and documents: its logos (the portal's, the
//! back office's, the letters'), the portal's banner and style sheet, and its
//! PDF documents (help for households and for agents, FAQ, legal notices,
//! terms of use). Each kind keeps its
//! current file and the previous one, which an administrator may restore.
//! The collectivité's entry carries which exist (`tenancy::Appearance`), so
//! that pages link them without a query.

use chrono::Utc;
use serde::Serialize;

use crate::domain::time;
use crate::error::Error;
use crate::files::{FileKind, Limits, StoredFile};
use crate::store::repo::appearance::{self as rows, SlotRow};
use crate::store::repo::files as file_rows;
use crate::store::TenantTx;
use crate::tenancy::{self, Appearance};

/// What an administrator may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    StyleSheet,
    Banner,
    PortalLogo,
    BackofficeLogo,
    LetterLogo,
    HouseholdHelp,
    AgentHelp,
    Faq,
    LegalNotices,
    TermsOfUse,
    /// The rules of the services a form's consent asks to read (canteen,
    /// schools, care).
    ServiceRules,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::StyleSheet,
        Kind::Banner,
        Kind::PortalLogo,
        Kind::BackofficeLogo,
        Kind::LetterLogo,
        Kind::HouseholdHelp,
        Kind::AgentHelp,
        Kind::Faq,
        Kind::LegalNotices,
        Kind::TermsOfUse,
        Kind::ServiceRules,
    ];

    /// Its name in addresses.
    pub fn code(self) -> &'static str {
        match self {
            Kind::StyleSheet => "feuille-de-style",
            Kind::Banner => "banniere",
            Kind::PortalLogo => "logo-portail",
            Kind::BackofficeLogo => "logo-agents",
            Kind::LetterLogo => "logo-courriers",
            Kind::HouseholdHelp => "aide",
            Kind::AgentHelp => "aide-agents",
            Kind::Faq => "faq",
            Kind::LegalNotices => "mentions-legales",
            Kind::TermsOfUse => "conditions-utilisation",
            Kind::ServiceRules => "reglement",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::StyleSheet => "Feuille de style du portail",
            Kind::Banner => "Bannière du portail",
            Kind::PortalLogo => "Logo du portail",
            Kind::BackofficeLogo => "Logo de l’espace des agents",
            Kind::LetterLogo => "Logo des courriers",
            Kind::HouseholdHelp => "Aide pour les usagers",
            Kind::AgentHelp => "Aide pour les agents",
            Kind::Faq => "Questions fréquentes",
            Kind::LegalNotices => "Mentions légales",
            Kind::TermsOfUse => "Conditions d’utilisation",
            Kind::ServiceRules => "Règlement des services (restauration, écoles, accueils)",
        }
    }

    /// An image the pages show (a logo, the banner).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            Kind::Banner | Kind::PortalLogo | Kind::BackofficeLogo | Kind::LetterLogo
        )
    }

    /// What the portal's pages load (an image, the style sheet), served at
    /// `/apparence/{code}`.
    pub fn is_resource(self) -> bool {
        self.is_image() || self == Kind::StyleSheet
    }

    /// A document to read (a PDF).
    pub fn is_document(self) -> bool {
        !self.is_resource()
    }

    /// Shown to households (in the portal's footer), not only to agents.
    pub fn public(self) -> bool {
        matches!(
            self,
            Kind::HouseholdHelp
                | Kind::Faq
                | Kind::LegalNotices
                | Kind::TermsOfUse
                | Kind::ServiceRules
        )
    }

    pub fn limits(self) -> &'static Limits {
        match self {
            Kind::StyleSheet => &Limits::STYLE,
            k if k.is_image() => &Limits::LOGOS,
            _ => &Limits::PUBLICATIONS,
        }
    }

    /// What may be sent, said for people.
    fn accepts(self) -> &'static str {
        match self {
            Kind::StyleSheet => {
                "CSS en UTF-8, 200 ko au plus, sans @import ni url() vers d’autres sites"
            }
            k if k.is_image() => "PNG ou JPEG, 1 Mo au plus",
            _ => "PDF, 10 Mo au plus",
        }
    }

    /// The same, for the file input (`accept`).
    fn mime(self) -> &'static str {
        match self {
            Kind::StyleSheet => "text/css,.css",
            k if k.is_image() => "image/png,image/jpeg",
            _ => "application/pdf",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub file_id: i64,
    pub filename: String,
    pub size: String,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindView {
    pub code: &'static str,
    pub label: &'static str,
    pub image: bool,
    /// What may be sent, said for people.
    pub accepts: &'static str,
    /// The same, for the file input (`accept`).
    pub mime: &'static str,
    pub current: Option<Slot>,
    pub previous: Option<Slot>,
}

fn slot(tx: &mut TenantTx<'_>, row: Option<&SlotRow>) -> Result<Option<Slot>, Error> {
    let Some(row) = row else {
        return Ok(None);
    };
    let file = file_rows::get(tx, row.file_id)?;
    Ok(file.map(|f| Slot {
        file_id: f.id,
        filename: f.filename,
        size: if f.size >= 1024 * 1024 {
            format!("{:.1} Mo", f.size as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} ko", (f.size + 1023) / 1024)
        },
        uploaded_at: time::datetime_fr(row.uploaded_at),
        uploaded_by: row.uploaded_by.clone(),
    }))
}

/// Every kind with its current and previous file.
pub fn overview(tx: &mut TenantTx<'_>) -> Result<Vec<KindView>, Error> {
    let rows = rows::all(tx)?;
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let find = |s: &str| rows.iter().find(|r| r.kind == kind.code() && r.slot == s);
        let (current, previous) = (find("current").cloned(), find("previous").cloned());
        out.push(KindView {
            code: kind.code(),
            label: kind.label(),
            image: kind.is_image(),
            accepts: kind.accepts(),
            mime: kind.mime(),
            current: slot(tx, current.as_ref())?,
            previous: slot(tx, previous.as_ref())?,
        });
    }
    Ok(out)
}

/// Keeps the collectivité's entry in step (the caller calls
/// `tenancy::changed` once committed).
fn publish(tx: &mut TenantTx<'_>) -> Result<(), Error> {
    let summary = Appearance(
        rows::all(tx)?
            .into_iter()
            .filter(|r| r.slot == "current")
            .map(|r| (r.kind, r.file_id))
            .collect(),
    );
    let me = tx.tenant();
    tenancy::set_appearance(tx.conn(), me, &summary)?;
    Ok(())
}

/// The file sent becomes the current one, the current one the previous;
/// answers the storage key of the file no longer kept, to remove once
/// committed.
pub fn replace(
    tx: &mut TenantTx<'_>,
    actor: &str,
    kind: Kind,
    file: &StoredFile,
    filename: &str,
) -> Result<Option<String>, Error> {
    // The upload kit checked the content against the kind's limits already.
    if !kind.limits().kinds.contains(&file.kind) {
        return Err(Error::Refused(format!(
            "ce fichier ({}) ne convient pas : {}",
            file.kind.label(),
            kind.label()
        )));
    }
    let all = rows::all(tx)?;
    let find = |s: &str| {
        all.iter()
            .find(|r| r.kind == kind.code() && r.slot == s)
            .cloned()
    };
    let mut dropped = None;
    if let Some(previous) = find("previous") {
        if let Some(f) = file_rows::get(tx, previous.file_id)? {
            dropped = Some(f.key);
        }
        rows::delete(tx, kind.code(), "previous")?;
        file_rows::delete(tx, previous.file_id)?;
    }
    if let Some(current) = find("current") {
        rows::delete(tx, kind.code(), "current")?;
        rows::insert(
            tx,
            &SlotRow {
                slot: "previous".into(),
                ..current
            },
        )?;
    }
    let file_id = crate::files::record(tx, file, filename)?;
    rows::insert(
        tx,
        &SlotRow {
            tenant_id: 0,
            kind: kind.code().into(),
            slot: "current".into(),
            file_id,
            uploaded_at: Utc::now().naive_utc(),
            uploaded_by: actor.to_owned(),
        },
    )?;
    publish(tx)?;
    crate::audit::record(
        tx,
        crate::audit::Change {
            actor,
            action: "appearance.replace",
            object_type: "appearance",
            object_id: kind.code(),
            before: None,
            after: Some(serde_json::json!({ "file": file_id, "filename": filename })),
        },
    )?;
    Ok(dropped)
}

/// The previous file becomes the current one again, and the other way round.
pub fn restore(tx: &mut TenantTx<'_>, actor: &str, kind: Kind) -> Result<(), Error> {
    let all = rows::all(tx)?;
    let find = |s: &str| {
        all.iter()
            .find(|r| r.kind == kind.code() && r.slot == s)
            .cloned()
    };
    let Some(previous) = find("previous") else {
        return Err(Error::Refused(
            "il n’y a pas de version précédente à rétablir".into(),
        ));
    };
    rows::delete(tx, kind.code(), "previous")?;
    if let Some(current) = find("current") {
        rows::delete(tx, kind.code(), "current")?;
        rows::insert(
            tx,
            &SlotRow {
                slot: "previous".into(),
                ..current
            },
        )?;
    }
    rows::insert(
        tx,
        &SlotRow {
            slot: "current".into(),
            ..previous.clone()
        },
    )?;
    publish(tx)?;
    crate::audit::record(
        tx,
        crate::audit::Change {
            actor,
            action: "appearance.restore",
            object_type: "appearance",
            object_id: kind.code(),
            before: None,
            after: Some(serde_json::json!({ "file": previous.file_id })),
        },
    )?;
    Ok(())
}

/// The file of a kind's slot (`current` or `previous`), to serve.
pub fn file(
    tx: &mut TenantTx<'_>,
    kind: Kind,
    slot: &str,
) -> Result<(crate::files::FileRecord, FileKind), Error> {
    let row = rows::all(tx)?
        .into_iter()
        .find(|r| r.kind == kind.code() && r.slot == slot)
        .ok_or(Error::NotFound)?;
    let f = file_rows::get(tx, row.file_id)?.ok_or(Error::NotFound)?;
    let k = FileKind::of(&f).ok_or(Error::NotFound)?;
    Ok((f, k))
}

/// The documents households read (the portal's footer): code and label.
pub fn for_households() -> Vec<(&'static str, &'static str)> {
    Kind::ALL
        .into_iter()
        .filter(|k| k.public())
        .map(|k| (k.code(), k.label()))
        .collect()
}

/// The documents agents read (the back office's footer): all of them.
pub fn for_agents() -> Vec<(&'static str, &'static str)> {
    Kind::ALL
        .into_iter()
        .filter(|k| k.is_document())
        .map(|k| (k.code(), k.label()))
        .collect()
}
