-- The tenant portal: foyers and their members, their logins, their
-- documents, the requests they file with their history, the seasons and
-- paramètre lists of téléservices. Every table is a collectivité's.

-- A collectivité's portal settings; no row means the defaults.
CREATE TABLE portal_settings (
    tenant_id BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    draft_keep_days INTEGER NOT NULL CHECK (draft_keep_days BETWEEN 1 AND 365),
    draft_notice_days INTEGER NOT NULL CHECK (draft_notice_days BETWEEN 0 AND 364),
    means_of_contact TEXT NOT NULL,
    notify_agents BOOLEAN NOT NULL,
    help_contact TEXT NOT NULL CHECK (length(help_contact) <= 500),
    CHECK (draft_notice_days < draft_keep_days)
);

CREATE TABLE households (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('New', 'Valid', 'Modified', 'Invalid', 'Archived')),
    enabled BOOLEAN NOT NULL,
    -- Made for one request filed without an account.
    temporary BOOLEAN NOT NULL,
    address_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE individuals (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('adult', 'child')),
    responsible BOOLEAN NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('New', 'Valid', 'Modified', 'Invalid', 'Archived')),
    title TEXT CHECK (title IN ('Madam', 'Mister', 'Unknown')),
    last_name TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 38),
    first_name TEXT NOT NULL CHECK (length(first_name) <= 38),
    -- Folded « last first », for searches by name.
    name_key TEXT NOT NULL,
    birth_date DATE,
    birth_city TEXT NOT NULL CHECK (length(birth_city) <= 45),
    sex TEXT CHECK (sex IN ('Female', 'Male', 'Unknown')),
    born BOOLEAN NOT NULL,
    email TEXT NOT NULL CHECK (length(email) <= 254),
    home_phone TEXT NOT NULL CHECK (length(home_phone) <= 14),
    mobile_phone TEXT NOT NULL CHECK (length(mobile_phone) <= 14),
    office_phone TEXT NOT NULL CHECK (length(office_phone) <= 14),
    profession TEXT NOT NULL CHECK (length(profession) <= 100),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, household_id) REFERENCES households (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX individuals_household_idx ON individuals (tenant_id, household_id);
CREATE INDEX individuals_name_idx ON individuals (tenant_id, name_key text_pattern_ops);
-- One responsible per foyer.
CREATE UNIQUE INDEX individuals_responsible_idx ON individuals (tenant_id, household_id) WHERE responsible;

-- A child's legal responsibles, among the adults of its foyer.
CREATE TABLE child_responsibles (
    tenant_id BIGINT NOT NULL,
    child_id BIGINT NOT NULL,
    adult_id BIGINT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('ClrMother', 'ClrFather', 'ClrTutor')),
    PRIMARY KEY (tenant_id, child_id, adult_id),
    FOREIGN KEY (tenant_id, child_id) REFERENCES individuals (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, adult_id) REFERENCES individuals (tenant_id, id) ON DELETE CASCADE
);

-- The foyer's account: the responsible's login (an e-mail address, folded to
-- lower case), the argon2id hash of the password (none for an account opened
-- through an identity provider only), when the address was confirmed.
CREATE TABLE household_logins (
    tenant_id BIGINT NOT NULL,
    individual_id BIGINT NOT NULL,
    login TEXT NOT NULL CHECK (length(login) BETWEEN 3 AND 254),
    password_hash TEXT,
    confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, individual_id),
    UNIQUE (tenant_id, login),
    FOREIGN KEY (tenant_id, individual_id) REFERENCES individuals (tenant_id, id) ON DELETE CASCADE
);

-- Accounts linked to an identity provider's subject (pairwise per client).
CREATE TABLE identity_links (
    tenant_id BIGINT NOT NULL,
    issuer TEXT NOT NULL CHECK (length(issuer) BETWEEN 1 AND 300),
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    individual_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, issuer, subject),
    FOREIGN KEY (tenant_id, individual_id) REFERENCES individuals (tenant_id, id) ON DELETE CASCADE
);

-- Single-use links mailed to households (confirm an address, choose a new
-- password, resume a draft), kept as SHA-256 digests.
CREATE TABLE household_tokens (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    digest TEXT NOT NULL CHECK (length(digest) = 64),
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'resume')),
    individual_id BIGINT,
    request_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, digest)
);
CREATE INDEX household_tokens_individual_idx ON household_tokens (tenant_id, individual_id, purpose);
CREATE INDEX household_tokens_request_idx ON household_tokens (tenant_id, request_id);

