ALTER TABLE rooms ADD CONSTRAINT rooms_topic_not_null CHECK (topic IS NOT NULL) NOT VALID;
