-- focusmate V3: add post_read table (ARC-012; 5.1 revision 20251212_2000 "add_post_read_table";
-- 2.2 커뮤니티 #17 post_read "게시글 읽음 추적", and POST ||--o{ POST_READ : tracked in 2.1).
-- The document only names the table; designed here. One row per user and post:
-- created_at is the first read, read_at the latest (the application updates it on re-reads),
-- so "unread posts" is a NOT EXISTS probe on post_read_post_id_user_id_key.
-- Both the post and the reader own the row (ON DELETE CASCADE).

CREATE TABLE post_read (
    id VARCHAR(36) CONSTRAINT post_read_pkey PRIMARY KEY,
    post_id VARCHAR(36) NOT NULL CONSTRAINT post_read_post_id_fkey REFERENCES post (id) ON DELETE CASCADE,
    user_id VARCHAR(36) NOT NULL CONSTRAINT post_read_user_id_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    read_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CONSTRAINT post_read_post_id_user_id_key UNIQUE (post_id, user_id)
);
-- post_read_post_id_user_id_key leads with post_id: serves post_read_post_id_fkey.

-- post_read_user_id_fkey: deleting a user cascades here; also a user's read posts.
CREATE INDEX ix_post_read_user_id ON post_read (user_id);
