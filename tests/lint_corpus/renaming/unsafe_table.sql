ALTER TABLE rooms RENAME TO chat_rooms;
