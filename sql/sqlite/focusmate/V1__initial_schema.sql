-- focusmate V1: initial schema (ARC-012 "데이터베이스 아키텍처"; 5.1 revision cb008620275b
-- "initial_schema"; tables of 3.1 핵심 테이블, 3.2 커뮤니티 테이블, 3.3 랭킹 시스템 테이블,
-- 3.4 매칭 시스템 테이블 and the indexes of 4.2 인덱싱 전략).
-- Creates the core, community, ranking and matching tables the document spells out (user,
-- room, session_history, post, comment, ranking_leaderboard, ranking_teams, matching_pools)
-- column for column, plus the two core tables they need and the document only names
-- (participant, timer, designed here). The indexes are exactly the document's, defects
-- included, and are repaired in V7__index_repairs, not here:
--   ix_user_email and ix_user_username repeat the indexes of the UNIQUE constraints;
--   ix_session_user_date (4.2) is the same index as ix_session_history_user_id_completed_at;
--   ix_session_history_user_id is a leading prefix of that composite;
--   ix_post_is_pinned (3.2) and ix_post_pinned (4.2) are the same partial index;
--   ix_room_active (4.2, WHERE is_active = TRUE) answers only queries that ix_room_is_active
--     (3.1) answers too;
--   session_history.room_id (FK, ON DELETE SET NULL) has no index.
-- 3.1, 3.2, 3.3 and 4.2 list ix_session_history_completed_at, ix_post_created_at and
-- ix_ranking_leaderboard_total_score twice under the same name: one index each, created once.
-- Design choices:
--   ids are VARCHAR(36), as documented (not UUID), with no default: the application
--   supplies uuid4 strings;
--   the document's types, defaults, nullability and ON DELETE actions are kept as written;
--   it writes CHECK-less comments for enum-like columns (session_history.session_type,
--   matching_pools.status), so no CHECK is added to them;
--   constraint names are spelled out; they are PostgreSQL's default names, written down so
--   the SQLite twin can carry the same ones;
--   user is a reserved word in PostgreSQL and is always written "user".
-- SQLite dialect of sql/postgres/focusmate/V1__initial_schema.sql:
-- the same tables, columns, constraint names and index names.
-- Where SQLite differs:
--   TIMESTAMP WITH TIME ZONE is TIMESTAMP, stored as UTC text 'YYYY-MM-DD HH:MM:SS', and
--   DEFAULT NOW() is DEFAULT CURRENT_TIMESTAMP;
--   post.tags (TEXT[] in PostgreSQL) is TEXT holding a JSON array: SQLite has no array type;
--   primary-key columns are declared NOT NULL, because SQLite (unlike PostgreSQL) lets a
--   non-INTEGER primary key hold NULL;
--   BOOLEAN is stored as 0/1 (TRUE/FALSE accepted); VARCHAR(n) lengths are not enforced;
--   UNIQUE/PRIMARY KEY constraints are backed by sqlite_autoindex_* indexes rather than
--   indexes named after the constraint;
--   "user" is not reserved in SQLite but is quoted the same way.
-- Foreign keys: SQLite enforces them, and runs their ON DELETE CASCADE / SET NULL, only on a
-- connection that has run PRAGMA foreign_keys = ON (off by default, and a setting of the
-- connection, not of the file: no migration can turn it on for others). chatdb turns it on
-- for its own connections; an application must turn it on for each of its own (e.g.
-- SQLAlchemy: a "connect" event that executes the PRAGMA), or deleting a parent row here
-- deletes or clears none of the rows that reference it.

