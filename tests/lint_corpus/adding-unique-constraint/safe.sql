ALTER TABLE rooms ADD CONSTRAINT rooms_name_key UNIQUE USING INDEX rooms_name_key;
