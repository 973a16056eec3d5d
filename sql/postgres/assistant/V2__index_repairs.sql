-- assistant V2: index repairs (database-engineer document, "3. Database Indexes" measured
-- against "4. Query Patterns" and "Quality Standards": all queries MUST filter by user_id).
-- Replaces the single-column indexes that the documented queries outgrow with composites
-- that serve filter and order together, drops what no query can use, keeps the rest.
-- Hot queries and how they are served at latest:
--   a user's conversations, at most 100, latest updated first:
--     idx_conversations_user_id_updated_at, read in order, stops after 100 rows;
--   a conversation's messages with the ownership check: conversations_pkey finds the
--     conversation (user_id checked on that one row), idx_messages_conversation_id_created_at
--     returns its messages already in created_at order;
--   a user's open tasks (user_id, completed = false): idx_tasks_user_completed;
--   tasks by tag: idx_tasks_tags (GIN);
--   a user's open tasks due by a time, soonest first: idx_tasks_user_id_due_date (partial).
-- Kept as they are: idx_messages_created_at (retention deletes old messages by created_at),
-- idx_tasks_user_completed (also covers FK tasks_user_id_fkey), idx_tasks_tags.

-- A user's conversations: WHERE user_id = $1 ORDER BY updated_at DESC LIMIT 100 needs no sort with this; also covers FK conversations_user_id_fkey.
CREATE INDEX idx_conversations_user_id_updated_at ON conversations (user_id, updated_at DESC);
-- Leading prefix of idx_conversations_user_id_updated_at, which serves every lookup this one did.
DROP INDEX idx_conversations_user_id;
-- Every query filters by user_id, so an index over all users' updated_at is never chosen; it would only be rewritten on each updated_at bump.
DROP INDEX idx_conversations_updated_at;

-- A conversation's messages: WHERE conversation_id = $1 ORDER BY created_at needs no sort with this; also covers FK messages_conversation_id_fkey.
CREATE INDEX idx_messages_conversation_id_created_at ON messages (conversation_id, created_at);
-- Leading prefix of idx_messages_conversation_id_created_at, which serves every lookup this one did.
DROP INDEX idx_messages_conversation_id;

-- A user's tasks due by a time: WHERE user_id = $1 AND due_date <= $2 ORDER BY due_date needs no sort with this; same predicate as idx_tasks_due_date.
CREATE INDEX idx_tasks_user_id_due_date ON tasks (user_id, due_date) WHERE due_date IS NOT NULL;
-- Every query filters by user_id, so the due dates of all users in one index are never the way in (as for idx_conversations_updated_at).
DROP INDEX idx_tasks_due_date;
