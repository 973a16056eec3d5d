//! focusmate's users section: the accounts and what hangs off each user (settings, goals,
//! achievements declared and earned, verification requests). The shape of the data is in
//! the parent module's header.

use anyhow::Result;

use super::{Fm, TABLES};
use crate::seed::kit::{DAY, HOUR, YEAR};
use crate::seed::words::*;
use crate::seed::Sink;

impl Fm<'_> {
    pub(super) fn users<S: Sink>(&self, out: &mut S) -> Result<()> {
        let mut text = String::new();
        for i in 0..self.n_users {
            let mut r = self.rng("user", i);
            let created = self.signed_up(i);
            row! { out, "user";
                id: uuid_text(self.user(i)),
                email: text(&format!("user{}{}@example.com", i + 1, self.ctx.suffix)),
                username: text(&format!("user{}{}", i + 1, self.ctx.suffix)),
                hashed_password: text(
                    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
                ),
                bio: {
                    if r.chance(0.3) {
                        text.clear();
                        sentence(&mut r, &mut text, 10, 160);
                        out.text(&text);
                    } else {
                        out.null();
                    }
                },
                total_focus_time: int(r.tail(50.0) as i64 / 10),
                total_sessions: int(r.tail(50.0) as i64 / 100),
                is_active: bool(r.chance(0.96)),
                is_verified: bool(r.chance(0.1)),
                is_admin: bool(i % 500 == 1),
                created_at: time(created),
                updated_at: time(self.now - r.range(0, (self.now - created).min(60 * DAY))),
                profile_image_url: {
                    if r.chance(0.4) {
                        out.text(&format!(
                            "https://cdn.example.com/avatars/{}.png",
                            r.below(1 << 40)
                        ));
                    } else {
                        out.null();
                    }
                },
            }?;
        }
        Ok(())
    }

    pub(super) fn user_settings<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("user_settings");
        for i in 0..self.n_users {
            let mut r = self.rng("user_settings", i);
            let created = self.signed_up(i);
            row! { out, "user_settings";
                id: uuid_text(ids.at(i)),
                user_id: uuid_text(self.user(i)),
                theme: text(["system", "light", "dark"][r.weighted(&[50, 20, 30])]),
                language: text(["ko", "en", "ja"][r.weighted(&[80, 15, 5])]),
                default_work_minutes: int([25, 50, 45, 30][r.weighted(&[70, 15, 10, 5])]),
                default_break_minutes: int([5, 10, 15, 0][r.weighted(&[70, 20, 8, 2])]),
                sound_enabled: bool(r.chance(0.8)),
                email_notifications: bool(r.chance(0.6)),
                push_notifications: bool(r.chance(0.7)),
                created_at: time(created),
                updated_at: time(created + r.range(0, self.now - created)),
                profile_visibility: text(
                    ["public", "friends", "private"][r.weighted(&[70, 20, 10])]
                ),
                show_statistics: bool(r.chance(0.85)),
                show_online_status: bool(r.chance(0.75)),
            }?;
        }
        Ok(())
    }

    pub(super) fn user_goals<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("user_goals");
        for j in 0..self.ctx.n("user_goals") {
            let mut r = self.rng("user_goals", j);
            let u = self.busy_user(&mut r);
            let kind = ["daily", "weekly", "monthly"][r.weighted(&[50, 35, 15])];
            let len = match kind {
                "daily" => DAY,
                "weekly" => 7 * DAY,
                _ => 30 * DAY,
            };
            let starts = self.now - r.range(0, YEAR);
            let metric = if r.chance(0.7) {
                "focus_minutes"
            } else {
                "sessions"
            };
            let target = if metric == "sessions" {
                r.range(1, 40)
            } else {
                r.range(30, 3000)
            };
            row! { out, "user_goals";
                id: uuid_text(ids.at(j)),
                user_id: uuid_text(self.user(u)),
                goal_type: text(kind),
                metric: text(metric),
                target_value: int(target),
                current_value: int(r.range(0, target * 3 / 2)),
                starts_at: time(starts),
                ends_at: opt_time(r.chance(0.8).then_some(starts + len)),
                is_active: bool(starts + len > self.now),
                created_at: time(starts),
                updated_at: time(starts + r.range(0, len)),
            }?;
        }
        Ok(())
    }

    const ACHIEVEMENT_TYPES: [&'static str; 5] = [
        "total_focus_time",
        "total_sessions",
        "streak_days",
        "posts",
        "friends",
    ];

    pub(super) fn achievements<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("achievement");
        for a in 0..self.ctx.n("achievement") {
            let kind = Self::ACHIEVEMENT_TYPES[(a % 5) as usize];
            let level = a / 5 + 1;
            let value = match kind {
                "total_focus_time" => 600 * level * level,
                "total_sessions" => 10 * level * level,
                "streak_days" => 3 * level,
                _ => 5 * level,
            };
            row! { out, "achievement";
                id: uuid_text(ids.at(a)),
                code: text(&format!("{kind}_{level}{}", self.ctx.suffix)),
                name: text(&format!("{} {level}", kind.replace('_', " "))),
                description: text(&format!("Reach {value} ({kind})")),
                icon: text(&format!("/icons/{kind}_{level}.svg")),
                requirement_type: text(kind),
                requirement_value: int(value as i64),
                points: int(10 * level as i64),
                is_active: bool(level < 6),
                created_at: time(self.now - 2 * YEAR),
            }?;
        }
        Ok(())
    }

    pub(super) fn user_achievements<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("user_achievement");
        let per = self.ctx.n("user_achievement") / self.n_users.max(1);
        let n_ach = self.ctx.n("achievement").max(1);
        let ach_ids = self.ids("achievement");
        for i in 0..self.n_users {
            let mut r = self.rng("user_achievement", i);
            let base = r.below(n_ach);
            let created = self.signed_up(i);
            for k in 0..per {
                let j = i * per + k;
                let unlocked = r.chance(0.4);
                row! { out, "user_achievement";
                    id: uuid_text(ids.at(j)),
                    user_id: uuid_text(self.user(i)),
                    achievement_id: uuid_text(ach_ids.at((base + k) % n_ach)),
                    progress: int(r.range(0, 500)),
                    is_unlocked: bool(unlocked),
                    unlocked_at: opt_time(
                        unlocked.then(|| created + r.range(0, self.now - created)),
                    ),
                    created_at: time(created),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn user_verifications<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("user_verification");
        for j in 0..self.ctx.n("user_verification") {
            let mut r = self.rng("user_verification", j);
            // (user, type) never repeats: users in order, then the next type.
            let u = self.users.at(j % self.n_users.max(1));
            let kind = ["student", "email", "phone"][((j / self.n_users.max(1)) % 3) as usize];
            let status =
                ["pending", "approved", "rejected", "expired"][r.weighted(&[15, 60, 15, 10])];
            let created = self.now - r.range(HOUR, YEAR);
            let reviewed = (status != "pending").then(|| created + r.range(HOUR, 7 * DAY));
            row! { out, "user_verification";
                id: uuid_text(ids.at(j)),
                user_id: uuid_text(self.user(u)),
                verification_type: text(kind),
                status: text(status),
                school_name: opt_text((kind == "student").then(|| r.pick(SCHOOL_STEMS))),
                document_url: opt_text(
                    (kind == "student").then_some("https://cdn.example.com/docs/student-id.pdf"),
                ),
                admin_note: opt_text((status == "rejected").then_some("document unreadable")),
                reviewed_by: opt_uuid_text(reviewed.map(|_| self.user(self.admin(&mut r)))),
                reviewed_at: opt_time(reviewed),
                created_at: time(created),
                updated_at: time(reviewed.unwrap_or(created)),
            }?;
        }
        Ok(())
    }
}
