ALTER TABLE messages ADD COLUMN reply_room_id INTEGER;
