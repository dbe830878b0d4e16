//! Anonymous actions counted per hour, in the database so that every process
//! counts the same: opening an account, mailing a link to an address,
//! starting a request without an account. Each [`Rule`] caps one action per
//! collectivité and per thing counted (a client address, an e-mail address).
//! E-mail addresses are counted by their digest: the table keeps none.

use chrono::{DurationRound, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use crate::store::repo::limits;
use crate::store::{Store, StoreError};
use crate::tenancy::TenantId;

/// An action and how many times an hour it may happen for one subject.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub action: &'static str,
    pub per_hour: i64,
}

/// Accounts opened from one client address.
pub const SIGN_UP_FROM_ADDRESS: Rule = Rule {
    action: "sign-up.address",
    per_hour: 10,
};
/// Messages about an account (its confirmation, « you already have one »)
/// sent to one e-mail address.
pub const ACCOUNT_MAIL: Rule = Rule {
    action: "account-mail",
    per_hour: 3,
};
/// Links to resume a request sent to one e-mail address.
pub const RESUME_MAIL: Rule = Rule {
    action: "resume-mail",
    per_hour: 5,
};
/// Requests started without an account from one client address.
pub const VISITOR_FROM_ADDRESS: Rule = Rule {
    action: "visitor.address",
    per_hour: 10,
};

/// Counts one more `rule.action` of `subject` in `tenant`; false when the
/// hour's cap is passed (the action must not happen).
pub fn allow(
    store: &Store,
    rule: Rule,
    tenant: TenantId,
    subject: &str,
) -> Result<bool, StoreError> {
    allow_at(store, rule, tenant, subject, Utc::now().naive_utc())
}

pub fn allow_at(
    store: &Store,
    rule: Rule,
    tenant: TenantId,
    subject: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let digest = Sha256::digest(format!(
        "{}|{}",
        tenant.get(),
        subject.trim().to_lowercase()
    ));
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let key = format!("{}:{hex}", rule.action);
    let window = now
        .duration_trunc(chrono::Duration::hours(1))
        .unwrap_or(now);
    let hits = store.platform_write(|c| limits::hit(c, &key, window))?;
    Ok(hits <= rule.per_hour)
}

/// Forgets the counts of past hours.
pub fn purge(store: &Store) -> Result<usize, StoreError> {
    let before = Utc::now().naive_utc() - chrono::Duration::hours(2);
    store.platform_write(|c| limits::purge(c, before))
}

/// The counts' purge, every hour.
pub fn register(runner: crate::jobs::Runner) -> crate::jobs::Runner {
    runner.every(
        "limits.purge",
        std::time::Duration::from_secs(3600),
        |s: &Store, _: &crate::jobs::Job| {
            purge(s)?;
            Ok(())
        },
    )
}
