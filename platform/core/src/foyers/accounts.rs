//! Accounts: opened by the household (confirmed by e-mail), for a visitor
//! without one, or at the counter; signing in, a new password, identities
//! linked from FranceConnect.

use super::*;
use crate::domain::host::Site;

/// A new account, checked (the password is hashed by the caller, outside
/// the transaction).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub person: Person,
    pub address: Address,
}

/// Checks the account form: the responsible adult, the address and the
/// password. `get` reads the form's fields.
pub fn check_account(
    get: impl Fn(&str) -> String,
    form: &PersonForm,
    today: NaiveDate,
) -> Result<NewAccount, Error> {
    let mut checks = Checks::default();
    let account = identity(&get, form, today, &mut checks);
    let password = get("password");
    if let Err(e) = rules::password(&password, &form.email) {
        checks.add("password", e);
    } else if get("password_confirm") != password {
        checks.add(
            "password_confirm",
            "les deux mots de passe ne sont pas identiques : tapez-les à nouveau",
        );
    }
    checks.finish()?;
    Ok(account)
}

/// The responsible adult and the address, their errors noted in `checks`.
fn identity(
    get: &impl Fn(&str) -> String,
    form: &PersonForm,
    today: NaiveDate,
    checks: &mut Checks,
) -> NewAccount {
    NewAccount {
        person: check_person(form, true, today, checks),
        address: check_address(get, "address.", checks),
    }
}

/// Checks the identity a visitor gives to file a request without an
/// account (no password).
pub fn check_visitor(
    get: impl Fn(&str) -> String,
    form: &PersonForm,
    today: NaiveDate,
) -> Result<NewAccount, Error> {
    let mut checks = Checks::default();
    let account = identity(&get, form, today, &mut checks);
    checks.finish()?;
    Ok(account)
}

/// Checks the identity an agent types at the counter: as the portal's, but
/// the e-mail address may be left out (the foyer then lives at the counter).
pub fn check_at_counter(
    get: impl Fn(&str) -> String,
    form: &PersonForm,
    today: NaiveDate,
) -> Result<NewAccount, Error> {
    let mut checks = Checks::default();
    let account = NewAccount {
        person: person_checked(form, true, false, today, &mut checks),
        address: check_address(&get, "address.", &mut checks),
    };
    checks.finish()?;
    Ok(account)
}

/// A foyer made for one request filed without an account: its responsible
/// has no login; it goes with its request. Returns (foyer, person).
pub fn open_temporary(tx: &mut TenantTx<'_>, visitor: &NewAccount) -> Result<(i64, i64), Error> {
    let at = now();
    let household = tx.next_id()?;
    let individual = tx.next_id()?;
    repo::insert_household(
        tx,
        &HouseholdRow {
            tenant_id: 0,
            id: household,
            state: UserState::New.code().into(),
            enabled: true,
            temporary: true,
            address_json: serde_json::to_string(&visitor.address).expect("an address serialises"),
            created_at: at,
            updated_at: at,
        },
    )?;
    let person = person_row(
        &visitor.person,
        individual,
        household,
        true,
        UserState::New,
        at,
    );
    repo::insert_individual(tx, &person)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household,
            individual: Some(individual),
            change: crate::history::FoyerChange::Creation,
            actor: &Actor::household(&person),
            summary: "Demande sans compte".into(),
            detail: None,
        },
    )?;
    Ok((household, individual))
}

/// What became of an account request.
#[derive(Debug)]
pub enum Opened {
    /// A new foyer, waiting for its address to be confirmed.
    New { household: i64, individual: i64 },
    /// The address already has an account: its holder was told by e-mail,
    /// and the page says the same as for a new one (nobody learns from it
    /// whose address has an account).
    Existing,
}

/// Opens a foyer account: the foyer, its responsible adult, the login, the
/// history's first line, and the confirmation e-mail, in one transaction.
pub fn open_account(
    tx: &mut TenantTx<'_>,
    account: &NewAccount,
    password_hash: Option<&str>,
    here: &Site,
) -> Result<Opened, Error> {
    let login = account.person.email.to_lowercase();
    if repo::login_by_name(tx, &login)?.is_some() {
        let email = mails::AccountExists {
            site: &here.name,
            base_url: &here.url,
        };
        outbox::send(tx, &login, &email).map_err(mail_error)?;
        return Ok(Opened::Existing);
    }
    let (household, individual) = open_for(tx, account, UserState::New, None)?;
    if let Some(hash) = password_hash {
        repo::set_password(tx, individual, hash)?;
    }
    send_confirmation(tx, individual, &login, here)?;
    Ok(Opened::New {
        household,
        individual,
    })
}

