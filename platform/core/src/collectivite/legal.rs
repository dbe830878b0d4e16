//! The collectivité's legal notice, personal data notice and accessibility
//! statement: read by everyone on the portal, written from its settings
//! until an administrator writes its own text (each change audited).

use serde::Serialize;

use crate::agents::Desk;
use crate::audit::{self, Change};
use crate::domain::legal::{self, Facts, Kind, Section};
use crate::domain::time;
use crate::error::{Checks, Error};
use crate::store::repo::legal as rows;
use crate::store::TenantTx;
use crate::tenancy;

/// A page as it reads, and as its form edits it.
#[derive(Debug, Clone, Serialize)]
pub struct LegalPage {
    pub code: &'static str,
    pub title: &'static str,
    pub sections: Vec<Section>,
    /// The text, in the markup its form edits.
    pub text: String,
    /// The collectivité wrote it (else it is made from its settings).
    pub own: bool,
    /// The day it was last written, for everyone.
    pub updated_on: Option<String>,
    /// By whom, for agents.
    pub updated_by: Option<String>,
}

/// Where the default texts draw from, besides the collectivité.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The portal's address.
    pub site: String,
    /// Who hosts the platform, as its operator says it.
    pub hosting: Option<String>,
}

fn facts(tx: &mut TenantTx<'_>, cx: &Context) -> Result<Facts, Error> {
    let me = tx.tenant();
    let t = tenancy::find_by_id(tx.conn(), me)?.ok_or(Error::NotFound)?;
    let settings = crate::collectivite::settings::current(tx)?;
    Ok(Facts {
        name: t.name,
        postal_address: t.postal_address,
        siret: t.siret,
        contact_email: t.contact_email,
        site: cx.site.clone(),
        hosting: cx.hosting.clone(),
        draft_keep_days: settings.draft_keep_days,
        unconfirmed_days: crate::foyers::UNCONFIRMED_KEEP_DAYS,
    })
}

/// The page `kind`: the collectivité's text, or the one its settings make.
pub fn page(tx: &mut TenantTx<'_>, kind: Kind, cx: &Context) -> Result<LegalPage, Error> {
    let own = rows::get(tx, kind.code())?;
    let text = match &own {
        Some(row) => row.body.clone(),
        None => legal::default_text(kind, &facts(tx, cx)?),
    };
    // A text saved was checked; one that no longer reads shows as written.
    let sections = legal::parse(&text).unwrap_or_else(|_| {
        vec![Section {
            title: None,
            blocks: vec![crate::domain::courriers::Block::Paragraph {
                lines: text
                    .lines()
                    .map(|l| {
                        vec![crate::domain::courriers::Span {
                            text: l.to_owned(),
                            bold: false,
                        }]
                    })
                    .collect(),
            }],
        }]
    });
    Ok(LegalPage {
        code: kind.code(),
        title: kind.title(),
        sections,
        text,
        updated_on: own
            .as_ref()
            .map(|r| time::date_fr(time::paris(r.updated_at).date_naive())),
        updated_by: own.as_ref().map(|r| r.updated_by.clone()),
        own: own.is_some(),
    })
}

/// The administrator's own text of the page, checked, audited.
pub fn save(tx: &mut TenantTx<'_>, desk: &Desk, kind: Kind, text: &str) -> Result<(), Error> {
    desk.as_administrator()?;
    let text = text.replace("\r\n", "\n").trim().to_owned();
    if let Err(errors) = legal::parse(&text) {
        let mut c = Checks::default();
        for e in errors {
            c.add("text", e);
        }
        c.finish()?;
    }
    let before = rows::get(tx, kind.code())?.map(|r| r.body);
    rows::put(
        tx,
        kind.code(),
        &text,
        chrono::Utc::now().naive_utc(),
        &desk.name,
    )?;
    audit::record(
        tx,
        Change {
            actor: &desk.name,
            action: "legal-page.update",
            object_type: "page",
            object_id: kind.code(),
            before: before.map(serde_json::Value::from),
            after: Some(serde_json::Value::from(text)),
        },
    )?;
    Ok(())
}

/// Back to the text made from the settings, audited.
pub fn reset(tx: &mut TenantTx<'_>, desk: &Desk, kind: Kind) -> Result<(), Error> {
    desk.as_administrator()?;
    let Some(before) = rows::get(tx, kind.code())? else {
        return Ok(());
    };
    rows::remove(tx, kind.code())?;
    audit::record(
        tx,
        Change {
            actor: &desk.name,
            action: "legal-page.reset",
            object_type: "page",
            object_id: kind.code(),
            before: Some(serde_json::Value::from(before.body)),
            after: None,
        },
    )?;
    Ok(())
}
