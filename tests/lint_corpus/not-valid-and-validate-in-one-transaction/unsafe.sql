ALTER TABLE messages ADD CONSTRAINT messages_body_length CHECK (length(body) <= 4000) NOT VALID;
ALTER TABLE messages VALIDATE CONSTRAINT messages_body_length;
