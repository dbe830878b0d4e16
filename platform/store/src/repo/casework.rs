//! The back office's reading of requests: the search (one query, its filters
//! pushed into SQL, keyset pages) and its count. Drafts are the household's
//! own: no agent query returns them.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::schema::requests;
use crate::{DbConnection, StoreError, TenantTx};

type Db = <DbConnection as diesel::Connection>::Backend;
type Condition = Box<dyn BoxableExpression<requests::table, Db, SqlType = Bool>>;

/// What the agent's rights and the search ask for. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `None`: every request (an administrator); otherwise the requests of
    /// these categories only (an empty list reaches nothing).
    pub categories: Option<Vec<i64>>,
    /// A prefix of the requester's or the subject's name, or of one of their
    /// words, as [`search_key`](guichet_domain::text::search_key) folds it.
    pub name: Option<String>,
    pub number: Option<i64>,
    pub household: Option<i64>,
    pub submitted_from: Option<NaiveDateTime>,
    /// Exclusive.
    pub submitted_until: Option<NaiveDateTime>,
    pub category: Option<i64>,
    pub teleservice: Option<i64>,
    /// Empty: every state.
    pub states: Vec<String>,
    pub last_agent: Option<i64>,
    /// Submitted inside one of these windows of its téléservice:
    /// `(téléservice, from, before)`, what a quality of service filter becomes.
    pub windows: Option<Vec<Window>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub teleservice: i64,
    pub from: Option<NaiveDateTime>,
    pub before: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By submission, oldest first: the order of work.
    OldestFirst,
    NewestFirst,
    /// Last changed first.
    RecentlyChanged,
}

/// Where a page starts: after this request, in the page's order (`at` is
/// the instant that order sorts on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: NaiveDateTime,
    pub id: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct CaseRow {
    pub id: i64,
    pub number: Option<i64>,
    pub teleservice_id: i64,
    pub category_id: Option<i64>,
    pub household_id: i64,
    pub requester_name: String,
    pub subject_name: String,
    pub state: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub last_agent_id: Option<i64>,
}

/// Everything `f` asks for, as one condition.
fn condition(tenant: i64, f: &Filter) -> Condition {
    let mut c: Condition = Box::new(
        requests::tenant_id
            .eq(tenant)
            .and(requests::state.ne("Draft")),
    );
    let mut and = |more: Condition| {
        let prev = std::mem::replace(&mut c, Box::new(diesel::dsl::sql::<Bool>("1 = 1")));
        c = Box::new(prev.and(more));
    };
    if let Some(categories) = &f.categories {
        and(Box::new(
            requests::category_id
                .assume_not_null()
                .eq_any(categories.clone()),
        ));
    }
    if let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) {
        let start = guichet_domain::text::like_prefix(name);
        let word = format!("% {start}");
        and(Box::new(
            requests::requester_key
                .like(start.clone())
                .escape('\\')
                .or(requests::requester_key.like(word.clone()).escape('\\'))
                .or(requests::subject_key.like(start).escape('\\'))
                .or(requests::subject_key.like(word).escape('\\')),
        ));
    }
    if let Some(n) = f.number {
        and(Box::new(requests::number.assume_not_null().eq(n)));
    }
    if let Some(h) = f.household {
        and(Box::new(requests::household_id.eq(h)));
    }
    if let Some(from) = f.submitted_from {
        and(Box::new(requests::submitted_at.assume_not_null().ge(from)));
    }
    if let Some(until) = f.submitted_until {
        and(Box::new(requests::submitted_at.assume_not_null().lt(until)));
    }
    if let Some(cat) = f.category {
        and(Box::new(requests::category_id.assume_not_null().eq(cat)));
    }
    if let Some(t) = f.teleservice {
        and(Box::new(requests::teleservice_id.eq(t)));
    }
    if !f.states.is_empty() {
        and(Box::new(requests::state.eq_any(f.states.clone())));
    }
    if let Some(a) = f.last_agent {
        and(Box::new(requests::last_agent_id.assume_not_null().eq(a)));
    }
    if let Some(windows) = &f.windows {
        and(any_window(windows));
    }
    c
}

fn filtered<'a>(tenant: i64, f: &Filter) -> requests::BoxedQuery<'a, Db> {
    requests::table.filter(condition(tenant, f)).into_boxed()
}

