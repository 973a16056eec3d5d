TRUNCATE messages, rooms;
