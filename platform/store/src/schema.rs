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
        appearance -> Text,
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
        attachment_json -> Nullable<Text>,
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
        scope -> Text,
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
        email -> Text,
        regie_id -> Nullable<BigInt>,
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
        max_delay_days -> Nullable<Integer>,
        alert_delay_days -> Nullable<Integer>,
        seeded_at -> Nullable<Timestamp>,
        offline_message -> Text,
        regie_id -> Nullable<BigInt>,
        fee_cents -> Nullable<BigInt>,
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
diesel::table! {
    appearance_files (tenant_id, kind, slot) {
        tenant_id -> BigInt,
        kind -> Text,
        slot -> Text,
        file_id -> BigInt,
        uploaded_at -> Timestamp,
        uploaded_by -> Text,
    }
}

diesel::table! {
    courriers (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        teleservice_id -> BigInt,
        short_label -> Text,
        label -> Text,
        model -> Text,
        body -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sms_messages (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        request_id -> Nullable<BigInt>,
        recipient -> Text,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        last_error -> Text,
        provider_ref -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

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

diesel::table! {
    agent_sign_in (tenant_id) {
        tenant_id -> BigInt,
        proconnect -> Bool,
    }
}

diesel::table! {
    settings (tenant_id) {
        tenant_id -> BigInt,
        draft_keep_days -> Integer,
        draft_notice_days -> Integer,
        means_of_contact -> Text,
        notify_agents -> Bool,
        help_contact -> Text,
        lock_minutes -> Integer,
        max_delay_days -> Integer,
        alert_delay_days -> Integer,
        alerts_enabled -> Bool,
        alerts_detailed -> Bool,
        payments_off_from -> Nullable<Date>,
        payments_off_until -> Nullable<Date>,
        payments_off_message -> Text,
        show_payments_in_progress -> Bool,
        show_payment_history -> Bool,
    }
}

diesel::table! {
    households (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        state -> Text,
        enabled -> Bool,
        temporary -> Bool,
        address_json -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    individuals (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        household_id -> BigInt,
        kind -> Text,
        responsible -> Bool,
        state -> Text,
        title -> Nullable<Text>,
        last_name -> Text,
        first_name -> Text,
        name_key -> Text,
        birth_date -> Nullable<Date>,
        birth_city -> Text,
        sex -> Nullable<Text>,
        born -> Bool,
        email -> Text,
        home_phone -> Text,
        mobile_phone -> Text,
        office_phone -> Text,
        profession -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    child_responsibles (tenant_id, child_id, adult_id) {
        tenant_id -> BigInt,
        child_id -> BigInt,
        adult_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    household_logins (tenant_id, individual_id) {
        tenant_id -> BigInt,
        individual_id -> BigInt,
        login -> Text,
        password_hash -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    identity_links (tenant_id, issuer, subject) {
        tenant_id -> BigInt,
        issuer -> Text,
        subject -> Text,
        individual_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    household_tokens (tenant_id, digest) {
        tenant_id -> BigInt,
        digest -> Text,
        purpose -> Text,
        individual_id -> Nullable<BigInt>,
        request_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    household_events (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        household_id -> BigInt,
        individual_id -> Nullable<BigInt>,
        kind -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        summary -> Text,
        detail_json -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    teleservice_requirements (tenant_id, teleservice_id, document_type) {
        tenant_id -> BigInt,
        teleservice_id -> BigInt,
        document_type -> Text,
        special -> Bool,
        reason -> Text,
        position -> Integer,
        required -> Bool,
    }
}

diesel::table! {
    parameter_entries (tenant_id, teleservice_id, list, key) {
        tenant_id -> BigInt,
        teleservice_id -> BigInt,
        list -> Text,
        key -> Text,
        label -> Text,
        parent_key -> Nullable<Text>,
        position -> Integer,
        retired -> Bool,
    }
}

diesel::table! {
    seasons (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        teleservice_id -> BigInt,
        label -> Text,
        registration_start -> Date,
        registration_end -> Date,
        validation_start -> Date,
        effect_start -> Date,
        effect_end -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    documents (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        household_id -> BigInt,
        individual_id -> Nullable<BigInt>,
        document_type -> Text,
        state -> Text,
        valid_until -> Nullable<Date>,
        agent_comment -> Text,
        origin -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    document_pages (tenant_id, document_id, position) {
        tenant_id -> BigInt,
        document_id -> BigInt,
        position -> Integer,
        file_id -> BigInt,
    }
}

diesel::table! {
    requests (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        number -> Nullable<BigInt>,
        teleservice_id -> BigInt,
        category_id -> Nullable<BigInt>,
        form_code -> Text,
        form_version -> Integer,
        season_id -> Nullable<BigInt>,
        household_id -> BigInt,
        requester_id -> BigInt,
        requester_name -> Text,
        requester_key -> Text,
        subject_id -> Nullable<BigInt>,
        subject_name -> Text,
        subject_key -> Text,
        state -> Text,
        data_state -> Text,
        means_of_contact -> Nullable<Text>,
        data_json -> Text,
        steps_done -> Text,
        household_note -> Text,
        submit_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        validated_at -> Nullable<Timestamp>,
        last_agent_id -> Nullable<BigInt>,
        orange_alert -> Bool,
        red_alert -> Bool,
        draft_expires_at -> Nullable<Timestamp>,
        draft_notified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    request_actions (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        request_id -> BigInt,
        kind -> Text,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        resulting_state -> Text,
        note -> Text,
        public -> Bool,
        snapshot_json -> Nullable<Text>,
        file_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    request_notes (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        request_id -> BigInt,
        author_kind -> Text,
        author_id -> BigInt,
        author_name -> Text,
        public -> Bool,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    request_documents (tenant_id, request_id, document_id) {
        tenant_id -> BigInt,
        request_id -> BigInt,
        document_id -> BigInt,
    }
}

diesel::table! {
    request_locks (tenant_id, request_id) {
        tenant_id -> BigInt,
        request_id -> BigInt,
        agent_id -> BigInt,
        taken_at -> Timestamp,
    }
}

diesel::table! {
    upload_usage (tenant_id, household_id, day) {
        tenant_id -> BigInt,
        household_id -> BigInt,
        day -> Date,
        files -> BigInt,
        bytes -> BigInt,
    }
}

diesel::table! {
    form_drafts (tenant_id, code) {
        tenant_id -> BigInt,
        code -> Text,
        definition -> Text,
        scenarios -> Text,
        revision -> BigInt,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    form_versions (tenant_id, code, version) {
        tenant_id -> BigInt,
        code -> Text,
        version -> Integer,
        definition -> Text,
        scenarios -> Text,
        published_at -> Timestamp,
        published_by -> Text,
    }
}

diesel::table! {
    legal_pages (tenant_id, kind) {
        tenant_id -> BigInt,
        kind -> Text,
        body -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    rate_counts (key, window_start) {
        key -> Text,
        window_start -> Timestamp,
        hits -> BigInt,
    }
}

diesel::table! {
    platform_keys (name) {
        name -> Text,
        digest -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_failures (key) {
        key -> Text,
        failures -> Integer,
        first_at -> Timestamp,
        last_at -> Timestamp,
        next_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    households,
    individuals,
    child_responsibles,
    household_logins,
    identity_links,
    household_events,
    teleservices,
    teleservice_requirements,
    parameter_entries,
    seasons,
    documents,
    document_pages,
    files,
    requests,
    request_actions,
    request_notes,
    request_documents,
    request_locks
);

diesel::table! {
    regies (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        label -> Text,
        label_key -> Text,
        numcli -> Text,
        mode -> Text,
        email -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invoices (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        household_id -> BigInt,
        regie_id -> BigInt,
        kind -> Text,
        reference -> Text,
        label -> Text,
        amount_cents -> BigInt,
        issued_on -> Date,
        due_on -> Nullable<Date>,
        request_id -> Nullable<BigInt>,
        state -> Text,
        payment_id -> Nullable<BigInt>,
        paid_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invoice_lines (tenant_id, invoice_id, position) {
        tenant_id -> BigInt,
        invoice_id -> BigInt,
        position -> Integer,
        label -> Text,
        quantity -> Integer,
        unit_cents -> BigInt,
        amount_cents -> BigInt,
    }
}

diesel::table! {
    deposit_accounts (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        household_id -> BigInt,
        regie_id -> BigInt,
        reference -> Text,
        label -> Text,
        balance_cents -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    deposit_movements (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        account_id -> BigInt,
        amount_cents -> BigInt,
        label -> Text,
        payment_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    payments (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        household_id -> BigInt,
        regie_id -> BigInt,
        reference -> Text,
        provider -> Text,
        provider_ref -> Nullable<Text>,
        amount_cents -> BigInt,
        state -> Text,
        mode -> Text,
        email -> Text,
        payer_name -> Text,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        checked_at -> Nullable<Timestamp>,
        abandoned_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_items (tenant_id, payment_id, position) {
        tenant_id -> BigInt,
        payment_id -> BigInt,
        position -> Integer,
        kind -> Text,
        invoice_id -> Nullable<BigInt>,
        account_id -> Nullable<BigInt>,
        label -> Text,
        amount_cents -> BigInt,
    }
}

diesel::table! {
    payment_events (tenant_id, id) {
        tenant_id -> BigInt,
        id -> BigInt,
        payment_id -> BigInt,
        occurred_at -> Timestamp,
        source -> Text,
        outcome -> Text,
        state -> Text,
        data -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(payments, payment_items);
