//! Comptes foyers: an account for the responsible adult, confirmed by an
//! e-mailed link; members (adults, children with their legal responsibles);
//! sign-in, forgotten password by a single-use link; the foyer's history.
//!
//! Field names in errors are those of the portal's forms.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::household::{self as rules, Address, Parenthood, Sex, Title, UserState};
use crate::domain::requests::MeansOfContact;
use crate::domain::text;
use crate::error::{Checks, Error};
use crate::history::Actor;
use crate::mail::outbox;
use crate::sessions::{self, PrincipalKind, SessionPrincipal};
use crate::store::repo::foyers::{
    self as repo, HouseholdEventRow, HouseholdRow, IndividualRow, LoginRow, SettingsRow, TokenRow,
};
use crate::store::TenantTx;

/// How long the links mailed to households work.
pub const CONFIRM_DAYS: i64 = 7;
pub const RESET_HOURS: i64 = 1;

/// The settings of a collectivité, for its portal and its back office
/// (defaults until an administrator changes them).
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub draft_keep_days: i64,
    pub draft_notice_days: i64,
    pub means_of_contact: Vec<MeansOfContact>,
    pub notify_agents: bool,
    /// Whom a household whose account is disabled should contact.
    pub help_contact: String,
    /// How long an agent's lock on a request they opened lasts.
    pub lock_minutes: i64,
    /// The instruction delays of the téléservices that set none.
    pub max_delay_days: i32,
    pub alert_delay_days: i32,
    /// Agents are e-mailed the requests turning urgent or late, one line
    /// each (`alerts_detailed`) or their counts.
    pub alerts_enabled: bool,
    pub alerts_detailed: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            draft_keep_days: 20,
            draft_notice_days: 7,
            means_of_contact: vec![
                MeansOfContact::Email,
                MeansOfContact::Mail,
                MeansOfContact::MobilePhone,
                MeansOfContact::LocalAuthorityOffice,
            ],
            notify_agents: false,
            help_contact: "l’accueil de votre mairie".into(),
            lock_minutes: crate::domain::requests::LOCK_MINUTES,
            max_delay_days: crate::domain::requests::DEFAULT_MAX_DELAY_DAYS,
            alert_delay_days: crate::domain::requests::DEFAULT_ALERT_DELAY_DAYS,
            alerts_enabled: false,
            alerts_detailed: false,
        }
    }
}

pub fn settings(tx: &mut TenantTx<'_>) -> Result<Settings, Error> {
    Ok(match repo::settings(tx)? {
        None => Settings::default(),
        Some(row) => Settings {
            draft_keep_days: row.draft_keep_days.into(),
            draft_notice_days: row.draft_notice_days.into(),
            means_of_contact: row
                .means_of_contact
                .split(',')
                .filter_map(MeansOfContact::parse)
                .collect(),
            notify_agents: row.notify_agents,
            help_contact: row.help_contact,
            lock_minutes: row.lock_minutes.into(),
            max_delay_days: row.max_delay_days,
            alert_delay_days: row.alert_delay_days,
            alerts_enabled: row.alerts_enabled,
            alerts_detailed: row.alerts_detailed,
        },
    })
}

pub fn save_settings(tx: &mut TenantTx<'_>, s: &Settings) -> Result<(), Error> {
    let means: Vec<&str> = s.means_of_contact.iter().map(|m| m.code()).collect();
    repo::save_settings(
        tx,
        &SettingsRow {
            tenant_id: 0,
            draft_keep_days: s.draft_keep_days as i32,
            draft_notice_days: s.draft_notice_days as i32,
            means_of_contact: means.join(","),
            notify_agents: s.notify_agents,
            help_contact: s.help_contact.clone(),
            lock_minutes: s.lock_minutes as i32,
            max_delay_days: s.max_delay_days,
            alert_delay_days: s.alert_delay_days,
            alerts_enabled: s.alerts_enabled,
            alerts_detailed: s.alerts_detailed,
        },
    )?;
    Ok(())
}

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

