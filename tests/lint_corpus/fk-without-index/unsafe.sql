CREATE TABLE pins (
    id INTEGER CONSTRAINT pins_pkey PRIMARY KEY,
    message_id INTEGER CONSTRAINT pins_message_id_fkey REFERENCES messages (id)
);
