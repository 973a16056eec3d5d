-- chat V1: initial schema (CHAT-001, TASK-002 "데이터베이스 스키마 설계"), SQLite dialect.
-- Retells the design document's sections "User 테이블", "ChatRoom 테이블" and
-- "Message 테이블" exactly as written, defects included: idx_users_username and
-- idx_users_email repeat the indexes their UNIQUE constraints already make, and
-- messages.sender_id has no index. Both are repaired in V3__index_repairs, not here.
-- Same tables, columns, constraint and index names as sql/postgres/chat/V1__initial_schema.sql.
-- Where SQLite differs:
--   UUID is TEXT with a random-v4 default expression (no gen_random_uuid());
--   primary-key columns are declared NOT NULL, because SQLite (unlike PostgreSQL) lets a
--   non-INTEGER primary key hold NULL;
--   TIMESTAMP defaults are CURRENT_TIMESTAMP, stored as UTC text 'YYYY-MM-DD HH:MM:SS';
--   BOOLEAN is stored as 0/1; VARCHAR(n) lengths are not enforced;
--   UNIQUE/PRIMARY KEY constraints are backed by sqlite_autoindex_* indexes rather than
--   indexes named after the constraint.
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

-- FR-001: users (User 테이블).
CREATE TABLE users (
    id TEXT NOT NULL CONSTRAINT users_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    username VARCHAR(50) CONSTRAINT users_username_key UNIQUE NOT NULL,
    email VARCHAR(255) CONSTRAINT users_email_key UNIQUE NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    last_seen_at TIMESTAMP
);

CREATE INDEX idx_users_username ON users (username);
CREATE INDEX idx_users_email ON users (email);

-- FR-003: 1:1 chat rooms and their members (ChatRoom 테이블).
CREATE TABLE chat_rooms (
    id TEXT NOT NULL CONSTRAINT chat_rooms_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE chat_room_members (
    room_id TEXT NOT NULL CONSTRAINT chat_room_members_room_id_fkey REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL CONSTRAINT chat_room_members_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    joined_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT chat_room_members_pkey PRIMARY KEY (room_id, user_id)
);

CREATE INDEX idx_room_members_user ON chat_room_members (user_id);

-- FR-006: message history (Message 테이블).
CREATE TABLE messages (
    id TEXT NOT NULL CONSTRAINT messages_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    room_id TEXT CONSTRAINT messages_room_id_fkey REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id TEXT CONSTRAINT messages_sender_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_messages_room ON messages (room_id, created_at DESC);
