-- chatdb:no-transaction
REINDEX INDEX CONCURRENTLY idx_messages_room;
