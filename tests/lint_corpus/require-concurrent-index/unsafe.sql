CREATE INDEX idx_rooms_name ON rooms (name);
