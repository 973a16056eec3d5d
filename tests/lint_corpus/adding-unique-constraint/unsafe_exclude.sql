ALTER TABLE rooms ADD CONSTRAINT rooms_name_excl EXCLUDE USING btree (name WITH =);
