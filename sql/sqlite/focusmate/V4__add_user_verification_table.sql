-- focusmate V4: add user_verification table (ARC-012; 5.1 revision f14ca0bf1539
-- "add_user_verification_table"; 2.2 사용자 관리 #10 user_verification "사용자 인증").
-- The document only names the table; designed here: a user submits a verification (student,
-- email or phone) that an admin reviews; an approved one sets "user".is_verified (application).
-- The user owns their requests (CASCADE); the reviewing admin is kept as history (SET NULL).
-- At most one pending request per user and type.
-- SQLite dialect of sql/postgres/focusmate/V4__add_user_verification_table.sql:
-- the same tables, columns, constraint names and index names.
-- Where SQLite differs: TIMESTAMP (UTC text) with DEFAULT CURRENT_TIMESTAMP for
-- TIMESTAMP WITH TIME ZONE DEFAULT NOW(); the primary key is declared NOT NULL (SQLite lets
-- a non-INTEGER primary key hold NULL).
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

CREATE TABLE user_verification (
    id VARCHAR(36) NOT NULL CONSTRAINT user_verification_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT user_verification_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    verification_type VARCHAR(20) NOT NULL CONSTRAINT user_verification_verification_type_check CHECK (verification_type IN ('student', 'email', 'phone')),
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CONSTRAINT user_verification_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    school_name VARCHAR(100),
    document_url VARCHAR(500),
    admin_note TEXT,
    reviewed_by VARCHAR(36) CONSTRAINT user_verification_reviewed_by_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- user_verification_user_id_fkey; a user's verification requests.
CREATE INDEX ix_user_verification_user_id ON user_verification (user_id);
-- user_verification_reviewed_by_fkey: deleting an admin sets reviewed_by to NULL here.
CREATE INDEX ix_user_verification_reviewed_by ON user_verification (reviewed_by);
-- The admin review queue: requests by status, oldest first.
CREATE INDEX ix_user_verification_status_created_at ON user_verification (status, created_at);
-- One pending request per user and type.
CREATE UNIQUE INDEX uq_user_verification_pending ON user_verification (user_id, verification_type) WHERE status = 'pending';