/// What a person typed in the account or member form, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PersonForm {
    pub title: String,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: String,
    pub birth_city: String,
    pub sex: String,
    /// "non" for a child not yet born.
    pub born: String,
    pub email: String,
    pub mobile_phone: String,
    pub home_phone: String,
    pub office_phone: String,
    pub profession: String,
}

/// A person's checked data.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub adult: bool,
    pub title: Option<Title>,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<NaiveDate>,
    pub birth_city: String,
    pub sex: Option<Sex>,
    pub born: bool,
    pub email: String,
    pub mobile_phone: String,
    pub home_phone: String,
    pub office_phone: String,
    pub profession: String,
}

/// Checks an adult (`adult`) or a child; errors named after the fields.
pub fn check_person(
    form: &PersonForm,
    adult: bool,
    today: NaiveDate,
    checks: &mut Checks,
) -> Person {
    person_checked(form, adult, true, today, checks)
}

/// [`check_person`] at the counter: an adult's e-mail address may be left
/// out (a family without one lives at the counter).
pub fn check_person_at_counter(
    form: &PersonForm,
    adult: bool,
    today: NaiveDate,
    checks: &mut Checks,
) -> Person {
    person_checked(form, adult, false, today, checks)
}

/// [`check_person`]; an adult's e-mail address may be left out when
/// `email_required` is false (a foyer opened at the counter).
fn person_checked(
    form: &PersonForm,
    adult: bool,
    email_required: bool,
    today: NaiveDate,
    checks: &mut Checks,
) -> Person {
    let mut p = Person {
        adult,
        last_name: checks.take("last_name", rules::last_name(&form.last_name)),
        born: form.born != "non",
        ..Person::default()
    };
    // A child not yet born may have no first name yet.
    if adult || p.born || !form.first_name.trim().is_empty() {
        p.first_name = checks.take("first_name", rules::first_name(&form.first_name));
    }
    let birth = form.birth_date.trim();
    if birth.is_empty() {
        if !adult {
            checks.add(
                "birth_date",
                "indiquez la date de naissance (prévue, si l’enfant n’est pas encore né)",
            );
        }
    } else {
        match crate::domain::forms::parse_date(birth) {
            None => checks.add(
                "birth_date",
                "date invalide : écrivez-la sous la forme jj/mm/aaaa",
            ),
            Some(d) if d.year_ce().1 < 1900 => {
                checks.add("birth_date", "cette date est trop ancienne")
            }
            Some(d) if d > today && (adult || p.born) => checks.add(
                "birth_date",
                "une date de naissance ne peut pas être dans le futur",
            ),
            Some(d) if d <= today && !adult && !p.born => checks.add(
                "birth_date",
                "pour un enfant à naître, indiquez la date prévue de naissance, dans le futur",
            ),
            Some(d) => p.birth_date = Some(d),
        }
    }
    p.birth_city = checks.take("birth_city", bounded(&form.birth_city, 45));
    if adult {
        p.title = Some(Title::parse(&form.title).unwrap_or(Title::Unknown));
        p.email = checks.take(
            "email",
            if email_required {
                crate::domain::contact::email(&form.email)
            } else {
                crate::domain::contact::optional_email(&form.email)
            },
        );
        let phones = [
            ("mobile_phone", &form.mobile_phone),
            ("home_phone", &form.home_phone),
            ("office_phone", &form.office_phone),
        ];
        let mut any = false;
        for (name, raw) in phones {
            if raw.trim().is_empty() {
                continue;
            }
            any = true;
            let value = checks.take(name, rules::french_phone(raw));
            match name {
                "mobile_phone" => p.mobile_phone = value,
                "home_phone" => p.home_phone = value,
                _ => p.office_phone = value,
            }
        }
        if !any {
            checks.add(
                "mobile_phone",
                "indiquez au moins un numéro de téléphone (portable, domicile ou travail)",
            );
        }
        p.profession = checks.take("profession", bounded(&form.profession, 100));
    } else if p.born {
        match Sex::parse(&form.sex) {
            Some(s) => p.sex = Some(s),
            None => checks.add(
                "sex",
                "indiquez s’il s’agit d’une fille ou d’un garçon (ou « non précisé »)",
            ),
        }
    }
    p
}

