-- focusmate V2: add missing tables (ARC-012; 5.1 revision c7c2df775040 "add_missing_tables";
-- tables of 2.2 도메인별 테이블 분류 that V1 lacks, except post_read (V3) and
-- user_verification (V4)).
-- The document only names these tables (2.2, and the relations of the 2.1 ER diagram), so
-- they are designed here from their domain, in the document's conventions: VARCHAR(36) ids
-- the application fills (no default), TIMESTAMP WITH TIME ZONE DEFAULT NOW(), ix_<table>_<columns>
-- index names, PostgreSQL's default constraint names spelled out.
-- Design rules:
--   NOT NULL wherever a row makes no sense without the value;
--   ON DELETE CASCADE for rows a parent owns (a user's settings, likes, memberships, messages
--   of a deleted room); ON DELETE SET NULL for history kept when an actor goes (a message's
--   sender, who reviewed a request) and for a group that goes (the team a ranking session counted for);
--   ON DELETE RESTRICT where the parent is reference data (achievement definitions);
--   UNIQUE for natural keys; CHECK for every enum-like status/type column;
--   every foreign key is the leading column(s) of an index (a UNIQUE constraint counts);
--   partial UNIQUE indexes allow one open item at a time (pending invitation, pending request).
-- Indexes for retention deletes by created_at on the high-volume tables (notifications,
-- matching_messages, chat_messages, message) are not created here: V7__index_repairs adds them.

-- ---------------------------------------------------------------- 사용자 관리 (User Management)

