CREATE TABLE room_tags (room_id INTEGER, tag TEXT);
ALTER TABLE room_tags ADD PRIMARY KEY (room_id, tag);
ALTER TABLE rooms ADD PRIMARY KEY (id);
