-- classroom V1: initial schema (classroom widget ERD, Changelog "v0.1 (2025-10-12): Initial
-- schema design"), SQLite dialect.
-- Retells the ERD's "Table Definitions" section (schools, classes, sessions, problems,
-- messages, logs) as v0.1 had it, which differs from the v0.2 text in two ways only:
--   sessions.code is CHAR(6): the v0.2 changelog says "세션 코드 6자리 → 8자리 확장"
--     (session code widened from 6 to 8 characters), so v0.1 had a 6-character code;
--   none of the "성능 최적화 인덱스" (performance indexes) exist yet: the v0.2 changelog
--     says "성능 인덱스 추가 (Critical + Additional)". They arrive in V2.
-- The CHECK constraints written inside the table definitions (problems.type IN (...),
-- problems.difficulty BETWEEN 1 AND 5, messages.avatar_id BETWEEN 1 AND 64,
-- LENGTH(messages.content) BETWEEN 1 AND 200) are placed here, in v0.1: they are part of
-- the table definitions themselves, and of the changes the v0.2 changelog names, the only
-- one to a table definition is the code width. The constraints V2 adds are not in the
-- table definitions at all: they are read from the ERD's column annotations (see V2).
-- Defects retold: no foreign key has an index here. V2's documented indexes come to lead
-- with sessions.class_id, messages.session_id and logs.session_id; classes.school_id and
-- problems.class_id stay unindexed, and nothing indexes the columns the retention deletes
-- filter on, until V3__index_repairs.
-- Same tables, columns and constraint names as sql/postgres/classroom/V1__initial_schema.sql.
-- Where SQLite differs:
--   UUID is TEXT with a random-v4 default expression (no gen_random_uuid());
--   primary-key columns are declared NOT NULL, because SQLite (unlike PostgreSQL) lets a
--   non-INTEGER primary key hold NULL;
--   TIMESTAMP defaults are CURRENT_TIMESTAMP, and expires_at's NOW() + INTERVAL '30 minutes'
--   is datetime('now', '+30 minutes'); both store UTC text 'YYYY-MM-DD HH:MM:SS' (PostgreSQL's
--   TIMESTAMP DEFAULT NOW() stores the session time zone's wall-clock time);
--   JSONB is TEXT holding JSON (SQLite does not check that it parses); BOOLEAN is stored 0/1;
--   CHAR(n)/VARCHAR(n) widths are not enforced, and CHAR values are not blank-padded;
--   LENGTH() counts characters of TEXT values, as PostgreSQL's does;
--   UNIQUE/PRIMARY KEY constraints are backed by sqlite_autoindex_* indexes rather than
--   indexes named after the constraint.
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

-- ERD "schools".
CREATE TABLE schools (
    id TEXT NOT NULL CONSTRAINT schools_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    name VARCHAR(200) NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- ERD "classes"; grade is "1-1, 1-2, ..., 6-2" (the check of its form arrives in V2).
CREATE TABLE classes (
    id TEXT NOT NULL CONSTRAINT classes_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    school_id TEXT NOT NULL CONSTRAINT classes_school_id_fkey REFERENCES schools (id) ON DELETE CASCADE,
    grade VARCHAR(10) NOT NULL,
    name VARCHAR(100) NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- ERD "sessions", v0.1: a 6-character join code (8 characters from V2 on); TTL 30 minutes.
CREATE TABLE sessions (
    id TEXT NOT NULL CONSTRAINT sessions_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    class_id TEXT NOT NULL CONSTRAINT sessions_class_id_fkey REFERENCES classes (id) ON DELETE CASCADE,
    code CHAR(6) NOT NULL CONSTRAINT sessions_code_key UNIQUE,
    started_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ended_at TIMESTAMP,
    expires_at TIMESTAMP NOT NULL DEFAULT (datetime('now', '+30 minutes'))
);

-- ERD "problems"; class_id NULL means a shared problem ("NULL = 공용").
CREATE TABLE problems (
    id TEXT NOT NULL CONSTRAINT problems_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    class_id TEXT CONSTRAINT problems_class_id_fkey REFERENCES classes (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    type VARCHAR(20) NOT NULL CONSTRAINT problems_type_check CHECK (type IN ('vocabulary', 'proverb', 'math')),
    difficulty INTEGER NOT NULL CONSTRAINT problems_difficulty_check CHECK (difficulty BETWEEN 1 AND 5),
    grade VARCHAR(10) NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- ERD "messages"; nickname "1-20자" (its length check arrives in V2), content "1-200자".
CREATE TABLE messages (
    id TEXT NOT NULL CONSTRAINT messages_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    session_id TEXT NOT NULL CONSTRAINT messages_session_id_fkey REFERENCES sessions (id) ON DELETE CASCADE,
    nickname VARCHAR(20) NOT NULL,
    avatar_id INTEGER NOT NULL CONSTRAINT messages_avatar_id_check CHECK (avatar_id BETWEEN 1 AND 64),
    content TEXT NOT NULL CONSTRAINT messages_content_check CHECK (LENGTH(content) BETWEEN 1 AND 200),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    moderated BOOLEAN DEFAULT FALSE
);

-- ERD "logs"; the column is named "timestamp", quoted wherever it is named. payload holds JSON text.
CREATE TABLE logs (
    id TEXT NOT NULL CONSTRAINT logs_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    session_id TEXT CONSTRAINT logs_session_id_fkey REFERENCES sessions (id) ON DELETE CASCADE,
    event_type VARCHAR(50) NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    "timestamp" TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
