ALTER TABLE rooms RENAME COLUMN topic TO subject;