/// A foyer, its responsible adult in `state`, their login when they have
/// an e-mail address (no password yet), and the history's first line: the
/// household opening its account, or an agent (`by`) at the counter.
/// Returns (foyer, person).
pub fn open_for(
    tx: &mut TenantTx<'_>,
    account: &NewAccount,
    state: UserState,
    by: Option<&Actor>,
) -> Result<(i64, i64), Error> {
    let at = now();
    let household = tx.next_id()?;
    let individual = tx.next_id()?;
    repo::insert_household(
        tx,
        &HouseholdRow {
            tenant_id: 0,
            id: household,
            state: state.code().into(),
            enabled: true,
            temporary: false,
            address_json: serde_json::to_string(&account.address).expect("an address serialises"),
            created_at: at,
            updated_at: at,
        },
    )?;
    let person = person_row(&account.person, individual, household, true, state, at);
    repo::insert_individual(tx, &person)?;
    let login = account.person.email.to_lowercase();
    if !login.is_empty() {
        repo::insert_login(
            tx,
            &LoginRow {
                tenant_id: 0,
                individual_id: individual,
                login,
                password_hash: None,
                confirmed_at: None,
                created_at: at,
            },
        )?;
    }
    let (actor, note) = match by {
        Some(agent) => (
            agent.clone(),
            format!("Foyer créé au guichet par {}", agent.name),
        ),
        None => (Actor::household(&person), "Création du compte".to_owned()),
    };
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household,
            individual: Some(individual),
            change: crate::history::FoyerChange::Creation,
            actor: &actor,
            summary: note,
            detail: None,
        },
    )?;
    Ok((household, individual))
}

/// Mails a new confirmation link (the earlier ones stop working).
pub fn send_confirmation(
    tx: &mut TenantTx<'_>,
    individual: i64,
    login: &str,
    here: &Site,
) -> Result<(), Error> {
    let (secret, digest) = new_secret();
    let at = now();
    repo::replace_token(
        tx,
        &TokenRow {
            tenant_id: 0,
            digest,
            purpose: "confirm".into(),
            individual_id: Some(individual),
            request_id: None,
            created_at: at,
            expires_at: at + Duration::days(CONFIRM_DAYS),
        },
    )?;
    let email = mails::ConfirmAddress {
        site: &here.name,
        link: format!("{}/compte/confirmer/{secret}", here.url),
        days: CONFIRM_DAYS,
    };
    outbox::send_secret(tx, login, &email).map_err(mail_error)?;
    Ok(())
}

/// Someone who filed a request without an account keeps it in an account of
/// their own: its foyer becomes theirs, their address its login (to be
/// confirmed, by the link mailed), with `password_hash`. Refused when the
/// address already has an account (they sign in to it instead).
pub fn keep_as_account(
    tx: &mut TenantTx<'_>,
    individual: i64,
    password_hash: &str,
    here: &Site,
) -> Result<(), Error> {
    let person = repo::individual(tx, individual)?.ok_or(Error::NotFound)?;
    repo::lock_household(tx, person.household_id)?;
    let household = repo::household(tx, person.household_id)?.ok_or(Error::NotFound)?;
    if !household.temporary {
        return Err(Error::Refused("vous avez déjà un compte".into()));
    }
    let login = person.email.to_lowercase();
    if login.is_empty() {
        return Err(Error::NotFound);
    }
    if repo::login_by_name(tx, &login)?.is_some() {
        return Err(Error::Refused(format!(
            "un compte existe déjà pour {login} : connectez-vous à ce compte ; cette demande reste suivie par le lien reçu par courriel"
        )));
    }
    let at = now();
    repo::insert_login(
        tx,
        &LoginRow {
            tenant_id: 0,
            individual_id: individual,
            login: login.clone(),
            password_hash: Some(password_hash.to_owned()),
            confirmed_at: None,
            created_at: at,
        },
    )?;
    repo::keep_household(tx, household.id)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household: household.id,
            individual: Some(individual),
            change: crate::history::FoyerChange::Creation,
            actor: &Actor::household(&person),
            summary: "Compte ouvert depuis une demande faite sans compte".into(),
            detail: None,
        },
    )?;
    send_confirmation(tx, individual, &login, here)
}

fn mail_error(e: outbox::OutboxError) -> Error {
    match e {
        outbox::OutboxError::Store(s) => Error::Store(s),
        other => crate::error::invalid("email", other),
    }
}

/// Days an account whose address was never confirmed is kept: it signs
/// nobody in, and someone may have opened it with another's address.
pub const UNCONFIRMED_KEEP_DAYS: i64 = 30;

