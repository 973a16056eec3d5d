-- chat V1: initial schema (CHAT-001, TASK-002 "데이터베이스 스키마 설계").
-- Retells the design document's sections "User 테이블", "ChatRoom 테이블" and
-- "Message 테이블" exactly as written, defects included: types, defaults, nullability
-- and ON DELETE actions are the document's; idx_users_username and idx_users_email
-- repeat the indexes their UNIQUE constraints already make, and messages.sender_id has
-- no index. Both are repaired in V3__index_repairs, not here.
-- Constraint names are spelled out; they are PostgreSQL's default names, written down so
-- the SQLite twin can carry the same ones.

-- FR-001: users (User 테이블).
CREATE TABLE users (
    id UUID CONSTRAINT users_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    username VARCHAR(50) CONSTRAINT users_username_key UNIQUE NOT NULL,
    email VARCHAR(255) CONSTRAINT users_email_key UNIQUE NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    last_seen_at TIMESTAMP
);

CREATE INDEX idx_users_username ON users (username);
CREATE INDEX idx_users_email ON users (email);

-- FR-003: 1:1 chat rooms and their members (ChatRoom 테이블).
CREATE TABLE chat_rooms (
    id UUID CONSTRAINT chat_rooms_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE chat_room_members (
    room_id UUID CONSTRAINT chat_room_members_room_id_fkey REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id UUID CONSTRAINT chat_room_members_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    joined_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT chat_room_members_pkey PRIMARY KEY (room_id, user_id)
);

CREATE INDEX idx_room_members_user ON chat_room_members (user_id);

-- FR-006: message history (Message 테이블).
CREATE TABLE messages (
    id UUID CONSTRAINT messages_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    room_id UUID CONSTRAINT messages_room_id_fkey REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id UUID CONSTRAINT messages_sender_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_messages_room ON messages (room_id, created_at DESC);
