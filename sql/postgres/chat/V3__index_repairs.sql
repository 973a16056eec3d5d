-- chat V3: index repairs (CHAT-001, "쿼리 최적화 가이드"; repairs TASK-002 and TASK-010).
-- Drops the indexes that repeat a UNIQUE constraint's index, indexes every foreign key
-- that no index leads with, and adds what retention and the hot queries need.
-- Hot queries and how they are served at latest:
--   a room's history, newest first, cursor-paginated: idx_messages_room (room_id, created_at DESC);
--   a user's rooms with each room's latest message: idx_room_members_user finds the rooms,
--     then one idx_messages_room probe per room (LIMIT 1 on the newest entry);
--   user by username / by email: users_username_key / users_email_key;
--   a user's unread count in a room: idx_messages_room walks the room's messages and
--     message_reads_pkey (message_id, user_id) answers each "read by this user?" probe
--     (or the planner anti-joins against the user's reads via idx_message_reads_user, added below).
-- Neither of the last two queries gains from a further index, so none is added for them.

-- users_username_key (the UNIQUE constraint) already indexes username; this copy only slows writes.
DROP INDEX idx_users_username;
-- users_email_key (the UNIQUE constraint) already indexes email; this copy only slows writes.
DROP INDEX idx_users_email;

-- FK messages_sender_id_fkey: deleting a user runs ON DELETE SET NULL over messages, a full scan without this.
CREATE INDEX idx_messages_sender ON messages (sender_id);
-- FK message_reads_user_id_fkey: deleting a user cascades to message_reads; the primary key leads with message_id, not user_id.
CREATE INDEX idx_message_reads_user ON message_reads (user_id);

-- Retention deletes messages by created_at; idx_messages_room leads with room_id and cannot drive it.
CREATE INDEX idx_messages_created_at ON messages (created_at);
-- Retention deletes message_reads by read_at; no index has read_at at all.
CREATE INDEX idx_message_reads_read_at ON message_reads (read_at);
