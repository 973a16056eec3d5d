-- classroom V3: index repairs (classroom widget ERD v0.2: "Data Retention & Cleanup",
-- "Monitoring Queries", "예상 데이터 규모"; repairs V1 and V2), SQLite dialect.
-- Indexes every foreign key that no index leads with, and adds what the retention deletes
-- need at the documented scale (10M messages, 50M logs, 540K sessions a year).
-- Drops nothing: no index at V2 is redundant (see the notes below).
-- Same index names as sql/postgres/classroom/V3__index_repairs.sql; here the
-- constraint-made indexes are the sqlite_autoindex_* ones.
--
-- Foreign keys and the index that covers each at latest:
--   classes.school_id   -> idx_classes_school (added here)
--   sessions.class_id   -> idx_sessions_class (class_id, started_at DESC)
--   problems.class_id   -> idx_problems_class (added here)
--   messages.session_id -> idx_messages_session_time (session_id, created_at DESC)
--   logs.session_id     -> idx_logs_session_time (session_id, "timestamp" DESC)
-- Deleting a school thus cascades index-driven through classes, sessions, problems,
-- messages and logs.
-- Queries of the document and how they are served at latest:
--   session by code (QR scan): idx_session_code_active, as the document's EXPLAIN shows;
--   active sessions (ended_at IS NULL AND expires_at > now): idx_sessions_expires;
--   messages per minute over the last hour (created_at range): idx_messages_created_at;
--   retention: messages by created_at (30 days): idx_messages_created_at;
--     ended sessions by ended_at (180 days): idx_sessions_ended_at (SQLite uses a partial
--     index when the query's WHERE implies its predicate; the delete states it verbatim);
--     logs by "timestamp" (90 days): idx_logs_timestamp.
--
-- Kept, after review:
--   the UNIQUE constraint sessions_code_key (its index is sqlite_autoindex_sessions_2) and
--   idx_session_code_active (UNIQUE (code) WHERE ended_at IS NULL) index the same column,
--   but neither is redundant, and neither is a non-unique index. sessions_code_key is the
--   table definition's UNIQUE constraint: it keeps every code, of ended sessions too,
--   unique for the life of the row, so an old QR code or log line never points at a newer
--   session; dropping it would silently allow codes to be reused (and in SQLite would take
--   a table rebuild). idx_session_code_active holds only the open sessions (sessions live
--   30 minutes; the table gains 540K rows a year), is the index the document's EXPLAIN
--   shows serving its most frequent query (session by code on every QR scan), and its
--   uniqueness is implied by sessions_code_key. Keeping both costs one extra index entry
--   per new session.
--   idx_sessions_expires (expires_at) WHERE ended_at IS NULL and the new
--   idx_sessions_ended_at (ended_at) WHERE ended_at IS NOT NULL differ in column and
--   predicate. Apart from the pairs above, no two indexes of a table share a leading column.

-- FK classes_school_id_fkey: deleting a school cascades to classes; no index leads with school_id.
CREATE INDEX idx_classes_school ON classes (school_id);
-- FK problems_class_id_fkey: deleting a class cascades to problems; no index leads with class_id (idx_problems_grade_difficulty leads with grade).
CREATE INDEX idx_problems_class ON problems (class_id);

-- Retention deletes messages by created_at (30 days) and the per-minute monitoring query scans the last hour by created_at; idx_messages_session_time leads with session_id and cannot serve a global age scan.
CREATE INDEX idx_messages_created_at ON messages (created_at);
-- Retention deletes ended sessions by ended_at (180 days); no index has ended_at as a key. Partial, with the delete's own predicate: open sessions are never its target.
CREATE INDEX idx_sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
-- Retention deletes logs by "timestamp" (90 days) over 50M rows; idx_logs_session_time and idx_logs_event_type lead with session_id / event_type and cannot serve a global age scan.
CREATE INDEX idx_logs_timestamp ON logs ("timestamp");
