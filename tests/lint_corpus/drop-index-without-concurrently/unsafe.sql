DROP INDEX idx_messages_room;
