-- classroom V2: ERD v0.2 (Changelog "v0.2 (2025-10-12)").
-- Retells the schema changes of v0.2:
--   "세션 코드 6자리 → 8자리 확장": sessions.code CHAR(6) -> CHAR(8) (ERD: CHAR code(8),
--     "8자리 영숫자" = 8 alphanumeric characters);
--   "성능 인덱스 추가 (Critical + Additional)": the seven indexes of section
--     "성능 최적화 인덱스", exactly as documented, defects included (V3 repairs them).
-- The other v0.2 changelog items (query examples, connection pooling, PostgreSQL tuning,
-- monitoring queries, backup strategy) change no schema.
--
-- Also here: three CHECK constraints read from the ERD's column annotations. The changelog
-- names no constraint, and the table definitions (V1) write none of them; the annotations
-- are those of the only ERD published, v0.2's, and the first of them describes the v0.2 code,
-- so they come with v0.2. Each states what the annotation states, and nothing more: no
-- application that follows the ERD can write a row that violates it.
--   sessions_code_check        code is 8 ASCII letters/digits ("8자리 영숫자"); the ERD
--                              does not fix the letter case, so both cases are allowed.
--   messages_nickname_check    nickname is 1 to 20 characters ("1-20자"); VARCHAR(20) only
--                              gives the upper bound.
--   classes_grade_check        grade has the form of "1-1, 1-2, ..., 6-2": a school year 1-6,
--                              a hyphen, and a positive number without leading zeros. The
--                              annotation reads two ways, year-term (second number 1 or 2)
--                              and year-class ('3-5' is the fifth class of year 3); the
--                              check takes both.
-- Not constrained, on purpose (the rule: a constraint the document does not state may only
-- reject rows that no application following the document could write):
--   problems.grade has no annotation and no format: a problem for grade '3' is as valid as
--     one for '3-1';
--   no order is imposed between started_at, ended_at and expires_at. The document states
--     none, and the columns are TIMESTAMP (no time zone) defaulting to NOW(), which stores
--     the wall-clock time of the database session's TimeZone: an application that writes
--     ended_at = datetime.utcnow() while the session runs with TimeZone = 'Asia/Seoul'
--     writes an ended_at nine hours "before" the started_at the default wrote, and so does
--     any application whose clock differs from the server's.
-- NOT VALID where rows written under v0.1 can violate the constraint, so that the
-- migration does not fail on them; they stay as they are, and every new or updated row
-- is checked:
--   sessions_code_check: every v0.1 code violates it (6 characters, blank-padded to 8 by
--     the type change);
--   messages_nickname_check, classes_grade_check: free text that v0.1 checked only by width
--     ('' or '3학년 1반' fit VARCHAR(20)/VARCHAR(10)).
-- Caution: PostgreSQL checks a NOT VALID constraint on every UPDATE of a row, whatever
-- column the UPDATE sets. A v0.1 session (6-character code) therefore cannot be UPDATEd,
-- e.g. ended by SET ended_at = NOW() or by the expiry cleanup job, until its code is
-- replaced; it can still be read, looked up by code (CHAR comparison ignores the padding)
-- and deleted. End the open v0.1 sessions before deploying v0.2 (they expire after 30
-- minutes anyway). The same applies to UPDATEs (e.g. moderation) of a v0.1 message with an
-- empty nickname and of v0.1 classes with a free-form grade.

-- "세션 코드 6자리 → 8자리 확장". Rewrites sessions and rebuilds sessions_code_key under an
-- ACCESS EXCLUSIVE lock; v0.1 codes become blank-padded ('ABC123  '), and lookups by the
-- 6-character code still find them (CHAR comparison ignores trailing blanks).
ALTER TABLE sessions ALTER COLUMN code TYPE CHAR(8);

-- Critical index: session by code, on every QR scan ("가장 빈번한 쿼리").
CREATE UNIQUE INDEX idx_session_code_active
ON sessions (code) WHERE ended_at IS NULL;

-- Critical index: a session's recent messages, initial load on WebSocket connect.
CREATE INDEX idx_messages_session_time
ON messages (session_id, created_at DESC);

-- Critical index: problems by grade and difficulty, learning-card rotation.
CREATE INDEX idx_problems_grade_difficulty
ON problems (grade, difficulty, type);

-- Additional index: a class's sessions.
CREATE INDEX idx_sessions_class
ON sessions (class_id, started_at DESC);

-- Additional index: session expiry check (cleanup job).
CREATE INDEX idx_sessions_expires
ON sessions (expires_at) WHERE ended_at IS NULL;

-- Additional index: a session's logs (debugging/analysis).
CREATE INDEX idx_logs_session_time
ON logs (session_id, "timestamp" DESC);

-- Additional index: logs by event type.
CREATE INDEX idx_logs_event_type
ON logs (event_type, "timestamp" DESC);

-- "8자리 영숫자". NOT VALID: every v0.1 code (6 characters, now blank-padded) violates it.
ALTER TABLE sessions ADD CONSTRAINT sessions_code_check
    CHECK (code ~ '^[A-Za-z0-9]{8}$') NOT VALID;

-- "1-20자". NOT VALID: v0.1 accepted an empty nickname.
ALTER TABLE messages ADD CONSTRAINT messages_nickname_check
    CHECK (LENGTH(nickname) BETWEEN 1 AND 20) NOT VALID;

-- "1-1, 1-2, ..., 6-2", read as year-term or as year-class. NOT VALID: v0.1 accepted any grade text up to 10 characters.
ALTER TABLE classes ADD CONSTRAINT classes_grade_check
    CHECK (grade ~ '^[1-6]-[1-9][0-9]*$') NOT VALID;