/// One `OR` of the windows (false for none).
fn any_window(windows: &[Window]) -> Condition {
    let submitted = requests::submitted_at.assume_not_null();
    let mut any: Condition = Box::new(diesel::dsl::sql::<Bool>("1 = 0"));
    for w in windows {
        let mut one: Condition = Box::new(requests::teleservice_id.eq(w.teleservice));
        if let Some(from) = w.from {
            one = Box::new(one.and(submitted.ge(from)));
        }
        if let Some(before) = w.before {
            one = Box::new(one.and(submitted.lt(before)));
        }
        any = Box::new(any.or(one));
    }
    any
}

/// The requests `f` finds, in `order`, after `after`.
fn positioned<'a>(
    tenant: i64,
    f: &'a Filter,
    order: Order,
    after: Option<Cursor>,
) -> requests::BoxedQuery<'a, Db> {
    let submitted = requests::submitted_at.assume_not_null();
    let changed = requests::updated_at;
    let id = requests::id;
    let mut q = filtered(tenant, f);
    q = match order {
        Order::OldestFirst => q.order((submitted.asc(), id.asc())),
        Order::NewestFirst => q.order((submitted.desc(), id.desc())),
        Order::RecentlyChanged => q.order((changed.desc(), id.desc())),
    };
    // The bound on the sort's instant alone comes first: an index on it
    // starts where the page does (an `OR` alone makes PostgreSQL read every
    // earlier row again, page after page).
    if let Some(Cursor { at, id: last }) = after {
        q = match order {
            Order::OldestFirst => q
                .filter(submitted.ge(at))
                .filter(submitted.gt(at).or(id.gt(last))),
            Order::NewestFirst => q
                .filter(submitted.le(at))
                .filter(submitted.lt(at).or(id.lt(last))),
            Order::RecentlyChanged => q
                .filter(changed.le(at))
                .filter(changed.lt(at).or(id.lt(last))),
        };
    }
    q
}

/// A page of the requests `f` finds, in `order`, after `after`.
pub fn search(
    tx: &mut TenantTx<'_>,
    f: &Filter,
    order: Order,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<CaseRow>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(positioned(tenant, f, order, after)
        .select(CaseRow::as_select())
        .limit(limit)
        .load(tx.conn())?)
}

/// A request as an export writes it: its line and its answers.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct ExportRow {
    #[diesel(embed)]
    pub case: CaseRow,
    pub data_json: String,
    /// The household's message for the mairie, typed when sending.
    pub household_note: String,
}

/// The same pages, with each request's answers.
pub fn export(
    tx: &mut TenantTx<'_>,
    f: &Filter,
    order: Order,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ExportRow>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(positioned(tenant, f, order, after)
        .select(ExportRow::as_select())
        .limit(limit)
        .load(tx.conn())?)
}

/// How many requests `f` finds in each state.
pub fn count_by_state(tx: &mut TenantTx<'_>, f: &Filter) -> Result<Vec<(String, i64)>, StoreError> {
    let tenant = tx.tenant_key();
    Ok(requests::table
        .filter(condition(tenant, f))
        .group_by(requests::state)
        .select((requests::state, count_star()))
        .load(tx.conn())?)
}

/// How many requests `f` finds per téléservice, month of submission (UTC,
/// `AAAA-MM`) and state.
pub fn count_by_month(
    tx: &mut TenantTx<'_>,
    f: &Filter,
) -> Result<Vec<(i64, String, String, i64)>, StoreError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Text};
    let tenant = tx.tenant_key();
    // Both backends write a timestamp as text starting `AAAA-MM-JJ`.
    const MONTH: &str = "substr(CAST(submitted_at AS TEXT), 1, 7)";
    Ok(requests::table
        .filter(condition(tenant, f))
        .group_by(sql::<Text>(&format!("teleservice_id, {MONTH}, state")))
        .select((
            sql::<BigInt>("teleservice_id"),
            sql::<Text>(MONTH),
            sql::<Text>("state"),
            count_star(),
        ))
        .load(tx.conn())?)
}

/// How many requests `f` finds.
pub fn count(tx: &mut TenantTx<'_>, f: &Filter) -> Result<i64, StoreError> {
    let tenant = tx.tenant_key();
    Ok(filtered(tenant, f)
        .select(count_star())
        .get_result(tx.conn())?)
}

/// The request that bears this number, if any.
pub fn by_number(tx: &mut TenantTx<'_>, number: i64) -> Result<Option<i64>, StoreError> {
    Ok(tx
        .rows(requests::table)
        .filter(requests::number.eq(number))
        .select(requests::id)
        .first(tx.conn())
        .optional()?)
}