-- 2.2 user_settings (사용자 설정): exactly one row per user.
CREATE TABLE user_settings (
    id VARCHAR(36) CONSTRAINT user_settings_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT user_settings_user_id_key UNIQUE CONSTRAINT user_settings_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    theme VARCHAR(10) NOT NULL DEFAULT 'system' CONSTRAINT user_settings_theme_check CHECK (theme IN ('light', 'dark', 'system')),
    language VARCHAR(10) NOT NULL DEFAULT 'ko',
    default_work_minutes INTEGER NOT NULL DEFAULT 25 CONSTRAINT user_settings_default_work_minutes_check CHECK (default_work_minutes > 0),
    default_break_minutes INTEGER NOT NULL DEFAULT 5 CONSTRAINT user_settings_default_break_minutes_check CHECK (default_break_minutes >= 0),
    sound_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    email_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    push_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
-- user_settings_user_id_key (UNIQUE) indexes user_id, which serves user_settings_user_id_fkey.

-- 2.2 user_goals (사용자 목표): daily/weekly/monthly targets a user sets.
CREATE TABLE user_goals (
    id VARCHAR(36) CONSTRAINT user_goals_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT user_goals_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    goal_type VARCHAR(10) NOT NULL CONSTRAINT user_goals_goal_type_check CHECK (goal_type IN ('daily', 'weekly', 'monthly')),
    metric VARCHAR(20) NOT NULL DEFAULT 'focus_minutes' CONSTRAINT user_goals_metric_check CHECK (metric IN ('focus_minutes', 'sessions')),
    target_value INTEGER NOT NULL CONSTRAINT user_goals_target_value_check CHECK (target_value > 0),
    current_value INTEGER NOT NULL DEFAULT 0 CONSTRAINT user_goals_current_value_check CHECK (current_value >= 0),
    starts_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    ends_at TIMESTAMP WITH TIME ZONE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT user_goals_check CHECK (ends_at IS NULL OR ends_at > starts_at)
);

-- user_goals_user_id_fkey; a user's goals.
CREATE INDEX ix_user_goals_user_id ON user_goals (user_id);

-- 2.2 achievement (업적 정의): reference data, looked up by code.
CREATE TABLE achievement (
    id VARCHAR(36) CONSTRAINT achievement_pkey PRIMARY KEY,
    code VARCHAR(50) CONSTRAINT achievement_code_key UNIQUE NOT NULL,
    name VARCHAR(100) NOT NULL,
    description TEXT,
    icon VARCHAR(255),
    requirement_type VARCHAR(30) NOT NULL CONSTRAINT achievement_requirement_type_check CHECK (requirement_type IN ('total_focus_time', 'total_sessions', 'streak_days', 'posts', 'friends')),
    requirement_value INTEGER NOT NULL CONSTRAINT achievement_requirement_value_check CHECK (requirement_value > 0),
    points INTEGER NOT NULL DEFAULT 0 CONSTRAINT achievement_points_check CHECK (points >= 0),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- 2.2 user_achievement (사용자 업적): a user's progress on an achievement, once per pair.
-- Deleting a user deletes their progress; an achievement that anyone has progress on cannot be
-- deleted (RESTRICT): retire it with achievement.is_active = FALSE instead.
CREATE TABLE user_achievement (
    id VARCHAR(36) CONSTRAINT user_achievement_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT user_achievement_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    achievement_id VARCHAR(36) NOT NULL CONSTRAINT user_achievement_achievement_id_fkey REFERENCES achievement (id) ON DELETE RESTRICT,
    progress INTEGER NOT NULL DEFAULT 0 CONSTRAINT user_achievement_progress_check CHECK (progress >= 0),
    is_unlocked BOOLEAN NOT NULL DEFAULT FALSE,
    unlocked_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT user_achievement_user_id_achievement_id_key UNIQUE (user_id, achievement_id)
);
-- user_achievement_user_id_achievement_id_key leads with user_id: serves user_achievement_user_id_fkey.

-- user_achievement_achievement_id_fkey: the RESTRICT check on deleting an achievement.
CREATE INDEX ix_user_achievement_achievement_id ON user_achievement (achievement_id);

-- ---------------------------------------------------------------- 예약 시스템 (Reservation)

-- 2.2 room_reservations (방 예약): a user books a focus room for a future time. room_id is
-- filled when the reservation starts its room; deleting that room keeps the reservation as
-- history (SET NULL, room_name kept). V5 adds the duration, recurrence and reminder fields.
CREATE TABLE room_reservations (
    id VARCHAR(36) CONSTRAINT room_reservations_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT room_reservations_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    room_id VARCHAR(36) CONSTRAINT room_reservations_room_id_fkey REFERENCES room (id) ON DELETE SET NULL,
    room_name VARCHAR(100),
    scheduled_at TIMESTAMP WITH TIME ZONE NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'scheduled' CONSTRAINT room_reservations_status_check CHECK (status IN ('scheduled', 'started', 'completed', 'cancelled')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- room_reservations_user_id_fkey; a user's reservations in time order.
CREATE INDEX ix_room_reservations_user_id_scheduled_at ON room_reservations (user_id, scheduled_at);
-- room_reservations_room_id_fkey: deleting a room sets room_id to NULL here.
CREATE INDEX ix_room_reservations_room_id ON room_reservations (room_id);
-- The scheduler: reservations still to start, by time.
CREATE INDEX ix_room_reservations_scheduled_at ON room_reservations (scheduled_at) WHERE status = 'scheduled';

-- 2.2 manual_sessions (수동 세션): focus time a user logs by hand, outside a room.
CREATE TABLE manual_sessions (
    id VARCHAR(36) CONSTRAINT manual_sessions_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT manual_sessions_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    session_type VARCHAR(10) NOT NULL DEFAULT 'work' CONSTRAINT manual_sessions_session_type_check CHECK (session_type IN ('work', 'break')),
    duration_minutes INTEGER NOT NULL CONSTRAINT manual_sessions_duration_minutes_check CHECK (duration_minutes > 0),
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    subject VARCHAR(100),
    memo TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- manual_sessions_user_id_fkey; a user's logged sessions, newest first.
CREATE INDEX ix_manual_sessions_user_id_started_at ON manual_sessions (user_id, started_at DESC);

-- ---------------------------------------------------------------- 커뮤니티 (Community)

-- 2.2 post_like (게시글 좋아요): one like per user per post.
CREATE TABLE post_like (
    id VARCHAR(36) CONSTRAINT post_like_pkey PRIMARY KEY,
    post_id VARCHAR(36) NOT NULL CONSTRAINT post_like_post_id_fkey REFERENCES post (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT post_like_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT post_like_post_id_user_id_key UNIQUE (post_id, user_id)
);
-- post_like_post_id_user_id_key leads with post_id: serves post_like_post_id_fkey.

-- post_like_user_id_fkey; the posts a user liked.
CREATE INDEX ix_post_like_user_id ON post_like (user_id);

-- 2.2 comment_like (댓글 좋아요): one like per user per comment.
CREATE TABLE comment_like (
    id VARCHAR(36) CONSTRAINT comment_like_pkey PRIMARY KEY,
    comment_id VARCHAR(36) NOT NULL CONSTRAINT comment_like_comment_id_fkey REFERENCES comment (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT comment_like_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT comment_like_comment_id_user_id_key UNIQUE (comment_id, user_id)
);
-- comment_like_comment_id_user_id_key leads with comment_id: serves comment_like_comment_id_fkey.

-- comment_like_user_id_fkey; the comments a user liked.
CREATE INDEX ix_comment_like_user_id ON comment_like (user_id);

-- ---------------------------------------------------------------- 랭킹 시스템 (Ranking)

-- 2.2 ranking_sessions (랭킹 세션): a user's focus sessions that count in the ranking. The
-- 2.1 diagram draws USER ||--o{ RANKING_SESSIONS ("participates"): every session has exactly
-- one user, who owns it (NOT NULL, CASCADE). It draws no edge from RANKING_TEAMS, so the team
-- a session counts for is optional: NULL for a user in no team, and SET NULL when the team is
-- deleted (the user's session history stays).
CREATE TABLE ranking_sessions (
    id VARCHAR(36) CONSTRAINT ranking_sessions_pkey PRIMARY KEY,
    team_id VARCHAR(36) CONSTRAINT ranking_sessions_team_id_fkey REFERENCES ranking_teams (id) ON DELETE SET NULL,
    user_id VARCHAR(36) NOT NULL CONSTRAINT ranking_sessions_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    session_type VARCHAR(10) NOT NULL DEFAULT 'work' CONSTRAINT ranking_sessions_session_type_check CHECK (session_type IN ('work', 'break')),
    duration_minutes INTEGER NOT NULL CONSTRAINT ranking_sessions_duration_minutes_check CHECK (duration_minutes > 0),
    score INTEGER NOT NULL DEFAULT 0 CONSTRAINT ranking_sessions_score_check CHECK (score >= 0),
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT ranking_sessions_check CHECK (completed_at IS NULL OR completed_at >= started_at)
);

-- ranking_sessions_team_id_fkey; a team's sessions in a period (score aggregation).
CREATE INDEX ix_ranking_sessions_team_id_started_at ON ranking_sessions (team_id, started_at);
-- ranking_sessions_user_id_fkey; a member's sessions in a period.
CREATE INDEX ix_ranking_sessions_user_id_started_at ON ranking_sessions (user_id, started_at);

-- 2.2 ranking_team_members (팀 멤버): a user is in a team once.
CREATE TABLE ranking_team_members (
    id VARCHAR(36) CONSTRAINT ranking_team_members_pkey PRIMARY KEY,
    team_id VARCHAR(36) NOT NULL CONSTRAINT ranking_team_members_team_id_fkey REFERENCES ranking_teams (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT ranking_team_members_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    role VARCHAR(10) NOT NULL DEFAULT 'member' CONSTRAINT ranking_team_members_role_check CHECK (role IN ('leader', 'member')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT ranking_team_members_team_id_user_id_key UNIQUE (team_id, user_id)
);
-- ranking_team_members_team_id_user_id_key leads with team_id: serves ranking_team_members_team_id_fkey.

-- ranking_team_members_user_id_fkey; the teams a user belongs to.
CREATE INDEX ix_ranking_team_members_user_id ON ranking_team_members (user_id);

-- 2.2 ranking_team_invitations (팀 초대): a team invites a user; at most one pending
-- invitation per team and invitee. The invitee owns the invitation (CASCADE); the inviter
-- may leave without voiding it (SET NULL).
CREATE TABLE ranking_team_invitations (
    id VARCHAR(36) CONSTRAINT ranking_team_invitations_pkey PRIMARY KEY,
    team_id VARCHAR(36) NOT NULL CONSTRAINT ranking_team_invitations_team_id_fkey REFERENCES ranking_teams (id) ON DELETE CASCADE,
    inviter_id VARCHAR(36) CONSTRAINT ranking_team_invitations_inviter_id_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    invitee_id VARCHAR(36) NOT NULL CONSTRAINT ranking_team_invitations_invitee_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CONSTRAINT ranking_team_invitations_status_check CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled', 'expired')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    responded_at TIMESTAMP WITH TIME ZONE,
    expires_at TIMESTAMP WITH TIME ZONE
);

-- ranking_team_invitations_team_id_fkey; a team's invitations.
CREATE INDEX ix_ranking_team_invitations_team_id ON ranking_team_invitations (team_id);
-- ranking_team_invitations_invitee_id_fkey; a user's invitations by status (the inbox).
CREATE INDEX ix_ranking_team_invitations_invitee_id_status ON ranking_team_invitations (invitee_id, status);
-- ranking_team_invitations_inviter_id_fkey: deleting a user sets inviter_id to NULL here.
CREATE INDEX ix_ranking_team_invitations_inviter_id ON ranking_team_invitations (inviter_id);
-- One pending invitation per team and invitee.
CREATE UNIQUE INDEX uq_ranking_team_invitations_pending ON ranking_team_invitations (team_id, invitee_id) WHERE status = 'pending';

-- 2.2 ranking_mini_games (미니 게임): a member's mini-game results that add to the team score.
CREATE TABLE ranking_mini_games (
    id VARCHAR(36) CONSTRAINT ranking_mini_games_pkey PRIMARY KEY,
    team_id VARCHAR(36) NOT NULL CONSTRAINT ranking_mini_games_team_id_fkey REFERENCES ranking_teams (id) ON DELETE CASCADE,
    user_id VARCHAR(36) CONSTRAINT ranking_mini_games_user_id_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    game_type VARCHAR(20) NOT NULL CONSTRAINT ranking_mini_games_game_type_check CHECK (game_type IN ('quiz', 'reaction', 'memory', 'typing')),
    score INTEGER NOT NULL DEFAULT 0 CONSTRAINT ranking_mini_games_score_check CHECK (score >= 0),
    success BOOLEAN NOT NULL DEFAULT FALSE,
    game_data JSONB,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- ranking_mini_games_team_id_fkey; a team's games, newest first.
CREATE INDEX ix_ranking_mini_games_team_id_created_at ON ranking_mini_games (team_id, created_at DESC);
-- ranking_mini_games_user_id_fkey: deleting a user sets user_id to NULL here.
CREATE INDEX ix_ranking_mini_games_user_id ON ranking_mini_games (user_id);

-- 2.2 ranking_verification_requests (인증 요청): a team asks an admin to verify it (e.g. a
-- school or study group); requester and reviewer are kept as history (SET NULL).
CREATE TABLE ranking_verification_requests (
    id VARCHAR(36) CONSTRAINT ranking_verification_requests_pkey PRIMARY KEY,
    team_id VARCHAR(36) NOT NULL CONSTRAINT ranking_verification_requests_team_id_fkey REFERENCES ranking_teams (id) ON DELETE CASCADE,
    requested_by VARCHAR(36) CONSTRAINT ranking_verification_requests_requested_by_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    reviewed_by VARCHAR(36) CONSTRAINT ranking_verification_requests_reviewed_by_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CONSTRAINT ranking_verification_requests_status_check CHECK (status IN ('pending', 'approved', 'rejected')),
    evidence_url VARCHAR(500),
    admin_note TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    reviewed_at TIMESTAMP WITH TIME ZONE
);

-- ranking_verification_requests_team_id_fkey; a team's requests.
CREATE INDEX ix_ranking_verification_requests_team_id ON ranking_verification_requests (team_id);
-- ranking_verification_requests_requested_by_fkey: deleting a user sets requested_by to NULL.
CREATE INDEX ix_ranking_verification_requests_requested_by ON ranking_verification_requests (requested_by);
-- ranking_verification_requests_reviewed_by_fkey: deleting an admin sets reviewed_by to NULL.
CREATE INDEX ix_ranking_verification_requests_reviewed_by ON ranking_verification_requests (reviewed_by);
-- The admin review queue: requests by status, oldest first.
CREATE INDEX ix_ranking_verification_requests_status_created_at ON ranking_verification_requests (status, created_at);

-- ---------------------------------------------------------------- 매칭 시스템 (Matching)

-- 2.2 matching_proposals (매칭 제안): a proposed match of two waiting pools; a pair is
-- proposed once, in either order (ix_matching_proposals_pair below). It has no meaning without
-- its pools (CASCADE); the chat room an accepted proposal opens outlives it.
CREATE TABLE matching_proposals (
    id VARCHAR(36) CONSTRAINT matching_proposals_pkey PRIMARY KEY,
    pool_a_id VARCHAR(36) NOT NULL CONSTRAINT matching_proposals_pool_a_id_fkey REFERENCES matching_pools (id) ON DELETE CASCADE,
    pool_b_id VARCHAR(36) NOT NULL CONSTRAINT matching_proposals_pool_b_id_fkey REFERENCES matching_pools (id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CONSTRAINT matching_proposals_status_check CHECK (status IN ('pending', 'accepted', 'rejected', 'expired')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    responded_at TIMESTAMP WITH TIME ZONE,
    expires_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT matching_proposals_check CHECK (pool_a_id <> pool_b_id)
);
-- A pair is proposed once: (p2, p1) after (p1, p2) is the same pair. A UNIQUE (pool_a_id, pool_b_id)
-- constraint would take both; the pair in a fixed order (LEAST/GREATEST) does not. No application
-- can need two proposals of one pair: the table is chatdb's design, and this is its rule.
CREATE UNIQUE INDEX ix_matching_proposals_pair ON matching_proposals (LEAST(pool_a_id, pool_b_id), GREATEST(pool_a_id, pool_b_id));
-- matching_proposals_pool_a_id_fkey: deleting a pool cascades here; ix_matching_proposals_pair leads with an expression, not pool_a_id.
CREATE INDEX ix_matching_proposals_pool_a_id ON matching_proposals (pool_a_id);

-- matching_proposals_pool_b_id_fkey: deleting a pool cascades here.
CREATE INDEX ix_matching_proposals_pool_b_id ON matching_proposals (pool_b_id);

-- 2.2 matching_chat_rooms (매칭 채팅방): at most one room per proposal; it outlives the
-- proposal (SET NULL).
CREATE TABLE matching_chat_rooms (
    id VARCHAR(36) CONSTRAINT matching_chat_rooms_pkey PRIMARY KEY,
    proposal_id VARCHAR(36) CONSTRAINT matching_chat_rooms_proposal_id_key UNIQUE CONSTRAINT matching_chat_rooms_proposal_id_fkey REFERENCES matching_proposals (id) ON DELETE SET NULL,
    room_name VARCHAR(100),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    closed_at TIMESTAMP WITH TIME ZONE
);
-- matching_chat_rooms_proposal_id_key (UNIQUE) indexes proposal_id: serves matching_chat_rooms_proposal_id_fkey.

-- 2.2 matching_chat_members (채팅방 멤버): a user is in a matching chat room once.
CREATE TABLE matching_chat_members (
    id VARCHAR(36) CONSTRAINT matching_chat_members_pkey PRIMARY KEY,
    room_id VARCHAR(36) NOT NULL CONSTRAINT matching_chat_members_room_id_fkey REFERENCES matching_chat_rooms (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT matching_chat_members_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    last_read_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    left_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT matching_chat_members_room_id_user_id_key UNIQUE (room_id, user_id)
);
-- matching_chat_members_room_id_user_id_key leads with room_id: serves matching_chat_members_room_id_fkey.

-- matching_chat_members_user_id_fkey; a user's matching chat rooms.
CREATE INDEX ix_matching_chat_members_user_id ON matching_chat_members (user_id);

-- 2.2 matching_messages (매칭 메시지): the room owns them (CASCADE); a sender who deletes
-- their account leaves the conversation readable for the other side (SET NULL).
CREATE TABLE matching_messages (
    id VARCHAR(36) CONSTRAINT matching_messages_pkey PRIMARY KEY,
    room_id VARCHAR(36) NOT NULL CONSTRAINT matching_messages_room_id_fkey REFERENCES matching_chat_rooms (id) ON DELETE CASCADE,
    sender_id VARCHAR(36) CONSTRAINT matching_messages_sender_id_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    message_type VARCHAR(10) NOT NULL DEFAULT 'text' CONSTRAINT matching_messages_message_type_check CHECK (message_type IN ('text', 'image', 'system')),
    content TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- matching_messages_room_id_fkey; a room's history in time order.
CREATE INDEX ix_matching_messages_room_id_created_at ON matching_messages (room_id, created_at);
-- matching_messages_sender_id_fkey: deleting a user sets sender_id to NULL here.
CREATE INDEX ix_matching_messages_sender_id ON matching_messages (sender_id);

-- ---------------------------------------------------------------- 메시징 시스템 (Messaging)

-- 2.2 chat_rooms (채팅방): direct, group or team chats. A team chat belongs to its team
-- (CASCADE, one per team); the creator may leave without deleting the room (SET NULL).
CREATE TABLE chat_rooms (
    id VARCHAR(36) CONSTRAINT chat_rooms_pkey PRIMARY KEY,
    room_type VARCHAR(10) NOT NULL DEFAULT 'group' CONSTRAINT chat_rooms_room_type_check CHECK (room_type IN ('direct', 'group', 'team')),
    name VARCHAR(100),
    team_id VARCHAR(36) CONSTRAINT chat_rooms_team_id_key UNIQUE CONSTRAINT chat_rooms_team_id_fkey REFERENCES ranking_teams (id) ON DELETE CASCADE,
    created_by VARCHAR(36) CONSTRAINT chat_rooms_created_by_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT chat_rooms_check CHECK ((room_type = 'team') = (team_id IS NOT NULL))
);
-- chat_rooms_team_id_key (UNIQUE) indexes team_id: serves chat_rooms_team_id_fkey.

-- chat_rooms_created_by_fkey: deleting a user sets created_by to NULL here.
CREATE INDEX ix_chat_rooms_created_by ON chat_rooms (created_by);

-- 2.2 chat_members (채팅방 멤버): a user is in a chat room once.
CREATE TABLE chat_members (
    id VARCHAR(36) CONSTRAINT chat_members_pkey PRIMARY KEY,
    room_id VARCHAR(36) NOT NULL CONSTRAINT chat_members_room_id_fkey REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT chat_members_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    role VARCHAR(10) NOT NULL DEFAULT 'member' CONSTRAINT chat_members_role_check CHECK (role IN ('owner', 'admin', 'member')),
    is_muted BOOLEAN NOT NULL DEFAULT FALSE,
    last_read_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT chat_members_room_id_user_id_key UNIQUE (room_id, user_id)
);
-- chat_members_room_id_user_id_key leads with room_id: serves chat_members_room_id_fkey.

-- chat_members_user_id_fkey; a user's chat rooms.
CREATE INDEX ix_chat_members_user_id ON chat_members (user_id);

-- 2.2 chat_messages (채팅 메시지): the room owns them (CASCADE); the sender is kept as
-- history (SET NULL).
CREATE TABLE chat_messages (
    id VARCHAR(36) CONSTRAINT chat_messages_pkey PRIMARY KEY,
    room_id VARCHAR(36) NOT NULL CONSTRAINT chat_messages_room_id_fkey REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id VARCHAR(36) CONSTRAINT chat_messages_sender_id_fkey REFERENCES "user" (id) ON DELETE SET NULL,
    message_type VARCHAR(10) NOT NULL DEFAULT 'text' CONSTRAINT chat_messages_message_type_check CHECK (message_type IN ('text', 'image', 'file', 'system')),
    content TEXT NOT NULL,
    is_edited BOOLEAN NOT NULL DEFAULT FALSE,
    is_deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- chat_messages_room_id_fkey; a room's history in time order.
CREATE INDEX ix_chat_messages_room_id_created_at ON chat_messages (room_id, created_at);
-- chat_messages_sender_id_fkey: deleting a user sets sender_id to NULL here.
CREATE INDEX ix_chat_messages_sender_id ON chat_messages (sender_id);

-- 2.2 conversation (대화): a private 1:1 conversation. The pair is stored ordered
-- (user1_id < user2_id), so UNIQUE (user1_id, user2_id) allows one conversation per pair
-- whichever side starts it. It is private to both: deleting either user deletes it (CASCADE).
CREATE TABLE conversation (
    id VARCHAR(36) CONSTRAINT conversation_pkey PRIMARY KEY,
    user1_id VARCHAR(36) NOT NULL CONSTRAINT conversation_user1_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    user2_id VARCHAR(36) NOT NULL CONSTRAINT conversation_user2_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    last_message_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT conversation_check CHECK (user1_id < user2_id),
    CONSTRAINT conversation_user1_id_user2_id_key UNIQUE (user1_id, user2_id)
);
-- conversation_user1_id_user2_id_key leads with user1_id: serves conversation_user1_id_fkey.

-- conversation_user2_id_fkey; the conversations where a user is the second of the pair.
CREATE INDEX ix_conversation_user2_id ON conversation (user2_id);

-- 2.2 message (메시지): messages of a conversation, owned by it (CASCADE). The sender is one
-- of the pair, whose deletion deletes the conversation anyway (CASCADE).
CREATE TABLE message (
    id VARCHAR(36) CONSTRAINT message_pkey PRIMARY KEY,
    conversation_id VARCHAR(36) NOT NULL CONSTRAINT message_conversation_id_fkey REFERENCES conversation (id) ON DELETE CASCADE,
    sender_id VARCHAR(36) NOT NULL CONSTRAINT message_sender_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    is_read BOOLEAN NOT NULL DEFAULT FALSE,
    read_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- message_conversation_id_fkey; a conversation's history in time order.
CREATE INDEX ix_message_conversation_id_created_at ON message (conversation_id, created_at);
-- message_sender_id_fkey: deleting a user cascades here.
CREATE INDEX ix_message_sender_id ON message (sender_id);

-- ---------------------------------------------------------------- 친구 시스템 (Friends)

-- 2.2 friend (친구 관계): one row per direction (an accepted request writes A->B and B->A),
-- so "my friends" is WHERE user_id = ?. A pair appears once per direction.
CREATE TABLE friend (
    id VARCHAR(36) CONSTRAINT friend_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT friend_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    friend_id VARCHAR(36) NOT NULL CONSTRAINT friend_friend_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    is_blocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT friend_check CHECK (user_id <> friend_id),
    CONSTRAINT friend_user_id_friend_id_key UNIQUE (user_id, friend_id)
);
-- friend_user_id_friend_id_key leads with user_id: serves friend_user_id_fkey.

-- friend_friend_id_fkey: deleting a user cascades here (the reverse rows).
CREATE INDEX ix_friend_friend_id ON friend (friend_id);

-- 2.2 friend_request (친구 요청): at most one pending request per sender and receiver.
CREATE TABLE friend_request (
    id VARCHAR(36) CONSTRAINT friend_request_pkey PRIMARY KEY,
    sender_id VARCHAR(36) NOT NULL CONSTRAINT friend_request_sender_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    receiver_id VARCHAR(36) NOT NULL CONSTRAINT friend_request_receiver_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CONSTRAINT friend_request_status_check CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    responded_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT friend_request_check CHECK (sender_id <> receiver_id)
);

-- friend_request_sender_id_fkey; the requests a user sent.
CREATE INDEX ix_friend_request_sender_id ON friend_request (sender_id);
-- friend_request_receiver_id_fkey; a user's incoming requests by status (the inbox).
CREATE INDEX ix_friend_request_receiver_id_status ON friend_request (receiver_id, status);
-- One pending request per sender and receiver.
CREATE UNIQUE INDEX uq_friend_request_pending ON friend_request (sender_id, receiver_id) WHERE status = 'pending';

-- ---------------------------------------------------------------- 알림 시스템 (Notifications)

-- 2.2 notifications (알림): a user's notifications, owned by the user (CASCADE).
CREATE TABLE notifications (
    id VARCHAR(36) CONSTRAINT notifications_pkey PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL CONSTRAINT notifications_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    type VARCHAR(30) NOT NULL CONSTRAINT notifications_type_check CHECK (type IN ('system', 'friend_request', 'friend_accepted', 'team_invitation', 'matching', 'comment', 'post_like', 'comment_like', 'achievement', 'reservation')),
    title VARCHAR(200) NOT NULL,
    message TEXT,
    data JSONB,
    is_read BOOLEAN NOT NULL DEFAULT FALSE,
    read_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- notifications_user_id_fkey; a user's notifications, newest first.
CREATE INDEX ix_notifications_user_id_created_at ON notifications (user_id, created_at DESC);
