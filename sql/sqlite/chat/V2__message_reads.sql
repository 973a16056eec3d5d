-- chat V2: read receipts (CHAT-001, TASK-010 "읽음 표시 스키마 확장", FR-007), SQLite dialect.
-- Retells the design document's section "MessageRead 테이블 (읽음 표시)" exactly as
-- written, defect included: message_reads.user_id has no index of its own (the primary
-- key leads with message_id). Repaired in V3__index_repairs, not here.
-- Where SQLite differs: UUID is TEXT; the primary-key columns are declared NOT NULL,
-- which PostgreSQL implies for every primary-key column and SQLite does not.
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

CREATE TABLE message_reads (
    message_id TEXT NOT NULL CONSTRAINT message_reads_message_id_fkey REFERENCES messages (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL CONSTRAINT message_reads_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    read_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT message_reads_pkey PRIMARY KEY (message_id, user_id)
);