fn bounded(raw: &str, max: usize) -> Result<String, String> {
    let v = crate::domain::patterns::collapse_spaces(raw);
    if v.chars().count() > max {
        Err(format!("{max} caractères au plus"))
    } else if v.chars().any(char::is_control) {
        Err("les caractères de contrôle ne sont pas acceptés".into())
    } else {
        Ok(v)
    }
}

/// Reads an address from fields named `{prefix}street_name`…
pub fn check_address(get: impl Fn(&str) -> String, prefix: &str, checks: &mut Checks) -> Address {
    match Address::parse(|part| get(&format!("{prefix}{part}"))) {
        Ok(a) => a,
        Err(errors) => {
            for (part, message) in errors {
                checks.add(&format!("{prefix}{part}"), message);
            }
            Address::default()
        }
    }
}

fn person_row(
    p: &Person,
    id: i64,
    household: i64,
    responsible: bool,
    state: UserState,
    at: NaiveDateTime,
) -> IndividualRow {
    IndividualRow {
        tenant_id: 0,
        id,
        household_id: household,
        kind: if p.adult { "adult" } else { "child" }.into(),
        responsible,
        state: state.code().into(),
        title: p.title.map(|t| t.code().to_owned()),
        last_name: p.last_name.clone(),
        first_name: p.first_name.clone(),
        name_key: text::search_key(&format!("{} {}", p.last_name, p.first_name)),
        birth_date: p.birth_date,
        birth_city: p.birth_city.clone(),
        sex: p.sex.map(|s| s.code().to_owned()),
        born: p.born,
        email: p.email.clone(),
        home_phone: p.home_phone.clone(),
        mobile_phone: p.mobile_phone.clone(),
        office_phone: p.office_phone.clone(),
        profession: p.profession.clone(),
        created_at: at,
        updated_at: at,
    }
}

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
    event(
        tx,
        household,
        Some(individual),
        "Creation",
        &Actor::household(&person),
        "Demande sans compte".into(),
        None,
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
    base_url: &str,
    site: &str,
) -> Result<Opened, Error> {
    let login = account.person.email.to_lowercase();
    if repo::login_by_name(tx, &login)?.is_some() {
        outbox::enqueue(
            tx,
            &login,
            &format!("{site} : vous avez déjà un compte"),
            &format!(
                "Bonjour,\n\nQuelqu’un (vous, sans doute) a demandé à créer un compte sur le portail des démarches de {site} avec cette adresse électronique. Un compte existe déjà pour elle.\n\nPour vous connecter : {base_url}/connexion\nSi vous avez oublié votre mot de passe : {base_url}/mot-de-passe-oublie\n\nSi vous n’êtes pas à l’origine de cette demande, ignorez ce message.\n"
            ),
        )
        .map_err(mail_error)?;
        return Ok(Opened::Existing);
    }
    let (household, individual) = open_for(tx, account, UserState::New, None)?;
    if let Some(hash) = password_hash {
        repo::set_password(tx, individual, hash)?;
    }
    send_confirmation(tx, individual, &login, base_url, site)?;
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
    event(
        tx,
        household,
        Some(individual),
        "Creation",
        &actor,
        note,
        None,
    )?;
    Ok((household, individual))
}

