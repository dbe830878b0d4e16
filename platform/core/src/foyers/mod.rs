//! Comptes foyers: an account for the responsible adult, confirmed by an
//! e-mailed link; members (adults, children with their legal responsibles);
//! sign-in, forgotten password by a single-use link; the foyer's history.
//!
//! Field names in errors are those of the portal's forms.

mod accounts;
mod mails;
pub use accounts::{
    account_by_login, account_of_individual, check_account, check_at_counter, check_visitor,
    confirm, confirm_link_works, identity_links, keep_as_account, link_identity, open_account,
    open_for, open_temporary, purge_unconfirmed, register, request_reset, reset_link_works,
    reset_password, send_confirmation, unlink_identity, Account, IdentityLink, NewAccount, Opened,
    UNCONFIRMED_KEEP_DAYS,
};
mod members;
pub use members::{
    add_member, check_responsibles, edit_address, edit_member, foyer, foyer_of, remove_member,
    Foyer, Member,
};
mod persons;
pub use persons::{check_address, check_person, check_person_at_counter, Person, PersonForm};
use persons::{person_checked, person_row};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::foyer::{self as rules, Address, Parenthood, Sex, Title, UserState};
use crate::domain::text;
use crate::error::{Checks, Error};
use crate::history::Actor;
use crate::mail::outbox;
use crate::sessions::{self, PrincipalKind, SessionPrincipal};
use crate::store::repo::foyers::{
    self as repo, HouseholdEventRow, HouseholdRow, IndividualRow, LoginRow, TokenRow,
};
use crate::store::TenantTx;

/// How long the links mailed to households work.
pub const CONFIRM_DAYS: i64 = 7;
pub const RESET_HOURS: i64 = 1;

/// The household member who made a change.
impl Actor {
    pub fn household(person: &IndividualRow) -> Actor {
        Actor {
            kind: "household",
            id: Some(person.id),
            name: display_name(person),
        }
    }
}

/// « Camille MARTIN ».
pub fn display_name(p: &IndividualRow) -> String {
    format!("{} {}", p.first_name, p.last_name)
        .trim()
        .to_owned()
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// A random link secret (sent) and its digest (stored).
pub fn new_secret() -> (String, String) {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let digest = secret_digest(&secret);
    (secret, digest)
}

pub fn secret_digest(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// The foyer's history, newest first.
pub fn history(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<HouseholdEventRow>, Error> {
    Ok(repo::events(tx, household, 200)?)
}
