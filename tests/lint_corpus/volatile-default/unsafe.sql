ALTER TABLE rooms ADD COLUMN token TEXT DEFAULT md5(random()::text);
