-- focusmate V3: add post_read table (ARC-012; 5.1 revision 20251212_2000 "add_post_read_table";
-- 2.2 커뮤니티 #17 post_read "게시글 읽음 추적", and POST ||--o{ POST_READ : tracked in 2.1).
-- The document only names the table; designed here. One row per user and post:
-- created_at is the first read, read_at the latest (the application updates it on re-reads),
-- so "unread posts" is a NOT EXISTS probe on post_read_post_id_user_id_key.
-- Both the post and the reader own the row (ON DELETE CASCADE).
-- SQLite dialect of sql/postgres/focusmate/V3__add_post_read_table.sql:
-- the same tables, columns, constraint names and index names.
-- Where SQLite differs: TIMESTAMP (UTC text) with DEFAULT CURRENT_TIMESTAMP for
-- TIMESTAMP WITH TIME ZONE DEFAULT NOW(); the primary key is declared NOT NULL (SQLite lets
-- a non-INTEGER primary key hold NULL); the UNIQUE constraint is backed by a
-- sqlite_autoindex_* index.
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

CREATE TABLE post_read (
    id VARCHAR(36) NOT NULL CONSTRAINT post_read_pkey PRIMARY KEY,
    post_id VARCHAR(36) NOT NULL CONSTRAINT post_read_post_id_fkey REFERENCES post (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT post_read_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    read_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT post_read_post_id_user_id_key UNIQUE (post_id, user_id)
);
-- post_read_post_id_user_id_key leads with post_id: serves post_read_post_id_fkey.

-- post_read_user_id_fkey: deleting a user cascades here; also a user's read posts.
CREATE INDEX ix_post_read_user_id ON post_read (user_id);
