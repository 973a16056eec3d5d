ALTER TABLE rooms ADD COLUMN invite_code TEXT DEFAULT make_invite_code(8);