-- 3.1 user (사용자).
CREATE TABLE "user" (
    id VARCHAR(36) NOT NULL CONSTRAINT user_pkey PRIMARY KEY,
    email VARCHAR(255) CONSTRAINT user_email_key UNIQUE NOT NULL,
    username VARCHAR(50) CONSTRAINT user_username_key UNIQUE NOT NULL,
    hashed_password VARCHAR(255) NOT NULL,
    bio TEXT,
    total_focus_time INTEGER DEFAULT 0,
    total_sessions INTEGER DEFAULT 0,
    is_active BOOLEAN DEFAULT TRUE,
    is_verified BOOLEAN DEFAULT FALSE,
    is_admin BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX ix_user_email ON "user" (email);
CREATE INDEX ix_user_username ON "user" (username);

-- 3.1 room (포모도로 방).
CREATE TABLE room (
    id VARCHAR(36) NOT NULL CONSTRAINT room_pkey PRIMARY KEY,
    room_name VARCHAR(100) NOT NULL,
    host_id VARCHAR(36) CONSTRAINT room_host_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    work_duration_minutes INTEGER DEFAULT 25,
    break_duration_minutes INTEGER DEFAULT 5,
    auto_start_break BOOLEAN DEFAULT TRUE,
    max_participants INTEGER DEFAULT 50,
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX ix_room_host_id ON room (host_id);
CREATE INDEX ix_room_is_active ON room (is_active);
-- 4.2 부분 인덱스: active rooms only.
CREATE INDEX ix_room_active ON room (is_active) WHERE is_active = TRUE;

-- 2.2 participant (방 참여자), designed here: one row per visit of a user to a room.
-- created_at is when the user joined, left_at when they left (NULL while in the room).
-- Both sides own the row: deleting the room or the user deletes it.
CREATE TABLE participant (
    id VARCHAR(36) NOT NULL CONSTRAINT participant_pkey PRIMARY KEY,
    room_id VARCHAR(36) NOT NULL CONSTRAINT participant_room_id_fkey REFERENCES room (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT participant_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    is_host BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    left_at TIMESTAMP,
    CONSTRAINT participant_check CHECK (left_at IS NULL OR left_at >= created_at)
);

-- 4.2 복합 인덱스: a room's participants (also serves participant_room_id_fkey).
CREATE INDEX ix_participant_room_user ON participant (room_id, user_id);
-- participant_user_id_fkey: deleting a user cascades here; ix_participant_room_user leads with room_id.
CREATE INDEX ix_participant_user_id ON participant (user_id);
-- A user is in a room at most once at a time (rejoining after leaving adds a new row).
CREATE UNIQUE INDEX uq_participant_active_room_user ON participant (room_id, user_id) WHERE left_at IS NULL;

-- 2.2 timer (타이머 상태), designed here: the shared pomodoro timer of a room, one per room.
CREATE TABLE timer (
    id VARCHAR(36) NOT NULL CONSTRAINT timer_pkey PRIMARY KEY,
    room_id VARCHAR(36) NOT NULL CONSTRAINT timer_room_id_key UNIQUE CONSTRAINT timer_room_id_fkey REFERENCES room (id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'idle' CONSTRAINT timer_status_check CHECK (status IN ('idle', 'running', 'paused', 'completed')),
    phase VARCHAR(10) NOT NULL DEFAULT 'work' CONSTRAINT timer_phase_check CHECK (phase IN ('work', 'break')),
    duration_seconds INTEGER NOT NULL DEFAULT 1500 CONSTRAINT timer_duration_seconds_check CHECK (duration_seconds > 0),
    remaining_seconds INTEGER NOT NULL DEFAULT 1500 CONSTRAINT timer_remaining_seconds_check CHECK (remaining_seconds >= 0),
    session_count INTEGER NOT NULL DEFAULT 0 CONSTRAINT timer_session_count_check CHECK (session_count >= 0),
    started_at TIMESTAMP,
    paused_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- timer_room_id_key (UNIQUE) indexes room_id, which serves timer_room_id_fkey: no further index.

-- 3.1 session_history (세션 기록). room_id is kept as history (ON DELETE SET NULL, with
-- room_name copied) but has no index: repaired in V7.
CREATE TABLE session_history (
    id VARCHAR(36) NOT NULL CONSTRAINT session_history_pkey PRIMARY KEY,
    user_id VARCHAR(36) CONSTRAINT session_history_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    room_id VARCHAR(36) CONSTRAINT session_history_room_id_fkey REFERENCES room (id) ON DELETE SET NULL,
    session_type VARCHAR(10) NOT NULL, -- 'work' or 'break'
    duration_minutes INTEGER NOT NULL,
    completed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    room_name VARCHAR(100)
);

CREATE INDEX ix_session_history_user_id ON session_history (user_id);
CREATE INDEX ix_session_history_completed_at ON session_history (completed_at);
-- 4.2 자주 조회되는 필드: a user's sessions by date range.
CREATE INDEX ix_session_history_user_id_completed_at ON session_history (user_id, completed_at DESC);
-- 4.2 복합 인덱스: the same columns again under another name.
CREATE INDEX ix_session_user_date ON session_history (user_id, completed_at DESC);

-- 3.2 post (게시글).
CREATE TABLE post (
    id VARCHAR(36) NOT NULL CONSTRAINT post_pkey PRIMARY KEY,
    author_id VARCHAR(36) CONSTRAINT post_author_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    content TEXT NOT NULL,
    category VARCHAR(50),
    tags TEXT,
    view_count INTEGER DEFAULT 0,
    like_count INTEGER DEFAULT 0,
    comment_count INTEGER DEFAULT 0,
    is_pinned BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX ix_post_author_id ON post (author_id);
CREATE INDEX ix_post_category ON post (category);
CREATE INDEX ix_post_created_at ON post (created_at DESC);
CREATE INDEX ix_post_is_pinned ON post (is_pinned) WHERE is_pinned = TRUE;
-- 4.2 부분 인덱스: pinned posts only (the same index as ix_post_is_pinned).
CREATE INDEX ix_post_pinned ON post (is_pinned) WHERE is_pinned = TRUE;

-- 3.2 comment (댓글).
CREATE TABLE comment (
    id VARCHAR(36) NOT NULL CONSTRAINT comment_pkey PRIMARY KEY,
    post_id VARCHAR(36) CONSTRAINT comment_post_id_fkey REFERENCES post (id) ON DELETE CASCADE,
    author_id VARCHAR(36) CONSTRAINT comment_author_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    parent_comment_id VARCHAR(36) CONSTRAINT comment_parent_comment_id_fkey REFERENCES comment (id) ON DELETE CASCADE,
    like_count INTEGER DEFAULT 0,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX ix_comment_post_id ON comment (post_id);
CREATE INDEX ix_comment_author_id ON comment (author_id);
CREATE INDEX ix_comment_parent_comment_id ON comment (parent_comment_id);

-- 3.3 ranking_leaderboard (리더보드).
CREATE TABLE ranking_leaderboard (
    id VARCHAR(36) NOT NULL CONSTRAINT ranking_leaderboard_pkey PRIMARY KEY,
    user_id VARCHAR(36) CONSTRAINT ranking_leaderboard_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    total_score INTEGER DEFAULT 0,
    rank INTEGER,
    weekly_score INTEGER DEFAULT 0,
    monthly_score INTEGER DEFAULT 0,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX ix_ranking_leaderboard_user_id ON ranking_leaderboard (user_id);
CREATE INDEX ix_ranking_leaderboard_total_score ON ranking_leaderboard (total_score DESC);
CREATE INDEX ix_ranking_leaderboard_rank ON ranking_leaderboard (rank);

-- 3.3 ranking_teams (팀).
CREATE TABLE ranking_teams (
    id VARCHAR(36) NOT NULL CONSTRAINT ranking_teams_pkey PRIMARY KEY,
    team_name VARCHAR(100) CONSTRAINT ranking_teams_team_name_key UNIQUE NOT NULL,
    description TEXT,
    leader_id VARCHAR(36) CONSTRAINT ranking_teams_leader_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    total_score INTEGER DEFAULT 0,
    member_count INTEGER DEFAULT 1,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX ix_ranking_teams_leader_id ON ranking_teams (leader_id);
CREATE INDEX ix_ranking_teams_total_score ON ranking_teams (total_score DESC);

-- 3.4 matching_pools (매칭 풀).
CREATE TABLE matching_pools (
    id VARCHAR(36) NOT NULL CONSTRAINT matching_pools_pkey PRIMARY KEY,
    user_id VARCHAR(36) CONSTRAINT matching_pools_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    preferred_duration INTEGER,
    preferred_break INTEGER,
    status VARCHAR(20) DEFAULT 'waiting', -- 'waiting', 'matched', 'cancelled'
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP
);

CREATE INDEX ix_matching_pools_user_id ON matching_pools (user_id);
CREATE INDEX ix_matching_pools_status ON matching_pools (status);
CREATE INDEX ix_matching_pools_created_at ON matching_pools (created_at);
