//! Foyers, their members and their logins, single-use links, history.
//! Every function reads or writes the rows of the transaction's
//! collectivité; those that take a `household` read that foyer's rows only.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{
    child_responsibles, household_events, household_logins, household_tokens, households,
    identity_links, individuals, settings,
};
use crate::{StoreError, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = households)]
pub struct HouseholdRow {
    pub tenant_id: i64,
    pub id: i64,
    pub state: String,
    pub enabled: bool,
    pub temporary: bool,
    pub address_json: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = individuals, treat_none_as_null = true)]
pub struct IndividualRow {
    pub tenant_id: i64,
    pub id: i64,
    pub household_id: i64,
    pub kind: String,
    pub responsible: bool,
    pub state: String,
    pub title: Option<String>,
    pub last_name: String,
    pub first_name: String,
    pub name_key: String,
    pub birth_date: Option<NaiveDate>,
    pub birth_city: String,
    pub sex: Option<String>,
    pub born: bool,
    pub email: String,
    pub home_phone: String,
    pub mobile_phone: String,
    pub office_phone: String,
    pub profession: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_household(tx: &mut TenantTx<'_>, row: &HouseholdRow) -> Result<(), StoreError> {
    let row = HouseholdRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(households::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

pub fn household(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<HouseholdRow>, StoreError> {
    Ok(tx
        .rows(households::table)
        .filter(households::id.eq(id))
        .select(HouseholdRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// The foyer of member `individual`, in one statement (what a signed-in
/// person's every page starts with).
pub fn household_of(
    tx: &mut TenantTx<'_>,
    individual: i64,
) -> Result<Option<HouseholdRow>, StoreError> {
    Ok(tx
        .rows(households::table)
        .inner_join(
            individuals::table.on(individuals::tenant_id
                .eq(households::tenant_id)
                .and(individuals::household_id.eq(households::id))),
        )
        .filter(individuals::id.eq(individual))
        .select(HouseholdRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// Locks the foyer's row until commit: its members' changes take turns.
pub fn lock_household(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    tx.lock_id("households", id)
}

pub fn update_household(
    tx: &mut TenantTx<'_>,
    id: i64,
    state: &str,
    address_json: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(households::table).filter(households::id.eq(id)))
        .set((
            households::state.eq(state),
            households::address_json.eq(address_json),
            households::updated_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// A foyer made for one request filed without an account, kept as an
/// account's.
pub fn keep_household(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::update(tx.rows(households::table).filter(households::id.eq(id)))
        .set(households::temporary.eq(false))
        .execute(tx.conn())?;
    Ok(())
}

pub fn set_household_enabled(
    tx: &mut TenantTx<'_>,
    id: i64,
    enabled: bool,
) -> Result<(), StoreError> {
    diesel::update(tx.rows(households::table).filter(households::id.eq(id)))
        .set(households::enabled.eq(enabled))
        .execute(tx.conn())?;
    Ok(())
}

pub fn delete_household(tx: &mut TenantTx<'_>, id: i64) -> Result<(), StoreError> {
    diesel::delete(tx.rows(households::table).filter(households::id.eq(id))).execute(tx.conn())?;
    Ok(())
}

/// The foyer's members: adults first (the responsible first), then
/// children, each by first name.
pub fn members(tx: &mut TenantTx<'_>, household: i64) -> Result<Vec<IndividualRow>, StoreError> {
    Ok(tx
        .rows(individuals::table)
        .filter(individuals::household_id.eq(household))
        .order((
            individuals::kind.asc(),
            individuals::responsible.desc(),
            individuals::first_name.asc(),
            individuals::id.asc(),
        ))
        .select(IndividualRow::as_select())
        .load(tx.conn())?)
}

/// One member of `household` (none if it is another foyer's).
pub fn member(
    tx: &mut TenantTx<'_>,
    household: i64,
    id: i64,
) -> Result<Option<IndividualRow>, StoreError> {
    Ok(tx
        .rows(individuals::table)
        .filter(individuals::household_id.eq(household))
        .filter(individuals::id.eq(id))
        .select(IndividualRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// A person of the collectivité, whatever the foyer (sign-in).
pub fn individual(tx: &mut TenantTx<'_>, id: i64) -> Result<Option<IndividualRow>, StoreError> {
    Ok(tx
        .rows(individuals::table)
        .filter(individuals::id.eq(id))
        .select(IndividualRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

pub fn insert_individual(tx: &mut TenantTx<'_>, row: &IndividualRow) -> Result<(), StoreError> {
    let row = IndividualRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(individuals::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// Writes every column of the member (its foyer's row, found by id).
pub fn update_individual(tx: &mut TenantTx<'_>, row: &IndividualRow) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let row = IndividualRow {
        tenant_id: tenant,
        ..row.clone()
    };
    diesel::update(
        tx.rows(individuals::table)
            .filter(individuals::household_id.eq(row.household_id))
            .filter(individuals::id.eq(row.id)),
    )
    .set(&row)
    .execute(tx.conn())?;
    Ok(())
}

pub fn delete_individual(tx: &mut TenantTx<'_>, household: i64, id: i64) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(individuals::table)
            .filter(individuals::household_id.eq(household))
            .filter(individuals::id.eq(id)),
    )
    .execute(tx.conn())?;
    Ok(())
}

/// The legal responsibles of the foyer's children: (child, adult, role).
pub fn responsibles(
    tx: &mut TenantTx<'_>,
    household: i64,
) -> Result<Vec<(i64, i64, String)>, StoreError> {
    Ok(child_responsibles::table
        .inner_join(
            individuals::table.on(individuals::tenant_id
                .eq(child_responsibles::tenant_id)
                .and(individuals::id.eq(child_responsibles::child_id))),
        )
        .filter(tx.tenant_of(child_responsibles::table))
        .filter(individuals::household_id.eq(household))
        .select((
            child_responsibles::child_id,
            child_responsibles::adult_id,
            child_responsibles::role,
        ))
        .order((child_responsibles::child_id, child_responsibles::adult_id))
        .load(tx.conn())?)
}

/// Replaces a child's legal responsibles.
pub fn set_responsibles(
    tx: &mut TenantTx<'_>,
    child: i64,
    adults: &[(i64, &str)],
) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(child_responsibles::table)
            .filter(child_responsibles::child_id.eq(child)),
    )
    .execute(tx.conn())?;
    for (adult, role) in adults {
        diesel::insert_into(child_responsibles::table)
            .values((
                tx.tenant_of(child_responsibles::table),
                child_responsibles::child_id.eq(child),
                child_responsibles::adult_id.eq(adult),
                child_responsibles::role.eq(role),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = household_logins)]
pub struct LoginRow {
    pub tenant_id: i64,
    pub individual_id: i64,
    pub login: String,
    pub password_hash: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_login(tx: &mut TenantTx<'_>, row: &LoginRow) -> Result<(), StoreError> {
    let row = LoginRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(household_logins::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

pub fn login_by_name(tx: &mut TenantTx<'_>, login: &str) -> Result<Option<LoginRow>, StoreError> {
    Ok(tx
        .rows(household_logins::table)
        .filter(household_logins::login.eq(login))
        .select(LoginRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

pub fn login_of(tx: &mut TenantTx<'_>, individual: i64) -> Result<Option<LoginRow>, StoreError> {
    Ok(tx
        .rows(household_logins::table)
        .filter(household_logins::individual_id.eq(individual))
        .select(LoginRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

pub fn set_password(tx: &mut TenantTx<'_>, individual: i64, hash: &str) -> Result<(), StoreError> {
    diesel::update(
        tx.rows(household_logins::table)
            .filter(household_logins::individual_id.eq(individual)),
    )
    .set(household_logins::password_hash.eq(hash))
    .execute(tx.conn())?;
    Ok(())
}

pub fn set_login(tx: &mut TenantTx<'_>, individual: i64, login: &str) -> Result<(), StoreError> {
    diesel::update(
        tx.rows(household_logins::table)
            .filter(household_logins::individual_id.eq(individual)),
    )
    .set((
        household_logins::login.eq(login),
        household_logins::confirmed_at.eq(None::<NaiveDateTime>),
    ))
    .execute(tx.conn())?;
    Ok(())
}

pub fn confirm_login(
    tx: &mut TenantTx<'_>,
    individual: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        tx.rows(household_logins::table)
            .filter(household_logins::individual_id.eq(individual)),
    )
    .set(household_logins::confirmed_at.eq(Some(at)))
    .execute(tx.conn())?;
    Ok(())
}

/// The person an identity provider's subject is linked to.
pub fn linked_individual(
    tx: &mut TenantTx<'_>,
    issuer: &str,
    subject: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .rows(identity_links::table)
        .filter(identity_links::issuer.eq(issuer))
        .filter(identity_links::subject.eq(subject))
        .select(identity_links::individual_id)
        .get_result(tx.conn())
        .optional()?)
}

pub fn link_identity(
    tx: &mut TenantTx<'_>,
    issuer: &str,
    subject: &str,
    individual: i64,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(identity_links::table)
        .values((
            tx.tenant_of(identity_links::table),
            identity_links::issuer.eq(issuer),
            identity_links::subject.eq(subject),
            identity_links::individual_id.eq(individual),
            identity_links::created_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// A person's links to identity providers: (issuer, subject, since), oldest first.
pub fn identity_links_of(
    tx: &mut TenantTx<'_>,
    individual: i64,
) -> Result<Vec<(String, String, NaiveDateTime)>, StoreError> {
    Ok(tx
        .rows(identity_links::table)
        .filter(identity_links::individual_id.eq(individual))
        .order((identity_links::created_at, identity_links::subject))
        .select((
            identity_links::issuer,
            identity_links::subject,
            identity_links::created_at,
        ))
        .load(tx.conn())?)
}

/// Removes a person's link to `issuer`'s `subject` (`None`: every link of
/// the person); how many there were.
pub fn unlink_identities(
    tx: &mut TenantTx<'_>,
    individual: i64,
    only: Option<(&str, &str)>,
) -> Result<usize, StoreError> {
    let mut q = diesel::delete(identity_links::table)
        .filter(tx.tenant_of(identity_links::table))
        .filter(identity_links::individual_id.eq(individual))
        .into_boxed();
    if let Some((issuer, subject)) = only {
        q = q
            .filter(identity_links::issuer.eq(issuer.to_owned()))
            .filter(identity_links::subject.eq(subject.to_owned()));
    }
    Ok(q.execute(tx.conn())?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = household_tokens)]
pub struct TokenRow {
    pub tenant_id: i64,
    pub digest: String,
    pub purpose: String,
    pub individual_id: Option<i64>,
    pub request_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Stores a link's digest; earlier links of the same purpose for the same
/// person or request stop working (only the last one sent is valid).
pub fn replace_token(tx: &mut TenantTx<'_>, row: &TokenRow) -> Result<(), StoreError> {
    let tenant = tx.tenant_key();
    let mut old = diesel::delete(household_tokens::table)
        .filter(tx.tenant_of(household_tokens::table))
        .filter(household_tokens::purpose.eq(&row.purpose))
        .into_boxed();
    old = match (row.individual_id, row.request_id) {
        (_, Some(r)) => old.filter(household_tokens::request_id.eq(r)),
        (Some(i), None) => old.filter(household_tokens::individual_id.eq(i)),
        (None, None) => old.filter(household_tokens::digest.eq(&row.digest)),
    };
    old.execute(tx.conn())?;
    let row = TokenRow {
        tenant_id: tenant,
        ..row.clone()
    };
    diesel::insert_into(household_tokens::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// The link with this digest and purpose, if it has not expired.
pub fn token(
    tx: &mut TenantTx<'_>,
    digest: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> Result<Option<TokenRow>, StoreError> {
    Ok(tx
        .rows(household_tokens::table)
        .filter(household_tokens::digest.eq(digest))
        .filter(household_tokens::purpose.eq(purpose))
        .filter(household_tokens::expires_at.gt(now))
        .select(TokenRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

/// Spends a link: true if it was there (and is now gone).
pub fn delete_token(tx: &mut TenantTx<'_>, digest: &str) -> Result<bool, StoreError> {
    let n = diesel::delete(
        tx.rows(household_tokens::table)
            .filter(household_tokens::digest.eq(digest)),
    )
    .execute(tx.conn())?;
    Ok(n > 0)
}

/// Drops a request's links (it was submitted or deleted).
pub fn delete_request_tokens(tx: &mut TenantTx<'_>, request: i64) -> Result<(), StoreError> {
    diesel::delete(
        tx.rows(household_tokens::table)
            .filter(household_tokens::request_id.eq(request)),
    )
    .execute(tx.conn())?;
    Ok(())
}

pub fn purge_tokens(tx: &mut TenantTx<'_>, now: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        tx.rows(household_tokens::table)
            .filter(household_tokens::expires_at.le(now)),
    )
    .execute(tx.conn())?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = household_events)]
pub struct HouseholdEventRow {
    pub tenant_id: i64,
    pub id: i64,
    pub household_id: i64,
    pub individual_id: Option<i64>,
    pub kind: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub summary: String,
    pub detail_json: Option<String>,
    pub occurred_at: NaiveDateTime,
}

pub fn insert_event(tx: &mut TenantTx<'_>, row: &HouseholdEventRow) -> Result<(), StoreError> {
    let row = HouseholdEventRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    diesel::insert_into(household_events::table)
        .values(&row)
        .execute(tx.conn())?;
    Ok(())
}

/// The foyer's history, newest first.
pub fn events(
    tx: &mut TenantTx<'_>,
    household: i64,
    limit: i64,
) -> Result<Vec<HouseholdEventRow>, StoreError> {
    Ok(tx
        .rows(household_events::table)
        .filter(household_events::household_id.eq(household))
        .order((
            household_events::occurred_at.desc(),
            household_events::id.desc(),
        ))
        .limit(limit)
        .select(HouseholdEventRow::as_select())
        .load(tx.conn())?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = settings)]
pub struct SettingsRow {
    pub tenant_id: i64,
    pub draft_keep_days: i32,
    pub draft_notice_days: i32,
    pub means_of_contact: String,
    pub notify_agents: bool,
    pub help_contact: String,
    pub lock_minutes: i32,
    pub max_delay_days: i32,
    pub alert_delay_days: i32,
    pub alerts_enabled: bool,
    pub alerts_detailed: bool,
}

/// The collectivité's settings; `None`: the defaults.
pub fn settings(tx: &mut TenantTx<'_>) -> Result<Option<SettingsRow>, StoreError> {
    Ok(tx
        .rows(settings::table)
        .select(SettingsRow::as_select())
        .get_result(tx.conn())
        .optional()?)
}

pub fn save_settings(tx: &mut TenantTx<'_>, row: &SettingsRow) -> Result<(), StoreError> {
    let row = SettingsRow {
        tenant_id: tx.tenant_key(),
        ..row.clone()
    };
    let updated = diesel::update(tx.rows(settings::table))
        .set(&row)
        .execute(tx.conn())?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values(&row)
            .execute(tx.conn())?;
    }
    Ok(())
}

/// What the back office's search of foyers asks for; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// A prefix of the name or of one of its words, folded.
    pub name: Option<String>,
    pub household: Option<i64>,
    pub responsible_only: bool,
    pub state: Option<String>,
    pub enabled: Option<bool>,
    /// Only foyers with a request (not a draft) of these categories.
    pub categories: Option<Vec<i64>>,
}

/// A member found, with the state of their foyer.
#[derive(Debug, Clone, Queryable)]
pub struct MemberLine {
    pub id: i64,
    pub household_id: i64,
    pub last_name: String,
    pub first_name: String,
    pub responsible: bool,
    pub kind: String,
    pub household_state: String,
    pub enabled: bool,
}

/// The members `$f` finds, joined to their foyer: a macro, because the page
/// and the count are two boxed queries with types of their own.
macro_rules! members_found {
    ($tx:expr, $f:expr) => {{
        let (tx, f): (&TenantTx<'_>, &MemberFilter) = (&*$tx, $f);
        let mut q = individuals::table
            .inner_join(
                households::table.on(households::tenant_id
                    .eq(individuals::tenant_id)
                    .and(households::id.eq(individuals::household_id))),
            )
            .filter(tx.tenant_of(individuals::table))
            .filter(households::temporary.eq(false))
            .into_boxed();
        if let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) {
            let start = guichet_domain::text::like_prefix(name);
            let word = format!("% {start}");
            q = q.filter(
                individuals::name_key
                    .like(start)
                    .escape('\\')
                    .or(individuals::name_key.like(word).escape('\\')),
            );
        }
        if let Some(h) = f.household {
            q = q.filter(individuals::household_id.eq(h));
        }
        if f.responsible_only {
            q = q.filter(individuals::responsible.eq(true));
        }
        if let Some(s) = &f.state {
            q = q.filter(households::state.eq(s.clone()));
        }
        if let Some(e) = f.enabled {
            q = q.filter(households::enabled.eq(e));
        }
        if let Some(categories) = &f.categories {
            use crate::schema::requests;
            q = q.filter(
                households::id.eq_any(
                    tx.rows(requests::table)
                        .filter(requests::category_id.eq_any(categories.clone()))
                        .filter(requests::state.ne("Draft"))
                        .select(requests::household_id),
                ),
            );
        }
        q
    }};
}

/// The categories of a foyer's requests (drafts aside), each once.
pub fn request_categories(
    tx: &mut TenantTx<'_>,
    household: i64,
) -> Result<Vec<Option<i64>>, StoreError> {
    use crate::schema::requests;
    Ok(tx
        .rows(requests::table)
        .filter(requests::household_id.eq(household))
        .filter(requests::state.ne("Draft"))
        .select(requests::category_id)
        .distinct()
        .load(tx.conn())?)
}

/// The first `limit` members found, by name, or by foyer (newest first).
pub fn search_members(
    tx: &mut TenantTx<'_>,
    f: &MemberFilter,
    by_foyer: bool,
    limit: i64,
) -> Result<Vec<MemberLine>, StoreError> {
    let q = members_found!(tx, f).select((
        individuals::id,
        individuals::household_id,
        individuals::last_name,
        individuals::first_name,
        individuals::responsible,
        individuals::kind,
        households::state,
        households::enabled,
    ));
    let q = if by_foyer {
        q.order((individuals::household_id.desc(), individuals::id.asc()))
    } else {
        q.order((individuals::name_key.asc(), individuals::id.asc()))
    };
    Ok(q.limit(limit).load(tx.conn())?)
}

pub fn count_members(tx: &mut TenantTx<'_>, f: &MemberFilter) -> Result<i64, StoreError> {
    Ok(members_found!(tx, f)
        .select(diesel::dsl::count_star())
        .get_result(tx.conn())?)
}

/// Foyers opened by a sign-up before `before` whose address was never
/// confirmed: not temporary, no confirmed login, no request (drafts
/// included), no document, never touched by an agent.
pub fn unconfirmed_households(
    tx: &mut TenantTx<'_>,
    before: NaiveDateTime,
) -> Result<Vec<i64>, StoreError> {
    use crate::schema::{documents, requests};
    let candidates: Vec<i64> = household_logins::table
        .inner_join(
            individuals::table.on(individuals::tenant_id
                .eq(household_logins::tenant_id)
                .and(individuals::id.eq(household_logins::individual_id))),
        )
        .inner_join(
            households::table.on(households::tenant_id
                .eq(individuals::tenant_id)
                .and(households::id.eq(individuals::household_id))),
        )
        .filter(tx.tenant_of(household_logins::table))
        .filter(household_logins::confirmed_at.is_null())
        .filter(household_logins::created_at.lt(before))
        .filter(households::temporary.eq(false))
        .select(households::id)
        .distinct()
        .load(tx.conn())?;
    let mut gone = Vec::new();
    for household in candidates {
        let confirmed: i64 = household_logins::table
            .inner_join(
                individuals::table.on(individuals::tenant_id
                    .eq(household_logins::tenant_id)
                    .and(individuals::id.eq(household_logins::individual_id))),
            )
            .filter(tx.tenant_of(household_logins::table))
            .filter(individuals::household_id.eq(household))
            .filter(household_logins::confirmed_at.is_not_null())
            .count()
            .get_result(tx.conn())?;
        let filed: i64 = tx
            .rows(requests::table)
            .filter(requests::household_id.eq(household))
            .count()
            .get_result(tx.conn())?;
        let papers: i64 = tx
            .rows(documents::table)
            .filter(documents::household_id.eq(household))
            .count()
            .get_result(tx.conn())?;
        let by_agents: i64 = tx
            .rows(household_events::table)
            .filter(household_events::household_id.eq(household))
            .filter(household_events::actor_kind.eq("agent"))
            .count()
            .get_result(tx.conn())?;
        if confirmed + filed + papers + by_agents == 0 {
            gone.push(household);
        }
    }
    Ok(gone)
}
