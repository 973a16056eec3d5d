REINDEX INDEX idx_messages_room;
