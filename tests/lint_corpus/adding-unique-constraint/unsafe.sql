ALTER TABLE rooms ADD CONSTRAINT rooms_name_key UNIQUE (name);
