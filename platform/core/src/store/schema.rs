//! Tables, in the SQL types both backends share. Kept by hand in step with
//! `migrations/postgres` and `migrations/sqlite`; the store tests check both.

diesel::table! {
    tenants (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        state -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tenant_hosts (host) {
        host -> Text,
        tenant_id -> BigInt,
    }
}

diesel::table! {
    super_admins (id) {
        id -> BigInt,
        login -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    id_sequences (tenant_id, name) {
        tenant_id -> BigInt,
        name -> Text,
        last_value -> BigInt,
    }
}

diesel::table! {
    audit_events (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::table! {
    mail_outbox (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        state -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(tenant_hosts -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(tenants, tenant_hosts);