/// Mails a new confirmation link (the earlier ones stop working).
pub fn send_confirmation(
    tx: &mut TenantTx<'_>,
    individual: i64,
    login: &str,
    base_url: &str,
    site: &str,
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
    outbox::enqueue_secret(
        tx,
        login,
        &format!("{site} : confirmez votre adresse électronique"),
        &format!(
            "Bonjour,\n\nPour terminer la création de votre compte sur le portail des démarches de {site}, ouvrez ce lien :\n\n{base_url}/compte/confirmer/{secret}\n\nLe lien fonctionne une fois, pendant {CONFIRM_DAYS} jours. Si vous n’avez pas demandé de compte, ignorez ce message : aucun compte ne sera ouvert à votre nom sans ce lien.\n"
        ),
    )
    .map_err(mail_error)?;
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
    base_url: &str,
    site: &str,
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
    event(
        tx,
        household.id,
        Some(individual),
        "Creation",
        &Actor::household(&person),
        "Compte ouvert depuis une demande faite sans compte".into(),
        None,
    )?;
    send_confirmation(tx, individual, &login, base_url, site)
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
pub fn request_reset(
    tx: &mut TenantTx<'_>,
    login: &str,
    base_url: &str,
    site: &str,
) -> Result<(), Error> {
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
    outbox::enqueue_secret(
        tx,
        &account.login,
        &format!("{site} : choisir un nouveau mot de passe"),
        &format!(
            "Bonjour,\n\nVous avez demandé à choisir un nouveau mot de passe pour le portail des démarches de {site}. Ouvrez ce lien :\n\n{base_url}/mot-de-passe/{secret}\n\nLe lien fonctionne une fois, pendant une heure. Si vous n’avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n"
        ),
    )
    .map_err(mail_error)?;
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
        event(
            tx,
            person.household_id,
            Some(individual),
            "Modification",
            &Actor::household(&person),
            "Nouveau mot de passe choisi par lien envoyé par courriel".into(),
            None,
        )?;
        if unlinked > 0 {
            event(
                tx,
                person.household_id,
                Some(individual),
                "Modification",
                &Actor::household(&person),
                "Liaisons FranceConnect retirées avec le nouveau mot de passe".into(),
                None,
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
    base_url: &str,
    site: &str,
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
    event(
        tx,
        person.household_id,
        Some(individual),
        "Modification",
        &Actor::household(&person),
        format!("Compte relié à {provider}"),
        None,
    )?;
    let when = crate::domain::time::datetime_fr(at);
    outbox::enqueue(
        tx,
        &login.login,
        &format!("{site} : votre compte est relié à {provider}"),
        &format!(
            "Bonjour,\n\nVotre compte du portail des démarches de {site} a été relié à {provider} le {when}. Vous pourrez désormais vous connecter avec {provider}.\n\nSi ce n’est pas vous, retirez cette liaison dans « Mon foyer » ({base_url}/mon-foyer), puis choisissez un nouveau mot de passe ({base_url}/mot-de-passe-oublie).\n"
        ),
    )
    .map_err(mail_error)?;
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
    event(
        tx,
        person.household_id,
        Some(individual),
        "Modification",
        &Actor::household(&person),
        format!("Liaison à {provider} retirée"),
        None,
    )?;
    Ok(())
}

/// A member as the foyer's pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub adult: bool,
    pub responsible: bool,
    pub name: String,
    pub last_name: String,
    pub first_name: String,
    pub title: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_city: String,
    pub sex: Option<String>,
    pub born: bool,
    pub email: String,
    pub mobile_phone: String,
    pub home_phone: String,
    pub office_phone: String,
    pub profession: String,
    pub state: String,
    /// A child's legal responsibles: (adult's id, role code).
    pub responsibles: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Foyer {
    pub id: i64,
    pub state: String,
    pub enabled: bool,
    pub temporary: bool,
    pub address: Address,
    pub members: Vec<Member>,
}

impl Foyer {
    pub fn adults(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.adult)
    }

    pub fn children(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !m.adult)
    }

    pub fn member(&self, id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn responsible(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.responsible)
    }
}

/// The foyer and its members (archived ones left out).
pub fn foyer(tx: &mut TenantTx<'_>, household: i64) -> Result<Foyer, Error> {
    let row = repo::household(tx, household)?.ok_or(Error::NotFound)?;
    let links = repo::responsibles(tx, household)?;
    let members = repo::members(tx, household)?
        .into_iter()
        .filter(|m| m.state != UserState::Archived.code())
        .map(|m| Member {
            responsibles: links
                .iter()
                .filter(|(child, _, _)| *child == m.id)
                .map(|(_, adult, role)| (*adult, role.clone()))
                .collect(),
            id: m.id,
            adult: m.kind == "adult",
            responsible: m.responsible,
            name: display_name(&m),
            last_name: m.last_name,
            first_name: m.first_name,
            title: m.title,
            birth_date: m.birth_date,
            birth_city: m.birth_city,
            sex: m.sex,
            born: m.born,
            email: m.email,
            mobile_phone: m.mobile_phone,
            home_phone: m.home_phone,
            office_phone: m.office_phone,
            profession: m.profession,
            state: m.state,
        })
        .collect();
    Ok(Foyer {
        id: row.id,
        state: row.state,
        enabled: row.enabled,
        temporary: row.temporary,
        address: serde_json::from_str(&row.address_json).unwrap_or_default(),
        members,
    })
}

/// A child's legal responsibles as chosen in the form: `responsible.{adult
/// id}` = role code (or empty).
pub fn check_responsibles(
    foyer: &Foyer,
    chosen: &[(String, String)],
    checks: &mut Checks,
) -> Vec<(i64, Parenthood)> {
    let mut out = Vec::new();
    for (name, role) in chosen {
        if role.is_empty() {
            continue;
        }
        let adult = name
            .strip_prefix("responsible.")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| foyer.adults().any(|a| a.id == *id));
        match (adult, Parenthood::parse(role)) {
            (Some(a), Some(r)) => out.push((a, r)),
            _ => {
                checks.add(
                    "responsibles",
                    "choisissez les responsables légaux parmi les adultes de votre foyer",
                );
                return Vec::new();
            }
        }
    }
    if let Err(e) = rules::check_responsibles(out.len()) {
        checks.add("responsibles", e);
    }
    out
}

