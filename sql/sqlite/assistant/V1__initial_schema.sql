-- assistant V1: initial schema (database-engineer document, "Core Responsibilities":
-- "1. Conversation Schema", "2. Message Schema", "3. Database Indexes"; "Quality Standards"),
-- SQLite dialect.
-- conversations and messages retell the SQLModel classes column for column; "user" and
-- tasks are designed here, because the document only names them (the foreign key
-- "user.id" and the task indexes). The indexes are exactly the document's, defects
-- included: idx_conversations_user_id, idx_conversations_updated_at and
-- idx_messages_conversation_id do not match the documented query patterns; V2__index_repairs
-- repairs them. (The classes' index=True on user_id / conversation_id is the same index as
-- idx_conversations_user_id / idx_messages_conversation_id and is retold once.)
-- Same tables, columns, constraint and index names as sql/postgres/assistant/V1__initial_schema.sql.
-- The PostgreSQL file explains the design choices (VARCHAR(36) ids holding the uuid4 strings
-- the classes send, the table "user" their foreign key names).
-- Where SQLite differs:
--   the id default is a random-v4 expression (no gen_random_uuid()); primary-key
--   columns are declared NOT NULL, which PostgreSQL implies and SQLite does not;
--   TIMESTAMP defaults are CURRENT_TIMESTAMP, which is already UTC text 'YYYY-MM-DD HH:MM:SS'
--   (PostgreSQL needs now() AT TIME ZONE 'UTC' for the same naive-UTC value);
--   BOOLEAN is stored as 0/1; VARCHAR(n) lengths are not enforced, so the named CHECKs
--   (role, content length) are the enforcement here;
--   TEXT[] tags is TEXT holding a JSON array, default '[]', with an unnamed CHECK standing in
--   for the array type; there is no GIN index (see idx_tasks_tags below).
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

-- The account every conversation and task belongs to (isolation: every query filters by user_id).
CREATE TABLE "user" (
    id VARCHAR(36) NOT NULL CONSTRAINT user_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    email VARCHAR(255) NOT NULL CONSTRAINT user_email_key UNIQUE,
    display_name VARCHAR(100),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- 1. Conversation Schema (class Conversation).
CREATE TABLE conversations (
    id VARCHAR(36) NOT NULL CONSTRAINT conversations_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    user_id VARCHAR(36) NOT NULL CONSTRAINT conversations_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    title VARCHAR(200),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- 2. Message Schema (class Message).
CREATE TABLE messages (
    id VARCHAR(36) NOT NULL CONSTRAINT messages_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    conversation_id VARCHAR(36) NOT NULL CONSTRAINT messages_conversation_id_fkey REFERENCES conversations (id) ON DELETE CASCADE,
    -- The class's own comment names the roles ("# user, assistant, system"); its code writes no other.
    role VARCHAR(20) NOT NULL CONSTRAINT messages_role_check CHECK (role IN ('user', 'assistant', 'system')),
    -- max_length=10000 is the class's own bound; SQLite ignores VARCHAR(10000), so this CHECK
    -- is what caps the length here.
    content VARCHAR(10000) NOT NULL CONSTRAINT messages_content_check CHECK (length(content) <= 10000),
    agent_name VARCHAR(50),
    agent_icon VARCHAR(10),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The tasks the indexes of "3. Database Indexes" imply: per-user, completable, tagged, with a due date.
-- The document gives tasks no model, so an application writes them to this design; its CHECKs
-- (priority, completion time) are the design's own rules, not readings of the document.
CREATE TABLE tasks (
    id VARCHAR(36) NOT NULL CONSTRAINT tasks_pkey PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    user_id VARCHAR(36) NOT NULL CONSTRAINT tasks_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    description TEXT,
    completed BOOLEAN NOT NULL DEFAULT FALSE,
    priority VARCHAR(10) NOT NULL DEFAULT 'medium' CONSTRAINT tasks_priority_check CHECK (priority IN ('low', 'medium', 'high')),
    -- PostgreSQL: TEXT[] NOT NULL DEFAULT '{}'. Here a JSON array as text; the unnamed CHECK
    -- stands in for the array type (PostgreSQL has no constraint by that name to mirror).
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    due_date TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    completed_at TIMESTAMP,
    -- Only a completed task has a completion time.
    CONSTRAINT tasks_completed_at_check CHECK (completed_at IS NULL OR completed)
);

-- 3. Database Indexes, as documented.
-- Conversation indexes
CREATE INDEX idx_conversations_user_id ON conversations (user_id);
CREATE INDEX idx_conversations_updated_at ON conversations (updated_at DESC);

-- Message indexes
CREATE INDEX idx_messages_conversation_id ON messages (conversation_id);
CREATE INDEX idx_messages_created_at ON messages (created_at);

-- Task indexes (enhanced)
CREATE INDEX idx_tasks_user_completed ON tasks (user_id, completed);
-- idx_tasks_tags: PostgreSQL builds a GIN index over tags here. SQLite has no GIN (nor any
-- index over the elements of a JSON array), so it has no twin; a tag lookup filters a
-- user's tasks, found through idx_tasks_user_completed, with json_each(tags).
CREATE INDEX idx_tasks_due_date ON tasks (due_date) WHERE due_date IS NOT NULL;
