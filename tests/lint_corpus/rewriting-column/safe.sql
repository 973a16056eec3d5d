ALTER TABLE messages ADD COLUMN body_length INTEGER;
