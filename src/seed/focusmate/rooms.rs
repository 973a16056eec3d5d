//! focusmate's rooms section: focus rooms with their timers, visits (`participant`), session
//! history, reservations and manually logged sessions. The shape of the data is in the
//! parent module's header.

use anyhow::Result;

use super::{Fm, SAMPLE_ROOM, TABLES};
use crate::seed::kit::{interleave, spread, tag, Ids, Perm, Shares, DAY, HOUR, MINUTE, YEAR};
use crate::seed::words::*;
use crate::seed::Sink;

impl Fm<'_> {
    pub(super) fn room_ids(&self) -> Ids {
        let n = self.ctx.n("room");
        self.ids("room")
            .pin(self.ctx.samples, n.saturating_sub(1), SAMPLE_ROOM)
    }

    fn active_rooms(&self) -> u64 {
        self.ctx.n("room").div_ceil(10)
    }

    /// (created, host user, active)
    pub(super) fn room(&self, i: u64) -> (i64, u64, bool) {
        let n = self.ctx.n("room");
        let mut r = self.rng("room", i);
        let created = spread(&mut r, self.now - YEAR, self.now - HOUR, i, n);
        (
            created,
            self.busy_user(&mut r),
            i + self.active_rooms() >= n,
        )
    }

    pub(super) fn room_name(&self, i: u64, buf: &mut String) {
        let mut r = self.rng("room.name", i);
        buf.clear();
        buf.push_str(r.pick(ROOM_WORDS));
        buf.push_str(" #");
        buf.push_str(&(i + 1).to_string());
    }

    pub(super) fn rooms<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.room_ids();
        let mut name = String::new();
        for i in 0..self.ctx.n("room") {
            let (created, host, active) = self.room(i);
            let mut r = self.rng("room.settings", i);
            self.room_name(i, &mut name);
            row! { out, "room";
                id: uuid_text(ids.at(i)),
                room_name: text(&name),
                host_id: uuid_text(self.user(host)),
                work_duration_minutes: int([25, 50, 45][r.weighted(&[75, 15, 10])]),
                break_duration_minutes: int([5, 10, 15][r.weighted(&[75, 20, 5])]),
                auto_start_break: bool(r.chance(0.8)),
                max_participants: int([10, 20, 50][r.weighted(&[30, 40, 30])]),
                is_active: bool(active),
                created_at: time(created),
                updated_at: time(created + r.range(0, self.now - created)),
            }?;
        }
        Ok(())
    }

    pub(super) fn timers<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("timer");
        let room_ids = self.room_ids();
        for i in 0..self.ctx.n("room") {
            let (created, _, active) = self.room(i);
            let mut r = self.rng("timer", i);
            let status = if active {
                ["running", "paused", "idle"][r.weighted(&[70, 20, 10])]
            } else {
                ["completed", "idle"][r.weighted(&[70, 30])]
            };
            let duration = [1500, 3000, 300][r.weighted(&[70, 15, 15])];
            let started =
                (status != "idle").then(|| (self.now - r.range(MINUTE, 50 * MINUTE)).max(created));
            row! { out, "timer";
                id: uuid_text(ids.at(i)),
                room_id: uuid_text(room_ids.at(i)),
                status: text(status),
                phase: text(if duration == 300 { "break" } else { "work" }),
                duration_seconds: int(duration),
                remaining_seconds: int(match status {
                    "completed" => 0,
                    "idle" => duration,
                    _ => r.range(0, duration),
                }),
                session_count: int(r.range(0, 40)),
                started_at: opt_time(started),
                paused_at: opt_time((status == "paused").then(|| {
                    (self.now - r.range(0, 10 * MINUTE)).max(started.unwrap_or(created))
                })),
                created_at: time(created),
                updated_at: time(started.unwrap_or(created)),
            }?;
        }
        Ok(())
    }

    pub(super) fn participants<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("participant");
        let room_ids = self.room_ids();
        let n = self.ctx.n("participant");
        let n_rooms = self.ctx.n("room");
        let active = self.active_rooms();
        // The newest visits are still going on: one per user, in the active rooms.
        let open = (n / 10).clamp(1, self.n_users.max(1)).min(n);
        let rooms = Perm::new(n_rooms, self.ctx.key ^ tag("focusmate.rooms"));
        for j in 0..n {
            let mut r = self.rng("participant", j);
            let (room, user, created, left) = if j + open >= n {
                let k = j + open - n;
                let room = n_rooms - active + (k % active);
                let created = (self.now - r.range(MINUTE, 3 * HOUR)).max(self.room(room).0);
                (room, self.users.at(k), created, None)
            } else {
                let room = rooms.at(r.skewed(n_rooms));
                let (room_created, _, _) = self.room(room);
                let created = spread(&mut r, room_created, self.now - 4 * HOUR, j, n - open);
                let created = created.max(room_created);
                let left = (created + r.range(5 * MINUTE, 3 * HOUR))
                    .min(self.now)
                    .max(created);
                (room, self.busy_user(&mut r), created, Some(left))
            };
            row! { out, "participant";
                id: uuid_text(ids.at(j)),
                room_id: uuid_text(room_ids.at(room)),
                user_id: uuid_text(self.user(user)),
                is_host: bool(self.room(room).1 == user),
                created_at: time(created),
                left_at: opt_time(left),
            }?;
        }
        Ok(())
    }

    /// The users with their share of `total` rows: (user, first row, count).
    fn per_user(&self, total: u64, what: &'static str) -> Shares<impl Fn(u64) -> u64 + '_> {
        Shares::new(
            self.n_users,
            total,
            self.ctx.samples.then_some(0),
            move |i| self.rng(what, i).tail(30.0),
        )
    }

    pub(super) fn session_history<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("session_history");
        let room_ids = self.room_ids();
        let n_rooms = self.ctx.n("room");
        let rooms = Perm::new(n_rooms, self.ctx.key ^ tag("focusmate.rooms"));
        let mut name = String::new();
        let mut shares = self.per_user(self.ctx.n("session_history"), "session_history.user");
        interleave(
            64,
            || Ok(shares.next().map(|(u, first, count)| (first, count, u))),
            |u, first, k, count| {
                let j = first + k;
                let mut r = self.rng("session_history", j);
                let since = self.signed_up(*u).max(self.now - YEAR);
                let done = spread(&mut r, since, self.now, k, count);
                let work = r.chance(0.7);
                let room = r.chance(0.7).then(|| rooms.at(r.skewed(n_rooms)));
                row! { out, "session_history";
                    id: uuid_text(ids.at(j)),
                    user_id: uuid_text(self.user(*u)),
                    room_id: opt_uuid_text(room.map(|m| room_ids.at(m))),
                    session_type: text(if work { "work" } else { "break" }),
                    duration_minutes: int(if work {
                        [25, 50, 45][r.weighted(&[75, 15, 10])]
                    } else {
                        [5, 10][r.weighted(&[80, 20])]
                    }),
                    completed_at: time(done),
                    room_name: {
                        match room {
                            Some(m) => {
                                self.room_name(m, &mut name);
                                out.text(&name);
                            }
                            None => out.null(),
                        }
                    },
                }
            },
        )
    }

    pub(super) fn reservations<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("room_reservations");
        let room_ids = self.room_ids();
        let n_rooms = self.ctx.n("room");
        let mut name = String::new();
        let n = self.ctx.n("room_reservations");
        for j in 0..n {
            let mut r = self.rng("room_reservations", j);
            let u = self.busy_user(&mut r);
            let scheduled = spread(&mut r, self.now - YEAR, self.now + 30 * DAY, j, n);
            let status = if scheduled > self.now {
                if r.chance(0.9) {
                    "scheduled"
                } else {
                    "cancelled"
                }
            } else {
                ["completed", "cancelled", "started"][r.weighted(&[80, 15, 5])]
            };
            let room = matches!(status, "started" | "completed").then(|| r.below(n_rooms));
            let recurring = r.chance(0.2);
            let kind = recurring.then(|| ["daily", "weekly", "monthly"][r.weighted(&[30, 60, 10])]);
            let created = scheduled - r.range(HOUR, 14 * DAY);
            row! { out, "room_reservations";
                id: uuid_text(ids.at(j)),
                user_id: uuid_text(self.user(u)),
                room_id: opt_uuid_text(room.map(|m| room_ids.at(m))),
                room_name: {
                    self.room_name(room.unwrap_or(j % n_rooms.max(1)), &mut name);
                    out.text(&name);
                },
                scheduled_at: time(scheduled),
                status: text(status),
                created_at: time(created),
                updated_at: time(created.max(scheduled.min(self.now))),
                work_duration: int([25, 50][r.weighted(&[80, 20])]),
                break_duration: int([5, 10][r.weighted(&[80, 20])]),
                description: opt_text(r.chance(0.3).then_some("Exam prep together")),
                is_recurring: bool(recurring),
                recurrence_type: opt_text(kind),
                recurrence_end_date: opt_time(
                    recurring.then(|| scheduled + r.range(7 * DAY, 90 * DAY)),
                ),
                notification_sent: bool(scheduled < self.now + HOUR),
            }?;
        }
        Ok(())
    }

    pub(super) fn manual_sessions<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("manual_sessions");
        for j in 0..self.ctx.n("manual_sessions") {
            let mut r = self.rng("manual_sessions", j);
            let u = self.busy_user(&mut r);
            let started = self.now - r.range(HOUR, YEAR);
            let work = r.chance(0.85);
            row! { out, "manual_sessions";
                id: uuid_text(ids.at(j)),
                user_id: uuid_text(self.user(u)),
                session_type: text(if work { "work" } else { "break" }),
                duration_minutes: int(if work {
                    r.range(15, 180)
                } else {
                    r.range(5, 30)
                }),
                started_at: time(started),
                subject: opt_text(
                    r.chance(0.6)
                        .then(|| r.pick(&["math", "english", "coding", "reading", "history"])),
                ),
                memo: opt_text(r.chance(0.2).then_some("library")),
                created_at: time(started + r.range(MINUTE, 4 * HOUR)),
            }?;
        }
        Ok(())
    }
}
