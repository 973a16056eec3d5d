ALTER TABLE messages ADD CONSTRAINT messages_body_length CHECK (length(body) <= 4000);