/// Adds a member to the foyer; the foyer goes back to the agents as
/// « modifié » if it was validated.
pub fn add_member(
    tx: &mut TenantTx<'_>,
    household: i64,
    actor: &Actor,
    person: &Person,
    responsibles: &[(i64, Parenthood)],
) -> Result<i64, Error> {
    repo::lock_household(tx, household)?;
    let foyer = foyer(tx, household)?;
    check_links(&foyer, person, responsibles)?;
    let at = now();
    let id = tx.next_id()?;
    let row = person_row(person, id, household, false, UserState::New, at);
    repo::insert_individual(tx, &row)?;
    let links: Vec<(i64, &str)> = responsibles.iter().map(|(a, r)| (*a, r.code())).collect();
    repo::set_responsibles(tx, id, &links)?;
    touch_foyer(tx, &foyer, at, actor)?;
    let kind = if person.adult {
        "un adulte"
    } else {
        "un enfant"
    };
    event(
        tx,
        household,
        Some(id),
        "Creation",
        actor,
        format!("Ajout d’{kind} : {}", display_name(&row)),
        None,
    )?;
    Ok(id)
}

fn check_links(
    foyer: &Foyer,
    person: &Person,
    responsibles: &[(i64, Parenthood)],
) -> Result<(), Error> {
    if person.adult {
        return Ok(());
    }
    let mut checks = Checks::default();
    if responsibles
        .iter()
        .any(|(a, _)| !foyer.adults().any(|m| m.id == *a))
    {
        checks.add(
            "responsibles",
            "choisissez les responsables légaux parmi les adultes de votre foyer",
        );
    }
    if let Err(e) = rules::check_responsibles(responsibles.len()) {
        checks.add("responsibles", e);
    }
    checks.finish()
}

/// A state after `actor`'s change: the household's sends a validated one
/// back to the agents (« modifié »); an agent's, made at the counter, keeps it.
fn edited(state: UserState, actor: &Actor) -> UserState {
    if actor.kind == "agent" {
        state
    } else {
        state.after_household_edit()
    }
}