-- The foyer's history: who changed what, with the names as they were.
CREATE TABLE household_events (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    individual_id BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('Creation', 'Modification', 'StateChange', 'Deletion', 'Contact')),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('household', 'agent', 'system')),
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    summary TEXT NOT NULL,
    detail_json TEXT,
    occurred_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, household_id) REFERENCES households (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX household_events_household_idx ON household_events (tenant_id, household_id, occurred_at);

-- What each téléservice is set to, beyond the provisioning's row.
ALTER TABLE teleservices ADD COLUMN max_delay_days INTEGER CHECK (max_delay_days BETWEEN 1 AND 365);
ALTER TABLE teleservices ADD COLUMN alert_delay_days INTEGER CHECK (alert_delay_days BETWEEN 0 AND 364);
-- When its paramètre lists and justificatifs were set from the form's
-- defaults (once; agents change them afterwards).
ALTER TABLE teleservices ADD COLUMN seeded_at TIMESTAMP;

CREATE TABLE teleservice_requirements (
    tenant_id BIGINT NOT NULL,
    teleservice_id BIGINT NOT NULL,
    document_type TEXT NOT NULL CHECK (length(document_type) BETWEEN 1 AND 80),
    special BOOLEAN NOT NULL,
    reason TEXT NOT NULL CHECK (length(reason) <= 300),
    position INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, teleservice_id, document_type),
    FOREIGN KEY (tenant_id, teleservice_id) REFERENCES teleservices (tenant_id, id) ON DELETE CASCADE
);

-- Paramètre lists: entries of a téléservice's list, a tree by parent_key.
-- A retired entry stays for the requests that chose it.
CREATE TABLE parameter_entries (
    tenant_id BIGINT NOT NULL,
    teleservice_id BIGINT NOT NULL,
    list TEXT NOT NULL CHECK (length(list) BETWEEN 1 AND 64),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 80),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    parent_key TEXT,
    position INTEGER NOT NULL,
    retired BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, teleservice_id, list, key),
    FOREIGN KEY (tenant_id, teleservice_id) REFERENCES teleservices (tenant_id, id) ON DELETE CASCADE
);

-- Seasons of seasonal téléservices; their registration windows never
-- overlap (checked under the téléservice's row lock).
CREATE TABLE seasons (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    teleservice_id BIGINT NOT NULL,
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    registration_start DATE NOT NULL,
    registration_end DATE NOT NULL,
    validation_start DATE NOT NULL,
    effect_start DATE NOT NULL,
    effect_end DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, teleservice_id, label),
    FOREIGN KEY (tenant_id, teleservice_id) REFERENCES teleservices (tenant_id, id) ON DELETE CASCADE,
    CHECK (registration_start <= registration_end AND effect_start <= effect_end
           AND registration_start <= effect_start AND registration_end <= effect_end)
);
CREATE INDEX seasons_teleservice_idx ON seasons (tenant_id, teleservice_id, registration_start);

-- A foyer's justificatifs, reusable across its requests.
CREATE TABLE documents (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    individual_id BIGINT,
    document_type TEXT NOT NULL CHECK (length(document_type) BETWEEN 1 AND 80),
    state TEXT NOT NULL CHECK (state IN ('Draft', 'Pending', 'Validated', 'Checked', 'Refused', 'Outdated')),
    valid_until DATE,
    agent_comment TEXT NOT NULL CHECK (length(agent_comment) <= 1000),
    origin TEXT NOT NULL CHECK (origin IN ('household', 'agent')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, household_id) REFERENCES households (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX documents_household_idx ON documents (tenant_id, household_id, document_type);
CREATE INDEX documents_validity_idx ON documents (tenant_id, valid_until);

CREATE TABLE document_pages (
    tenant_id BIGINT NOT NULL,
    document_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    file_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, document_id, position),
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id)
);

