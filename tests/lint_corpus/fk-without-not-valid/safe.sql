ALTER TABLE messages ADD CONSTRAINT messages_room_again_fkey FOREIGN KEY (room_id) REFERENCES rooms (id) NOT VALID;
