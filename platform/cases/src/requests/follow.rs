//! Following a request filed without an account. Its requester has no
//! « Mes demandes » to go to: each e-mail about the request carries a link
//! that signs them in to it, once (the last one sent works, for
//! [`FOLLOW_DAYS`] days); a new one is sent on demand, from the request's
//! number and the address; and from the request, they may keep it in an
//! account of their own.

use crate::domain::host::Site;
use chrono::{Duration, NaiveDateTime, Utc};

use crate::error::Error;
use crate::foyers;
use crate::mail::{outbox, Email};
use crate::store::repo::foyers::{self as foyer_rows, TokenRow};
use crate::store::repo::requests::{self as rows, RequestRow};
use crate::store::TenantTx;

/// How long a follow-up link works.
pub const FOLLOW_DAYS: i64 = 30;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Where an e-mail about a request sends its requester, and how it speaks
/// of it.
/// (Its wordings: `mails/follow.hbs` and `mails/space.hbs`.)
#[derive(Debug, Clone, serde::Serialize)]
pub struct Followed {
    /// The request's page in « Mes demandes », or a follow-up link.
    pub url: String,
    /// The link is a secret: the e-mail's body is blanked once sent.
    pub secret: bool,
    /// How long a follow-up link works.
    pub days: i64,
}

/// Where `row`'s requester follows it from an e-mail: « Mes demandes », or,
/// filed without an account, a new follow-up link (the earlier one stops
/// working).
pub fn link(tx: &mut TenantTx<'_>, row: &RequestRow, base_url: &str) -> Result<Followed, Error> {
    let temporary = foyer_rows::household(tx, row.household_id)?.is_some_and(|h| h.temporary);
    if !temporary {
        return Ok(Followed {
            url: format!("{base_url}/mes-demandes/{}", row.id),
            secret: false,
            days: FOLLOW_DAYS,
        });
    }
    let (secret, digest) = foyers::new_secret();
    let at = now();
    foyer_rows::replace_token(
        tx,
        &TokenRow {
            tenant_id: 0,
            digest,
            purpose: "follow".into(),
            individual_id: Some(row.requester_id),
            request_id: Some(row.id),
            created_at: at,
            expires_at: at + Duration::days(FOLLOW_DAYS),
        },
    )?;
    Ok(Followed {
        url: format!("{base_url}/suivi/{secret}"),
        secret: true,
        days: FOLLOW_DAYS,
    })
}

/// Queues an e-mail to the requester that carries `followed`'s link.
pub fn mail<E: Email>(
    tx: &mut TenantTx<'_>,
    to: &str,
    email: &E,
    followed: &Followed,
) -> Result<i64, Error> {
    if followed.secret {
        outbox::send_secret(tx, to, email)
    } else {
        outbox::send(tx, to, email)
    }
    .map_err(Error::from)
}

/// Whether a follow-up link still works (to show its page).
pub fn works(tx: &mut TenantTx<'_>, secret: &str) -> Result<bool, Error> {
    Ok(foyer_rows::token(tx, &foyers::secret_digest(secret), "follow", now())?.is_some())
}

/// Spends a follow-up link: the person it signs in, and their request.
pub fn open(tx: &mut TenantTx<'_>, secret: &str) -> Result<(i64, i64), Error> {
    let digest = foyers::secret_digest(secret);
    let token = foyer_rows::token(tx, &digest, "follow", now())?.ok_or(Error::NotFound)?;
    foyer_rows::delete_token(tx, &digest)?;
    let (Some(person), Some(request)) = (token.individual_id, token.request_id) else {
        return Err(Error::NotFound);
    };
    let row = rows::get(tx, request)?.ok_or(Error::NotFound)?;
    if row.requester_id != person {
        return Err(Error::NotFound);
    }
    Ok((person, request))
}

/// Mails a new follow-up link for request n° `number` if `email` is its
/// requester's and it was filed without an account; says nothing either
/// way (the page is the same).
pub fn send_again(
    tx: &mut TenantTx<'_>,
    number: i64,
    email: &str,
    here: &Site,
) -> Result<(), Error> {
    let Some(row) = rows::by_number(tx, number)? else {
        return Ok(());
    };
    let Some(person) = foyer_rows::individual(tx, row.requester_id)? else {
        return Ok(());
    };
    let temporary = foyer_rows::household(tx, row.household_id)?.is_some_and(|h| h.temporary);
    if !temporary || person.email.is_empty() || !person.email.eq_ignore_ascii_case(email.trim()) {
        return Ok(());
    }
    let followed = link(tx, &row, &here.url)?;
    let again = super::mails::FollowAgain {
        site: &here.name,
        number,
        followed: &followed,
    };
    mail(tx, &person.email, &again, &followed)?;
    Ok(())
}

/// The requests filed without an account by `email` (for « mot de passe
/// oublié », where they have no account): a follow-up link for each of the
/// latest ones.
pub fn links_for(
    tx: &mut TenantTx<'_>,
    email: &str,
    base_url: &str,
) -> Result<Vec<(i64, Followed)>, Error> {
    let typed = crate::domain::contact::email(email).unwrap_or_default();
    let emails = [typed.clone(), typed.to_lowercase()];
    let mut out = Vec::new();
    for row in rows::filed_without_account_by(tx, &emails, 5)? {
        let number = row.number.unwrap_or_default();
        out.push((number, link(tx, &row, base_url)?));
    }
    Ok(out)
}

/// « Mot de passe oublié » by someone who has no account, only requests
/// filed without one: they are mailed a follow-up link for each (the latest
/// five). Nothing when the address has an account, or no such request.
pub fn remind(tx: &mut TenantTx<'_>, email: &str, here: &Site) -> Result<(), Error> {
    if foyers::account_by_login(tx, email)?.is_some() {
        return Ok(());
    }
    let links = links_for(tx, email, &here.url)?;
    let Some((_, first)) = links.first() else {
        return Ok(());
    };
    let without = super::mails::WithoutAccount {
        site: &here.name,
        days: FOLLOW_DAYS,
        requests: links
            .iter()
            .map(|(number, f)| super::mails::Filed {
                number: *number,
                url: &f.url,
            })
            .collect(),
    };
    let to = crate::domain::contact::email(email).unwrap_or_default();
    mail(tx, &to, &without, first)?;
    Ok(())
}
