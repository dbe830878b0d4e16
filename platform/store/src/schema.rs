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
        postal_address -> Text,
        contact_email -> Text,
        siret -> Nullable<Text>,
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
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        secret -> Bool,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_digest -> Text,
        super_admin_id -> Nullable<BigInt>,
        tenant_id -> Nullable<BigInt>,
        agent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agents (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        uid -> Text,
        first_name -> Text,
        last_name -> Text,
        first_key -> Text,
        last_key -> Text,
        email -> Text,
        phone -> Text,
        profile -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    directory_groups (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        name -> Text,
        label -> Text,
    }
}

diesel::table! {
    group_members (tenant_id, group_id, agent_id) {
        tenant_id -> BigInt,
        group_id -> BigInt,
        agent_id -> BigInt,
    }
}

diesel::table! {
    facilities (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        kind -> Text,
        name -> Text,
        name_key -> Text,
        address -> Text,
        phone -> Text,
        email -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    categories (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    teleservices (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        code -> Text,
        label -> Text,
        category_id -> Nullable<BigInt>,
        active -> Bool,
    }
}

diesel::table! {
    category_rights (tenant_id, category_id, agent_id) {
        tenant_id -> BigInt,
        category_id -> BigInt,
        agent_id -> BigInt,
        access -> Text,
    }
}

diesel::table! {
    agent_password_tokens (tenant_id, token_digest) {
        tenant_id -> BigInt,
        token_digest -> Text,
        agent_id -> BigInt,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(tenant_hosts -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(tenants, tenant_hosts);
diesel::allow_tables_to_appear_in_same_query!(
    agents,
    directory_groups,
    group_members,
    category_rights,
    categories,
    teleservices
);

diesel::table! {
    sessions (id) {
        id -> Text,
        plane -> Text,
        tenant_id -> Nullable<BigInt>,
        principal_kind -> Nullable<Text>,
        principal_id -> Nullable<Text>,
        state -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    platform_audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        detail_json -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        tenant_id -> Nullable<BigInt>,
        kind -> Text,
        unique_key -> Nullable<Text>,
        payload -> Text,
        state -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    files (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        key -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    global_ids (id) {
        id -> BigInt,
        last_value -> BigInt,
    }
}
