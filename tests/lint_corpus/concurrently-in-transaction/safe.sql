-- chatdb:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS idx_rooms_name;
