-- chatdb:no-transaction
CREATE INDEX CONCURRENTLY idx_rooms_name ON rooms (name);
