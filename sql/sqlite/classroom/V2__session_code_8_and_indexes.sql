-- classroom V2: ERD v0.2 (Changelog "v0.2 (2025-10-12)"), SQLite dialect.
-- Retells the schema changes of v0.2:
--   "세션 코드 6자리 → 8자리 확장": sessions.code CHAR(6) -> CHAR(8) (ERD: CHAR code(8),
--     "8자리 영숫자" = 8 alphanumeric characters);
--   "성능 인덱스 추가 (Critical + Additional)": the seven indexes of section
--     "성능 최적화 인덱스", exactly as documented, defects included (V3 repairs them);
--   and the three CHECK constraints read from the ERD's column annotations.
-- The other v0.2 changelog items (query examples, connection pooling, PostgreSQL tuning,
-- monitoring queries, backup strategy) change no schema.
-- Same index and constraint names as sql/postgres/classroom/V2__session_code_8_and_indexes.sql,
-- which explains each constraint, and why problems.grade and the session timestamps have none.
--
-- Where SQLite differs:
--   sessions.code keeps its declared type CHAR(6). SQLite enforces no CHAR width, so the
--   column already holds 8 characters, and it cannot change a column's type in place: that
--   takes a table rebuild (create sessions_new, copy, DROP TABLE sessions, rename). Not done
--   here: chatdb runs with PRAGMA foreign_keys = ON, which cannot be switched off inside the
--   migration transaction, and with it DROP TABLE sessions deletes every session first and
--   so cascades (ON DELETE CASCADE) to all messages and logs. The 8-character rule is
--   enforced by sessions_code_check below instead. v0.1 codes stay 'ABC123' (SQLite does
--   not blank-pad CHAR values; PostgreSQL now holds 'ABC123  ').
--   SQLite cannot ALTER TABLE ... ADD CONSTRAINT. Each new CHECK constraint is enforced by
--   two triggers named after it, <constraint>_insert (BEFORE INSERT) and <constraint>_update
--   (BEFORE UPDATE OF the columns it reads), that raise ABORT with 'CHECK constraint failed:
--   <constraint>', the message SQLite gives for its own CHECK constraints. A NULL result
--   passes, as for a CHECK constraint.
--   Triggers do not look at existing rows, which matches PostgreSQL's NOT VALID (all three
--   constraints are NOT VALID there).
--   Unlike a NOT VALID constraint in PostgreSQL, which is checked on every UPDATE of a row,
--   the _update triggers fire only when the UPDATE sets one of the constraint's columns, so
--   here a v0.1 session can still be ended (SET ended_at = ...) while its code is 6 characters.
--   The code and grade forms use length(), substr() and GLOB (SQLite has no built-in
--   regular expressions).

-- "세션 코드 6자리 → 8자리 확장": no statement in SQLite (see above); sessions_code_check enforces it.

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

-- sessions_code_check, "8자리 영숫자": exactly 8 ASCII letters/digits. Like PostgreSQL's NOT VALID: v0.1 codes are 6 characters.
CREATE TRIGGER sessions_code_check_insert
BEFORE INSERT ON sessions
WHEN NOT (length(NEW.code) = 8 AND NEW.code NOT GLOB '*[^A-Za-z0-9]*')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sessions_code_check');
END;

CREATE TRIGGER sessions_code_check_update
BEFORE UPDATE OF code ON sessions
WHEN NOT (length(NEW.code) = 8 AND NEW.code NOT GLOB '*[^A-Za-z0-9]*')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sessions_code_check');
END;

-- messages_nickname_check, "1-20자": 1 to 20 characters (VARCHAR(20) is not enforced by SQLite). Like NOT VALID: v0.1 accepted ''.
CREATE TRIGGER messages_nickname_check_insert
BEFORE INSERT ON messages
WHEN NOT (length(NEW.nickname) BETWEEN 1 AND 20)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: messages_nickname_check');
END;

CREATE TRIGGER messages_nickname_check_update
BEFORE UPDATE OF nickname ON messages
WHEN NOT (length(NEW.nickname) BETWEEN 1 AND 20)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: messages_nickname_check');
END;

-- classes_grade_check, "1-1, 1-2, ..., 6-2" read as year-term or as year-class: year 1-6, a hyphen, a positive number without leading zeros. Like NOT VALID: v0.1 accepted any grade text.
CREATE TRIGGER classes_grade_check_insert
BEFORE INSERT ON classes
WHEN NOT (NEW.grade GLOB '[1-6]-[1-9]*' AND substr(NEW.grade, 3) NOT GLOB '*[^0-9]*')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: classes_grade_check');
END;

CREATE TRIGGER classes_grade_check_update
BEFORE UPDATE OF grade ON classes
WHEN NOT (NEW.grade GLOB '[1-6]-[1-9]*' AND substr(NEW.grade, 3) NOT GLOB '*[^0-9]*')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: classes_grade_check');
END;
