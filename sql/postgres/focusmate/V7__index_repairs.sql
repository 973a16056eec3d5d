-- focusmate V7: index repairs (ARC-012, 4. 인덱싱 전략; repairs the indexes V1 retold from
-- 3.1-3.4 and 4.2, and adds what retention and the hot queries need).
-- Drops every redundant index (a copy of a UNIQUE constraint's index, a copy of another
-- index, a leading prefix of another index with the same predicate, or ix_room_active, whose
-- every query another index answers and is preferred for), indexes the one
-- foreign key no index leads with, and adds the retention and hot-query indexes.
-- Hot queries and how they are served at latest:
--   user by email: user_email_key (the UNIQUE constraint's index);
--   a user's session history, newest first: ix_session_history_user_id_completed_at;
--   latest posts: ix_post_created_at (created_at DESC);
--   pinned posts: ix_post_pinned (partial, WHERE is_pinned = TRUE);
--   leaderboard top N by total_score: ix_ranking_leaderboard_total_score (total_score DESC);
--   active rooms: ix_room_is_active (is_active = TRUE, then a top-N sort of the matches);
--   a room's participants: ix_participant_room_user (room_id, user_id);
--   a post's comments in order: ix_comment_post_id_created_at (added here);
--   waiting matching pools, oldest first: ix_matching_pools_waiting_created_at (added here).
-- Retention deletes by age and their indexes at latest:
--   session_history by completed_at: ix_session_history_completed_at (already there, kept);
--   notifications, matching_messages, chat_messages, message by created_at: added here (the
--   existing indexes lead with user_id / room_id / conversation_id and cannot drive them);
--   expired matching_pools by expires_at: added here.
-- Kept although they look alike: ix_matching_pools_created_at next to
-- ix_matching_pools_waiting_created_at (WHERE status = 'waiting'). The partial one cannot
-- answer a query over all pools; the unfiltered one answers "waiting pools, oldest first" only
-- by walking every pool in created_at order and skipping the matched and cancelled ones,
-- where the partial one reads the waiting pools alone.
-- Dropped, although 4.2 creates it on purpose: ix_room_active (is_active) WHERE is_active =
-- TRUE, next to 3.1's ix_room_is_active (is_active). Every query the partial index answers
-- (is_active = TRUE) the unfiltered one answers too, and also is_active = FALSE; so a DBA keeps
-- one, and it is ix_room_is_active, the one the planners pick. Evidence (PostgreSQL 15,
-- `chatdb seed -s focusmate --scale 1`: 2,000 rooms, 200 active, analyzed; the active_rooms
-- query of schemas/focusmate.toml, WHERE is_active = TRUE ORDER BY created_at DESC LIMIT 50):
--   with both indexes: Limit -> Sort -> Index Scan using ix_room_is_active (cost 21.42..21.55,
--     0.113 ms), and `chatdb explain` reports ix_room_active "not confirmed (another index
--     preferred here)";
--   ix_room_active alone: Limit -> Sort -> Index Scan using ix_room_active (cost 24.79..24.91,
--     0.150 ms; no Index Cond: the planner reads the whole partial index);
--   ix_room_is_active alone: the first plan, unchanged (cost 21.42..21.55, 0.087 ms).
-- SQLite 3.40 on the same seed picks ix_room_active while both exist and ix_room_is_active once
-- it is gone, with the same shape (SEARCH room USING INDEX ... (is_active=?), then a temp
-- B-tree for the ORDER BY). Sizes at this scale: ix_room_is_active 32 kB, ix_room_active
-- 16 kB; keeping both costs a second index entry for every active room and a second index
-- update whenever a room opens or closes.

-- ---------------------------------------------------------------- redundant indexes

-- user_email_key (the UNIQUE constraint) already indexes email; this copy only slows writes.
DROP INDEX ix_user_email;
-- user_username_key (the UNIQUE constraint) already indexes username; this copy only slows writes.
DROP INDEX ix_user_username;
-- Same columns, order and predicate as ix_session_history_user_id_completed_at (4.2 created both).
DROP INDEX ix_session_user_date;
-- Leading prefix (user_id) of ix_session_history_user_id_completed_at, which also serves session_history_user_id_fkey.
DROP INDEX ix_session_history_user_id;
-- Same column and predicate (WHERE is_pinned = TRUE) as ix_post_pinned, the name 4.2 gives it.
DROP INDEX ix_post_is_pinned;
-- Answers only a subset (is_active = TRUE) of ix_room_is_active's queries, which the planners prefer for it (evidence above).
DROP INDEX ix_room_active;

-- ---------------------------------------------------------------- foreign keys

-- FK session_history_room_id_fkey: deleting a room runs ON DELETE SET NULL over session_history, a full scan without this.
CREATE INDEX ix_session_history_room_id ON session_history (room_id);

-- ---------------------------------------------------------------- hot queries

-- A post's comments in display order; also serves comment_post_id_fkey.
CREATE INDEX ix_comment_post_id_created_at ON comment (post_id, created_at);
-- Leading prefix (post_id) of ix_comment_post_id_created_at, created just above: redundant now.
DROP INDEX ix_comment_post_id;
-- Matching picks waiting pools oldest first; ix_matching_pools_status would still visit and sort every waiting row.
CREATE INDEX ix_matching_pools_waiting_created_at ON matching_pools (created_at) WHERE status = 'waiting';

-- ---------------------------------------------------------------- retention

-- Retention deletes notifications by created_at; ix_notifications_user_id_created_at leads with user_id.
CREATE INDEX ix_notifications_created_at ON notifications (created_at);
-- Retention deletes matching_messages by created_at; ix_matching_messages_room_id_created_at leads with room_id.
CREATE INDEX ix_matching_messages_created_at ON matching_messages (created_at);
-- Retention deletes chat_messages by created_at; ix_chat_messages_room_id_created_at leads with room_id.
CREATE INDEX ix_chat_messages_created_at ON chat_messages (created_at);
-- Retention deletes message by created_at; ix_message_conversation_id_created_at leads with conversation_id.
CREATE INDEX ix_message_created_at ON message (created_at);
-- Retention deletes expired matching_pools by expires_at; no index has expires_at at all.
CREATE INDEX ix_matching_pools_expires_at ON matching_pools (expires_at);