-- Requests, drafts included. Names and the category are copied in, so that
-- the back office's searches and task board read one table.
CREATE TABLE requests (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    -- The number people read, given at submission.
    number BIGINT,
    teleservice_id BIGINT NOT NULL,
    category_id BIGINT,
    form_code TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    season_id BIGINT,
    household_id BIGINT NOT NULL,
    requester_id BIGINT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_key TEXT NOT NULL,
    subject_id BIGINT,
    subject_name TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('Draft', 'Pending', 'Inprogress', 'Extinprogress', 'Complete',
        'Uncomplete', 'Rectified', 'Validated', 'Closed', 'Rejected', 'Cancelled', 'Archived')),
    data_state TEXT NOT NULL CHECK (data_state IN ('Pending', 'Valid', 'Invalid')),
    means_of_contact TEXT,
    data_json TEXT NOT NULL,
    -- The keys of the steps filled, comma-separated.
    steps_done TEXT NOT NULL,
    household_note TEXT NOT NULL CHECK (length(household_note) <= 2000),
    -- The form's one-time key: submitting it twice makes one request.
    submit_key TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    validated_at TIMESTAMP,
    last_agent_id BIGINT,
    orange_alert BOOLEAN NOT NULL,
    red_alert BOOLEAN NOT NULL,
    draft_expires_at TIMESTAMP,
    draft_notified_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, household_id) REFERENCES households (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, teleservice_id) REFERENCES teleservices (tenant_id, id),
    FOREIGN KEY (tenant_id, season_id) REFERENCES seasons (tenant_id, id),
    CHECK ((state = 'Draft') = (number IS NULL))
);
CREATE UNIQUE INDEX requests_number_idx ON requests (tenant_id, number);
CREATE UNIQUE INDEX requests_submit_key_idx ON requests (tenant_id, submit_key);
CREATE INDEX requests_household_idx ON requests (tenant_id, household_id, created_at);
CREATE INDEX requests_board_idx ON requests (tenant_id, category_id, state, submitted_at);
CREATE INDEX requests_submitted_idx ON requests (tenant_id, submitted_at, id);
CREATE INDEX requests_requester_idx ON requests (tenant_id, requester_key text_pattern_ops);
CREATE INDEX requests_subject_idx ON requests (tenant_id, subject_key text_pattern_ops);
CREATE INDEX requests_subject_type_idx ON requests (tenant_id, teleservice_id, subject_id, season_id);
CREATE INDEX requests_draft_expiry_idx ON requests (tenant_id, draft_expires_at) WHERE state = 'Draft';

-- The history of a request (`RequestAction`). A Creation action at
-- submission keeps the data as sent: the receipt is made from it.
CREATE TABLE request_actions (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('Creation', 'StateChange', 'ContactCitizen', 'CreationNotification',
        'DraftDeleteNotification', 'OrangeAlertNotification', 'RedAlertNotification', 'Modification')),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('household', 'agent', 'system')),
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    resulting_state TEXT NOT NULL,
    note TEXT NOT NULL CHECK (length(note) <= 2000),
    -- Seen by the household (the public history).
    public BOOLEAN NOT NULL,
    snapshot_json TEXT,
    file_id BIGINT,
    occurred_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX request_actions_request_idx ON request_actions (tenant_id, request_id, occurred_at);

-- Notes: public ones are read by both sides; internal ones by their side only.
CREATE TABLE request_notes (
    tenant_id BIGINT NOT NULL,
    id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('household', 'agent')),
    author_id BIGINT NOT NULL,
    author_name TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX request_notes_request_idx ON request_notes (tenant_id, request_id, created_at);

CREATE TABLE request_documents (
    tenant_id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    document_id BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, request_id, document_id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
);

-- An agent working on a request holds it; the household reads it only.
CREATE TABLE request_locks (
    tenant_id BIGINT NOT NULL,
    request_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    taken_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, request_id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES requests (tenant_id, id) ON DELETE CASCADE
);

-- A message may carry an attachment made when it is sent (a receipt).
ALTER TABLE mail_outbox ADD COLUMN attachment_json TEXT;

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['portal_settings', 'households', 'individuals', 'child_responsibles',
                             'household_logins', 'identity_links', 'household_tokens',
                             'household_events', 'teleservice_requirements', 'parameter_entries',
                             'seasons', 'documents', 'document_pages', 'requests',
                             'request_actions', 'request_notes', 'request_documents',
                             'request_locks'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = guichet_current_tenant()) WITH CHECK (tenant_id = guichet_current_tenant())', t);
    END LOOP;
END
$$;
