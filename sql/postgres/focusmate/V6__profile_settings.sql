-- focusmate V6: profile settings (ARC-012; 5.1 revision 20251218_profile_settings, the head;
-- tables of 3.1 user and 2.2 user_settings).
-- Adds the profile picture to "user" and the profile privacy settings to user_settings.
-- Every column is nullable or has a constant default, so existing rows stay valid and the
-- same ALTER TABLE ... ADD COLUMN works in SQLite.

-- Profile picture (an uploaded file's URL); NULL shows the default avatar.
ALTER TABLE "user" ADD COLUMN profile_image_url VARCHAR(500);
-- Who may see the profile page.
ALTER TABLE user_settings ADD COLUMN profile_visibility VARCHAR(10) NOT NULL DEFAULT 'public' CONSTRAINT user_settings_profile_visibility_check CHECK (profile_visibility IN ('public', 'friends', 'private'));
-- Whether focus statistics (total_focus_time, total_sessions, streaks) show on the profile.
ALTER TABLE user_settings ADD COLUMN show_statistics BOOLEAN NOT NULL DEFAULT TRUE;
-- Whether friends see the user as online / in a room.
ALTER TABLE user_settings ADD COLUMN show_online_status BOOLEAN NOT NULL DEFAULT TRUE;
