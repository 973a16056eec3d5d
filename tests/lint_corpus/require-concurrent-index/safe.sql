-- chatdb:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_rooms_name ON rooms (name);
