ALTER TABLE ONLY messages ALTER COLUMN created_at SET DATA TYPE timestamp with time zone USING created_at AT TIME ZONE 'UTC';
