-- assistant V1: initial schema (database-engineer document, "Core Responsibilities":
-- "1. Conversation Schema", "2. Message Schema", "3. Database Indexes"; "Quality Standards").
-- conversations and messages retell the SQLModel classes column for column; "user" and
-- tasks are designed here, because the document only names them (the foreign key
-- "user.id" and the task indexes). The indexes are exactly the document's, defects
-- included: idx_conversations_user_id, idx_conversations_updated_at and
-- idx_messages_conversation_id do not match the documented query patterns; V2__index_repairs
-- repairs them. (The classes' index=True on user_id / conversation_id is the same index as
-- idx_conversations_user_id / idx_messages_conversation_id and is retold once.)
-- Design choices:
--   ids are VARCHAR(36): the classes type every id as `str` (SQLModel makes that VARCHAR)
--   and fill it with str(uuid.uuid4()), which is how the document honours "Use UUID for
--   primary keys". A UUID column would refuse what its code sends: asyncpg and psycopg 3
--   bind a str as VARCHAR, and PostgreSQL has no implicit varchar -> uuid cast (every
--   INSERT fails, and so does `Conversation.user_id == user_id`). The default
--   gen_random_uuid()::text gives other writers the same 36-character form;
--   the table is "user", the name the foreign key "user.id" gives it (a reserved word in
--   PostgreSQL, so always written "user"; SQLAlchemy quotes it itself);
--   timestamps are TIMESTAMP holding naive UTC, as datetime.utcnow writes them, so the
--   defaults are now() AT TIME ZONE 'UTC' (plain now() would store the session's local time);
--   deleting a user deletes their conversations and tasks, deleting a conversation deletes
--   its messages (ON DELETE CASCADE).

-- The account every conversation and task belongs to (isolation: every query filters by user_id).
CREATE TABLE "user" (
    id VARCHAR(36) CONSTRAINT user_pkey PRIMARY KEY DEFAULT gen_random_uuid()::text,
    email VARCHAR(255) NOT NULL CONSTRAINT user_email_key UNIQUE,
    display_name VARCHAR(100),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

-- 1. Conversation Schema (class Conversation).
CREATE TABLE conversations (
    id VARCHAR(36) CONSTRAINT conversations_pkey PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id VARCHAR(36) NOT NULL CONSTRAINT conversations_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    title VARCHAR(200),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

-- 2. Message Schema (class Message).
CREATE TABLE messages (
    id VARCHAR(36) CONSTRAINT messages_pkey PRIMARY KEY DEFAULT gen_random_uuid()::text,
    conversation_id VARCHAR(36) NOT NULL CONSTRAINT messages_conversation_id_fkey REFERENCES conversations (id) ON DELETE CASCADE,
    -- The class's own comment names the roles ("# user, assistant, system"); its code writes no other.
    role VARCHAR(20) NOT NULL CONSTRAINT messages_role_check CHECK (role IN ('user', 'assistant', 'system')),
    -- max_length=10000 is the class's own bound (SQLModel makes it VARCHAR(10000), which already
    -- caps the length here); the named CHECK is the rule SQLite enforces too.
    content VARCHAR(10000) NOT NULL CONSTRAINT messages_content_check CHECK (length(content) <= 10000),
    agent_name VARCHAR(50),
    agent_icon VARCHAR(10),
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

-- The tasks the indexes of "3. Database Indexes" imply: per-user, completable, tagged, with a due date.
-- The document gives tasks no model, so an application writes them to this design; its CHECKs
-- (priority, completion time) are the design's own rules, not readings of the document.
CREATE TABLE tasks (
    id VARCHAR(36) CONSTRAINT tasks_pkey PRIMARY KEY DEFAULT gen_random_uuid()::text,
    user_id VARCHAR(36) NOT NULL CONSTRAINT tasks_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    description TEXT,
    completed BOOLEAN NOT NULL DEFAULT FALSE,
    priority VARCHAR(10) NOT NULL DEFAULT 'medium' CONSTRAINT tasks_priority_check CHECK (priority IN ('low', 'medium', 'high')),
    tags TEXT[] NOT NULL DEFAULT '{}',
    due_date TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
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
CREATE INDEX idx_tasks_tags ON tasks USING GIN (tags);
CREATE INDEX idx_tasks_due_date ON tasks (due_date) WHERE due_date IS NOT NULL;
