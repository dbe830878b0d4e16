//! A collectivité's rows, by construction. Every table that holds rows of a
//! collectivité (a `tenant_id` column, under PostgreSQL's row-level
//! security) is listed once, here; a repository reaches its rows through
//! [`TenantTx::rows`] and stamps the rows it inserts with
//! [`TenantTx::tenant_of`],
//! so that no query writes the tenant's filter by hand. The list is checked
//! against the database's own (the tables under row-level security) by the
//! store's tests.

use diesel::dsl::{Eq, Filter};
use diesel::prelude::*;

use crate::schema;
use crate::tx::TenantTx;

/// A table of a collectivité's rows.
pub trait TenantTable: Table + Sized {
    /// The table narrowed to one collectivité.
    type Rows;
    /// `tenant_id = …`, the value of an inserted row.
    type Owner;
    fn of(self, tenant: i64) -> Self::Rows;
    fn owner(tenant: i64) -> Self::Owner;
}

macro_rules! tenant_tables {
    ($($table:ident),* $(,)?) => {
        $(
            impl TenantTable for schema::$table::table {
                type Rows = Filter<Self, Eq<schema::$table::tenant_id, i64>>;
                type Owner = Eq<schema::$table::tenant_id, i64>;
                fn of(self, tenant: i64) -> Self::Rows {
                    self.filter(Self::owner(tenant))
                }
                fn owner(tenant: i64) -> Self::Owner {
                    schema::$table::tenant_id.eq(tenant)
                }
            }
        )*
        /// Every table of a collectivité's rows: the tables under
        /// row-level security on PostgreSQL.
        pub const TENANT_TABLES: &[&str] = &[$(stringify!($table)),*];
    };
}

tenant_tables!(
    agent_password_tokens,
    agent_sign_in,
    agents,
    appearance_files,
    audit_events,
    categories,
    category_rights,
    child_responsibles,
    courriers,
    deposit_accounts,
    deposit_movements,
    directory_groups,
    document_pages,
    documents,
    facilities,
    files,
    form_drafts,
    form_versions,
    group_members,
    household_events,
    household_logins,
    household_tokens,
    households,
    id_sequences,
    identity_links,
    individuals,
    invoice_lines,
    invoices,
    legal_pages,
    mail_outbox,
    parameter_entries,
    payment_events,
    payment_items,
    payments,
    regies,
    request_actions,
    request_documents,
    request_locks,
    request_notes,
    requests,
    seasons,
    settings,
    sms_messages,
    teleservice_requirements,
    teleservices,
    upload_usage,
);

impl TenantTx<'_> {
    /// The rows of `table` that belong to this collectivité.
    pub fn rows<T: TenantTable>(&self, table: T) -> T::Rows {
        table.of(self.tenant_key())
    }

    /// `tenant_id = this collectivité` on `table`: the value of a row it
    /// inserts, or the condition on a table joined to its rows.
    pub fn tenant_of<T: TenantTable>(&self, _table: T) -> T::Owner {
        T::owner(self.tenant_key())
    }
}
