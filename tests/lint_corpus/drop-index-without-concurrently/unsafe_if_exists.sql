DROP INDEX IF EXISTS public.idx_messages_room;
