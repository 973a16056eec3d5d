-- chatdb:no-transaction
ALTER TABLE messages VALIDATE CONSTRAINT messages_room_id_fkey;