/// The accounts' upkeep: every day, each collectivité's sign-ups never
/// confirmed are forgotten.
pub fn register(runner: crate::jobs::Runner) -> crate::jobs::Runner {
    use crate::jobs::{Job, JobError};
    runner.every(
        "accounts.purge",
        std::time::Duration::from_secs(24 * 3600),
        |s: &crate::store::Store, _: &Job| {
            for tenant in s.platform_read(crate::tenancy::ids)? {
                let n = s
                    .write(tenant, purge_unconfirmed)
                    .map_err(|e| JobError::Retry(e.to_string()))?;
                if n > 0 {
                    tracing::info!(%tenant, purged = n, "comptes jamais confirmés supprimés");
                }
            }
            Ok(())
        },
    )
}

/// Forgets the foyers of sign-ups never confirmed for
/// [`UNCONFIRMED_KEEP_DAYS`] (nothing filed, nothing deposited, never seen
/// by an agent); how many went.
pub fn purge_unconfirmed(tx: &mut TenantTx<'_>) -> Result<usize, Error> {
    let before = now() - Duration::days(UNCONFIRMED_KEEP_DAYS);
    let gone = repo::unconfirmed_households(tx, before)?;
    for household in &gone {
        repo::delete_household(tx, *household)?;
    }
    Ok(gone.len())
}

/// Whether a confirmation link still works (to show its page).
pub fn confirm_link_works(tx: &mut TenantTx<'_>, secret: &str) -> Result<bool, Error> {
    Ok(repo::token(tx, &secret_digest(secret), "confirm", now())?.is_some())
}

/// Spends a confirmation link: the person whose address it confirms.
pub fn confirm(tx: &mut TenantTx<'_>, secret: &str) -> Result<i64, Error> {
    let digest = secret_digest(secret);
    let token = repo::token(tx, &digest, "confirm", now())?.ok_or(Error::Refused(
        "ce lien ne fonctionne plus : il a déjà servi ou a expiré. Connectez-vous : si votre adresse n’est pas encore confirmée, un nouveau lien vous sera envoyé".into(),
    ))?;
    repo::delete_token(tx, &digest)?;
    let individual = token.individual_id.ok_or(Error::NotFound)?;
    repo::confirm_login(tx, individual, now())?;
    Ok(individual)
}

/// What a sign-in attempt found (the password is checked by the caller,
/// against `password_hash`, outside the transaction).
#[derive(Debug, Clone)]
pub struct Account {
    pub individual: i64,
    pub household: i64,
    pub login: String,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub enabled: bool,
    pub archived: bool,
}

pub fn account_by_login(tx: &mut TenantTx<'_>, login: &str) -> Result<Option<Account>, Error> {
    let Some(row) = repo::login_by_name(tx, &login.trim().to_lowercase())? else {
        return Ok(None);
    };
    account_of(tx, row)
}

pub fn account_of_individual(
    tx: &mut TenantTx<'_>,
    individual: i64,
) -> Result<Option<Account>, Error> {
    match repo::login_of(tx, individual)? {
        Some(row) => account_of(tx, row),
        None => Ok(None),
    }
}

fn account_of(tx: &mut TenantTx<'_>, row: LoginRow) -> Result<Option<Account>, Error> {
    let Some(person) = repo::individual(tx, row.individual_id)? else {
        return Ok(None);
    };
    let Some(household) = repo::household(tx, person.household_id)? else {
        return Ok(None);
    };
    Ok(Some(Account {
        individual: person.id,
        household: household.id,
        login: row.login,
        password_hash: row.password_hash,
        confirmed: row.confirmed_at.is_some(),
        enabled: household.enabled,
        archived: household.state == "Archived" || person.state == "Archived",
    }))
}

/// Mails a single-use link to choose a new password, if the address has an
/// account; says nothing either way (the page is the same).
pub fn request_reset(tx: &mut TenantTx<'_>, login: &str, here: &Site) -> Result<(), Error> {
    let Some(account) = account_by_login(tx, login)? else {
        return Ok(());
    };
    if account.archived {
        return Ok(());
    }
    let (secret, digest) = new_secret();
    let at = now();
    repo::replace_token(
        tx,
        &TokenRow {
            tenant_id: 0,
            digest,
            purpose: "reset".into(),
            individual_id: Some(account.individual),
            request_id: None,
            created_at: at,
            expires_at: at + Duration::hours(RESET_HOURS),
        },
    )?;
    let email = mails::NewPassword {
        site: &here.name,
        link: format!("{}/mot-de-passe/{secret}", here.url),
    };
    outbox::send_secret(tx, &account.login, &email).map_err(mail_error)?;
    Ok(())
}

/// Whether a reset link still works (to show the form, or say it does not).
pub fn reset_link_works(tx: &mut TenantTx<'_>, secret: &str) -> Result<bool, Error> {
    Ok(repo::token(tx, &secret_digest(secret), "reset", now())?.is_some())
}

