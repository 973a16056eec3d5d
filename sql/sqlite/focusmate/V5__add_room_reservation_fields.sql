-- focusmate V5: add room reservation fields (ARC-012; 5.1 revision 20251218_0001
-- "add_room_reservation_fields"; 2.2 예약 시스템 #11 room_reservations, created in V2).
-- Adds what a reservation needs to open its room and remind the user: the pomodoro durations
-- for the room, a description, recurrence, and whether the reminder went out.
-- Every column is nullable or has a constant default, so existing rows stay valid and the
-- same ALTER TABLE ... ADD COLUMN works in SQLite.
-- SQLite dialect of sql/postgres/focusmate/V5__add_room_reservation_fields.sql:
-- the same tables, columns, constraint names and index names.
-- Where SQLite differs: recurrence_end_date is TIMESTAMP (UTC text) for TIMESTAMP WITH TIME
-- ZONE. SQLite checks the column CHECK constraints of ADD COLUMN against existing rows, as
-- PostgreSQL does; the constant defaults make that pass.

-- Pomodoro durations of the room the reservation opens (room.work/break_duration_minutes).
ALTER TABLE room_reservations ADD COLUMN work_duration INTEGER NOT NULL DEFAULT 25 CONSTRAINT room_reservations_work_duration_check CHECK (work_duration > 0);
ALTER TABLE room_reservations ADD COLUMN break_duration INTEGER NOT NULL DEFAULT 5 CONSTRAINT room_reservations_break_duration_check CHECK (break_duration >= 0);
ALTER TABLE room_reservations ADD COLUMN description TEXT;
-- Recurrence: none, or daily/weekly/monthly until recurrence_end_date.
ALTER TABLE room_reservations ADD COLUMN is_recurring BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE room_reservations ADD COLUMN recurrence_type VARCHAR(10) CONSTRAINT room_reservations_recurrence_type_check CHECK (recurrence_type IS NULL OR recurrence_type IN ('daily', 'weekly', 'monthly'));
ALTER TABLE room_reservations ADD COLUMN recurrence_end_date TIMESTAMP;
-- The reminder before scheduled_at has been sent.
ALTER TABLE room_reservations ADD COLUMN notification_sent BOOLEAN NOT NULL DEFAULT FALSE;
