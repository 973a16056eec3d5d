ALTER TABLE messages ADD COLUMN author_room_id INTEGER CONSTRAINT messages_author_room_fkey REFERENCES public.rooms (id) ON DELETE SET NULL;
