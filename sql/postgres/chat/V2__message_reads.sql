-- chat V2: read receipts (CHAT-001, TASK-010 "읽음 표시 스키마 확장", FR-007).
-- Retells the design document's section "MessageRead 테이블 (읽음 표시)" exactly as
-- written, defect included: message_reads.user_id has no index of its own (the primary
-- key leads with message_id). Repaired in V3__index_repairs, not here.

CREATE TABLE message_reads (
    message_id UUID CONSTRAINT message_reads_message_id_fkey REFERENCES messages (id) ON DELETE CASCADE,
    user_id UUID CONSTRAINT message_reads_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    read_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT message_reads_pkey PRIMARY KEY (message_id, user_id)
);
