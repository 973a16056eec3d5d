-- The classroom widget ERD's SQL as v0.1 had it (document 003: its "Table Definitions" with
-- sessions.code CHAR(6), before v0.2 widened it to 8, and none of the v0.2 indexes): how users
-- built the database by hand with psql. tests/adopt.rs applies it, then adopts it.
CREATE TABLE schools (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(200) NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE classes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id UUID NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    grade VARCHAR(10) NOT NULL,
    name VARCHAR(100) NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    class_id UUID NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    code CHAR(6) NOT NULL UNIQUE,
    started_at TIMESTAMP DEFAULT NOW(),
    ended_at TIMESTAMP,
    expires_at TIMESTAMP NOT NULL DEFAULT (NOW() + INTERVAL '30 minutes')
);
CREATE TABLE problems (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    class_id UUID REFERENCES classes(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    type VARCHAR(20) NOT NULL CHECK (type IN ('vocabulary', 'proverb', 'math')),
    difficulty INT NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    grade VARCHAR(10) NOT NULL,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    nickname VARCHAR(20) NOT NULL,
    avatar_id INT NOT NULL CHECK (avatar_id BETWEEN 1 AND 64),
    content TEXT NOT NULL CHECK (LENGTH(content) BETWEEN 1 AND 200),
    created_at TIMESTAMP DEFAULT NOW(),
    moderated BOOLEAN DEFAULT FALSE
);
CREATE TABLE logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID REFERENCES sessions(id) ON DELETE CASCADE,
    event_type VARCHAR(50) NOT NULL,
    payload JSONB NOT NULL DEFAULT '{}',
    timestamp TIMESTAMP DEFAULT NOW()
);