/// The foyer after `actor`'s change (its state, see [`edited`]).
fn touch_foyer(
    tx: &mut TenantTx<'_>,
    foyer: &Foyer,
    at: NaiveDateTime,
    actor: &Actor,
) -> Result<(), Error> {
    let state = UserState::parse(&foyer.state).unwrap_or(UserState::New);
    let address = serde_json::to_string(&foyer.address).expect("an address serialises");
    repo::update_household(tx, foyer.id, edited(state, actor).code(), &address, at)?;
    Ok(())
}

/// Changes a member; each changed field is kept in the history with its
/// value before and after.
pub fn edit_member(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    actor: &Actor,
    person: &Person,
    responsibles: &[(i64, Parenthood)],
) -> Result<(), Error> {
    repo::lock_household(tx, household)?;
    let before = repo::member(tx, household, id)?
        .filter(|m| m.state != UserState::Archived.code())
        .ok_or(Error::NotFound)?;
    let foyer = foyer(tx, household)?;
    let adult = before.kind == "adult";
    if adult != person.adult {
        return Err(Error::NotFound);
    }
    check_links(&foyer, person, responsibles)?;
    let at = now();
    let state = UserState::parse(&before.state).unwrap_or(UserState::New);
    let mut after = person_row(
        person,
        id,
        household,
        before.responsible,
        edited(state, actor),
        at,
    );
    after.created_at = before.created_at;
    let changes = changes(&before, &after);
    let links_before: Vec<(i64, String)> = foyer
        .member(id)
        .map(|m| m.responsibles.clone())
        .unwrap_or_default();
    let links_after: Vec<(i64, String)> = responsibles
        .iter()
        .map(|(a, r)| (*a, r.code().to_owned()))
        .collect();
    if changes.is_empty() && (adult || links_before == links_after) {
        return Ok(());
    }
    repo::update_individual(tx, &after)?;
    if !adult {
        let links: Vec<(i64, &str)> = responsibles.iter().map(|(a, r)| (*a, r.code())).collect();
        repo::set_responsibles(tx, id, &links)?;
    }
    if before.responsible && !before.email.is_empty() && after.email.is_empty() {
        return Err(crate::error::invalid(
            "email",
            "l’adresse électronique du responsable sert à se connecter au portail : remplacez-la, sans l’effacer",
        ));
    }
    if before.responsible && after.email.to_lowercase() != before.email.to_lowercase() {
        // The login follows the responsible's address, to be confirmed again.
        repo::set_login(tx, id, &after.email.to_lowercase())?;
    }
    touch_foyer(tx, &foyer, at, actor)?;
    let detail = serde_json::json!({ "fields": changes });
    event(
        tx,
        household,
        Some(id),
        "Modification",
        actor,
        format!("Modification de {}", display_name(&after)),
        Some(detail.to_string()),
    )?;
    Ok(())
}

/// The fields that differ: name, before, after.
fn changes(a: &IndividualRow, b: &IndividualRow) -> Vec<serde_json::Value> {
    let pairs: [(&str, String, String); 12] = [
        (
            "Civilité",
            a.title.clone().unwrap_or_default(),
            b.title.clone().unwrap_or_default(),
        ),
        ("Nom", a.last_name.clone(), b.last_name.clone()),
        ("Prénom", a.first_name.clone(), b.first_name.clone()),
        (
            "Date de naissance",
            fmt_date(a.birth_date),
            fmt_date(b.birth_date),
        ),
        (
            "Lieu de naissance",
            a.birth_city.clone(),
            b.birth_city.clone(),
        ),
        (
            "Sexe",
            a.sex.clone().unwrap_or_default(),
            b.sex.clone().unwrap_or_default(),
        ),
        ("Naissance", birth(a.born), birth(b.born)),
        ("Courriel", a.email.clone(), b.email.clone()),
        (
            "Téléphone portable",
            a.mobile_phone.clone(),
            b.mobile_phone.clone(),
        ),
        (
            "Téléphone du domicile",
            a.home_phone.clone(),
            b.home_phone.clone(),
        ),
        (
            "Téléphone du travail",
            a.office_phone.clone(),
            b.office_phone.clone(),
        ),
        ("Profession", a.profession.clone(), b.profession.clone()),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(name, from, to)| serde_json::json!({ "field": name, "from": from, "to": to }))
        .collect()
}

