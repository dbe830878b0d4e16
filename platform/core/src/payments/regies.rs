//! Régies: who collects for the collectivité, each known to PayFiP by its
//! client number, in test, activation or production. Managed by the
//! collectivité's administrators; every change audited.

use chrono::Utc;
use serde::Serialize;

use crate::audit::{self, Change};
use crate::domain::contact;
use crate::domain::payments::{self, RegieMode};
use crate::domain::text::fold;
use crate::error::{Checks, Error};
use crate::store::repo::payments::{self as rows, RegieRow};
use crate::store::TenantTx;

/// What an administrator types.
#[derive(Debug, Clone, Default)]
pub struct RegieInput {
    pub label: String,
    pub numcli: String,
    pub mode: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Regie {
    pub id: i64,
    pub label: String,
    pub numcli: String,
    pub mode: String,
    pub mode_label: &'static str,
    pub email: String,
}

impl Regie {
    pub fn mode(&self) -> RegieMode {
        RegieMode::parse(&self.mode).unwrap_or(RegieMode::Test)
    }
}

fn view(r: RegieRow) -> Regie {
    let mode = RegieMode::parse(&r.mode).unwrap_or(RegieMode::Test);
    Regie {
        id: r.id,
        label: r.label,
        numcli: r.numcli,
        mode: r.mode,
        mode_label: mode.label(),
        email: r.email,
    }
}

pub fn list(tx: &mut TenantTx<'_>) -> Result<Vec<Regie>, Error> {
    Ok(rows::regies(tx)?.into_iter().map(view).collect())
}

pub fn get(tx: &mut TenantTx<'_>, id: i64) -> Result<Regie, Error> {
    rows::regie(tx, id)?.map(view).ok_or(Error::NotFound)
}

fn checked(
    tx: &mut TenantTx<'_>,
    input: &RegieInput,
    except: Option<i64>,
) -> Result<(String, String, RegieMode, String), Error> {
    let mut checks = Checks::default();
    let label = checks.take("label", contact::label(&input.label, 100));
    let numcli = checks.take("numcli", payments::numcli(&input.numcli));
    let mode = RegieMode::parse(&input.mode);
    if mode.is_none() {
        checks.add(
            "mode",
            "choisissez le mode : test, activation ou production",
        );
    }
    let email = checks.take("email", contact::email(&input.email));
    if !label.is_empty() && rows::regie_label_taken(tx, &fold(&label), except)? {
        checks.add("label", format!("une régie s’appelle déjà « {label} »"));
    }
    checks.finish()?;
    Ok((label, numcli, mode.unwrap_or(RegieMode::Test), email))
}

pub fn create(tx: &mut TenantTx<'_>, actor: &str, input: &RegieInput) -> Result<Regie, Error> {
    let (label, numcli, mode, email) = checked(tx, input, None)?;
    let now = Utc::now().naive_utc();
    let row = RegieRow {
        tenant_id: 0,
        id: tx.next_id()?,
        label_key: fold(&label),
        label,
        numcli,
        mode: mode.code().into(),
        email,
        created_at: now,
        updated_at: now,
    };
    rows::insert_regie(tx, &row)?;
    let made = view(row);
    audit::record(
        tx,
        Change {
            actor,
            action: "regie.create",
            object_type: "regie",
            object_id: &made.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&made).unwrap_or_default()),
        },
    )?;
    Ok(made)
}

pub fn update(
    tx: &mut TenantTx<'_>,
    actor: &str,
    id: i64,
    input: &RegieInput,
) -> Result<Regie, Error> {
    let before = rows::regie(tx, id)?.ok_or(Error::NotFound)?;
    let (label, numcli, mode, email) = checked(tx, input, Some(id))?;
    let row = RegieRow {
        label_key: fold(&label),
        label,
        numcli,
        mode: mode.code().into(),
        email,
        updated_at: Utc::now().naive_utc(),
        ..before.clone()
    };
    rows::update_regie(tx, &row)?;
    let after = view(row);
    audit::record(
        tx,
        Change {
            actor,
            action: "regie.update",
            object_type: "regie",
            object_id: &id.to_string(),
            before: Some(serde_json::to_value(view(before)).unwrap_or_default()),
            after: Some(serde_json::to_value(&after).unwrap_or_default()),
        },
    )?;
    Ok(after)
}