/// Spends a reset link: the new password is set, the address counts as
/// confirmed (the link reached it), and every session of the person ends.
pub fn reset_password(
    tx: &mut TenantTx<'_>,
    secret: &str,
    password_hash: &str,
) -> Result<i64, Error> {
    let digest = secret_digest(secret);
    let token = repo::token(tx, &digest, "reset", now())?.ok_or(Error::Refused(
        "ce lien ne fonctionne plus : il a déjà servi ou a expiré. Demandez-en un nouveau".into(),
    ))?;
    repo::delete_token(tx, &digest)?;
    let individual = token.individual_id.ok_or(Error::NotFound)?;
    repo::set_password(tx, individual, password_hash)?;
    repo::confirm_login(tx, individual, now())?;
    // Whoever once knew the password may have linked their own identity:
    // the person links theirs again after signing in.
    let unlinked = repo::unlink_identities(tx, individual, None)?;
    let tenant = tx.tenant();
    sessions::revoke(
        tx.conn(),
        &SessionPrincipal {
            kind: PrincipalKind::Household,
            tenant: Some(tenant.get()),
            id: individual.to_string(),
        },
        None,
    )?;
    if let Some(person) = repo::individual(tx, individual)? {
        crate::history::write(
            tx,
            crate::history::Line::Foyer {
                household: person.household_id,
                individual: Some(individual),
                change: crate::history::FoyerChange::Modification,
                actor: &Actor::household(&person),
                summary: "Nouveau mot de passe choisi par lien envoyé par courriel".into(),
                detail: None,
            },
        )?;
        if unlinked > 0 {
            crate::history::write(
                tx,
                crate::history::Line::Foyer {
                    household: person.household_id,
                    individual: Some(individual),
                    change: crate::history::FoyerChange::Modification,
                    actor: &Actor::household(&person),
                    summary: "Liaisons FranceConnect retirées avec le nouveau mot de passe".into(),
                    detail: None,
                },
            )?;
        }
    }
    Ok(individual)
}

/// A person's account linked to an identity provider's subject.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityLink {
    pub issuer: String,
    pub subject: String,
    pub since: NaiveDateTime,
}

pub fn identity_links(tx: &mut TenantTx<'_>, individual: i64) -> Result<Vec<IdentityLink>, Error> {
    Ok(repo::identity_links_of(tx, individual)?
        .into_iter()
        .map(|(issuer, subject, since)| IdentityLink {
            issuer,
            subject,
            since,
        })
        .collect())
}

/// Links a confirmed account to an identity provider's subject (`provider`
/// names it for people: « FranceConnect »), in the foyer's history, and tells
/// the account's address at once: a link nobody asked for is seen and
/// removed from « Mon foyer ». An unconfirmed account is refused: linking
/// proves nothing about the address, and never confirms it.
pub fn link_identity(
    tx: &mut TenantTx<'_>,
    individual: i64,
    issuer: &str,
    subject: &str,
    provider: &str,
    here: &Site,
) -> Result<(), Error> {
    let login = repo::login_of(tx, individual)?.ok_or(Error::NotFound)?;
    if login.confirmed_at.is_none() {
        return Err(Error::Refused(format!(
            "ce compte n’est pas encore confirmé : ouvrez le lien de confirmation reçu par courriel, connectez-vous, puis reliez votre compte à {provider}"
        )));
    }
    let at = now();
    repo::link_identity(tx, issuer, subject, individual, at)?;
    let person = repo::individual(tx, individual)?.ok_or(Error::NotFound)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household: person.household_id,
            individual: Some(individual),
            change: crate::history::FoyerChange::Modification,
            actor: &Actor::household(&person),
            summary: format!("Compte relié à {provider}"),
            detail: None,
        },
    )?;
    let when = crate::domain::time::datetime_fr(at);
    let email = mails::IdentityLinked {
        site: &here.name,
        provider,
        when: &when,
        base_url: &here.url,
    };
    outbox::send(tx, &login.login, &email).map_err(mail_error)?;
    Ok(())
}

/// Removes one of a person's links to an identity provider, in the foyer's
/// history; `NotFound` when the person has no such link.
pub fn unlink_identity(
    tx: &mut TenantTx<'_>,
    individual: i64,
    issuer: &str,
    subject: &str,
    provider: &str,
) -> Result<(), Error> {
    if repo::unlink_identities(tx, individual, Some((issuer, subject)))? == 0 {
        return Err(Error::NotFound);
    }
    let person = repo::individual(tx, individual)?.ok_or(Error::NotFound)?;
    crate::history::write(
        tx,
        crate::history::Line::Foyer {
            household: person.household_id,
            individual: Some(individual),
            change: crate::history::FoyerChange::Modification,
            actor: &Actor::household(&person),
            summary: format!("Liaison à {provider} retirée"),
            detail: None,
        },
    )?;
    Ok(())
}