/// Whether the person is born, as the history says it.
fn birth(born: bool) -> String {
    if born { "a eu lieu" } else { "attendue" }.to_owned()
}

fn fmt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// Changes the foyer's address.
pub fn edit_address(
    tx: &mut TenantTx<'_>,
    household: i64,
    actor: &Actor,
    address: &Address,
) -> Result<(), Error> {
    repo::lock_household(tx, household)?;
    let mut foyer = foyer(tx, household)?;
    if foyer.address == *address {
        return Ok(());
    }
    let detail = serde_json::json!({ "fields": [{
        "field": "Adresse", "from": foyer.address.one_line(), "to": address.one_line()
    }] });
    foyer.address = address.clone();
    touch_foyer(tx, &foyer, now(), actor)?;
    event(
        tx,
        household,
        None,
        "Modification",
        actor,
        "Modification de l’adresse".into(),
        Some(detail.to_string()),
    )?;
    Ok(())
}

/// Removes a member from the foyer (kept, archived, for the requests that
/// name them). Not the responsible, nor the only legal responsible of a child.
pub fn remove_member(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
    actor: &Actor,
) -> Result<(), Error> {
    repo::lock_household(tx, household)?;
    let foyer = foyer(tx, household)?;
    let member = foyer.member(id).ok_or(Error::NotFound)?;
    if member.responsible {
        return Err(Error::Refused(
            "le responsable du foyer ne peut pas être retiré : il est le titulaire du compte"
                .into(),
        ));
    }
    let orphans: Vec<&str> = foyer
        .children()
        .filter(|c| c.responsibles.len() == 1 && c.responsibles[0].0 == id)
        .map(|c| c.first_name.as_str())
        .collect();
    if !orphans.is_empty() {
        return Err(Error::Refused(format!(
            "{} est le seul responsable légal de {} : désignez d’abord un autre responsable",
            member.name,
            orphans.join(", ")
        )));
    }
    let at = now();
    let mut row = repo::member(tx, household, id)?.ok_or(Error::NotFound)?;
    row.state = UserState::Archived.code().into();
    row.updated_at = at;
    repo::update_individual(tx, &row)?;
    // Roles to and from an archived person are removed.
    repo::set_responsibles(tx, id, &[])?;
    for child in foyer.children() {
        if child.responsibles.iter().any(|(a, _)| *a == id) {
            let kept: Vec<(i64, &str)> = child
                .responsibles
                .iter()
                .filter(|(a, _)| *a != id)
                .map(|(a, r)| (*a, r.as_str()))
                .collect();
            repo::set_responsibles(tx, child.id, &kept)?;
        }
    }
    touch_foyer(tx, &foyer, at, actor)?;
    event(
        tx,
        household,
        Some(id),
        "Deletion",
        actor,
        format!("Retrait de {}", member.name),
        None,
    )?;
    Ok(())
}

pub fn event(
    tx: &mut TenantTx<'_>,
    household: i64,
    individual: Option<i64>,
    kind: &str,
    actor: &Actor,
    summary: String,
    detail_json: Option<String>,
) -> Result<(), Error> {
    let id = tx.next_id()?;
    repo::insert_event(
        tx,
        &HouseholdEventRow {
            tenant_id: 0,
            id,
            household_id: household,
            individual_id: individual,
            kind: kind.into(),
            actor_kind: actor.kind.into(),
            actor_id: actor.id,
            actor_name: actor.name.clone(),
            summary,
            detail_json,
            occurred_at: now(),
        },
    )?;
    Ok(())
}

/// The foyer's history, newest first.
pub fn history(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<HouseholdEventRow>, Error> {
    Ok(repo::events(tx, household, 200)?)
}
