//! focusmate's messaging section: team and group chat rooms with their members and messages,
//! 1:1 conversations and their messages, friendships, friend requests and notifications.
//! The shape of the data is in the parent module's header.

use anyhow::Result;

use super::{Fm, TABLES};
use crate::seed::kit::{interleave, spread, Shares, DAY, HOUR, MINUTE, YEAR};
use crate::seed::words::*;
use crate::seed::Sink;

impl Fm<'_> {
    /// (type, team, created, first member base)
    fn chat_room(&self, i: u64) -> (&'static str, Option<u64>, i64, u64) {
        let mut r = self.rng("chat_rooms", i);
        let team = (i.is_multiple_of(2) && i / 2 < self.ctx.n("ranking_teams")).then_some(i / 2);
        let kind = match team {
            Some(_) => "team",
            None if r.chance(0.4) => "direct",
            None => "group",
        };
        let created = match team {
            Some(t) => self.team_created(t),
            None => self.now - r.range(DAY, YEAR),
        };
        let base = match team {
            Some(t) => self.team_base(t),
            None => r.below(self.n_users),
        };
        (kind, team, created, base)
    }

    pub(super) fn chat_rooms<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("chat_rooms");
        let team_ids = self.ids("ranking_teams");
        for i in 0..self.ctx.n("chat_rooms") {
            let (kind, team, created, base) = self.chat_room(i);
            let mut r = self.rng("chat_rooms.more", i);
            row! { out, "chat_rooms";
                id: uuid_text(ids.at(i)),
                room_type: text(kind),
                name: opt_text((kind != "direct").then(|| r.pick(ROOM_WORDS))),
                team_id: opt_uuid_text(team.map(|t| team_ids.at(t))),
                created_by: opt_uuid_text(r.chance(0.97).then(|| self.user(self.member(base, 0)))),
                is_active: bool(r.chance(0.9)),
                created_at: time(created),
                updated_at: time(created + r.range(0, self.now - created)),
            }?;
        }
        Ok(())
    }

    pub(super) fn chat_members<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("chat_members");
        let room_ids = self.ids("chat_rooms");
        for i in 0..self.ctx.n("chat_rooms") {
            let (_, _, created, base) = self.chat_room(i);
            for k in 0..self.chat_room_size() {
                let j = i * self.chat_room_size() + k;
                let mut r = self.rng("chat_members", j);
                row! { out, "chat_members";
                    id: uuid_text(ids.at(j)),
                    room_id: uuid_text(room_ids.at(i)),
                    user_id: uuid_text(self.user(self.member(base, k))),
                    role: text(if k == 0 {
                        "owner"
                    } else if k == 1 {
                        "admin"
                    } else {
                        "member"
                    }),
                    is_muted: bool(r.chance(0.1)),
                    last_read_at: opt_time(
                        r.chance(0.8)
                            .then(|| self.now - r.range(0, self.now - created)),
                    ),
                    created_at: time(created),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn chat_messages<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("chat_messages");
        let room_ids = self.ids("chat_rooms");
        let mut shares = Shares::new(
            self.ctx.n("chat_rooms"),
            self.ctx.n("chat_messages"),
            None,
            |i| {
                let mut r = self.rng("chat_rooms.messages", i);
                if r.chance(0.1) {
                    0
                } else {
                    r.tail(100.0)
                }
            },
        );
        let mut content = String::new();
        interleave(
            64,
            || {
                Ok(shares
                    .next()
                    .map(|(i, first, count)| (first, count, (i, self.chat_room(i)))))
            },
            |(i, (_, _, created, base)), first, k, count| {
                let j = first + k;
                let mut r = self.rng("chat_messages", j);
                let at = spread(&mut r, *created, self.now, k, count);
                let kind = ["text", "image", "file", "system"][r.weighted(&[92, 4, 2, 2])];
                content.clear();
                sentence(&mut r, &mut content, 1, 200);
                let edited = r.chance(0.03);
                row! { out, "chat_messages";
                    id: uuid_text(ids.at(j)),
                    room_id: uuid_text(room_ids.at(*i)),
                    sender_id: opt_uuid_text(
                        (kind != "system")
                            .then(|| self.user(self.member(*base, r.below(self.chat_room_size())))),
                    ),
                    message_type: text(kind),
                    content: text(&content),
                    is_edited: bool(edited),
                    is_deleted: bool(r.chance(0.01)),
                    created_at: time(at),
                    updated_at: time(if edited {
                        (at + r.range(10, HOUR)).min(self.now)
                    } else {
                        at
                    }),
                }
            },
        )
    }

    /// Conversation `c`: (user1, user2) with user1's id the lower, created.
    fn conversation(&self, c: u64) -> (u64, u64, i64) {
        let u = self.n_users.max(1);
        let p = c / 2;
        let a = self.users.at(p % u);
        let b = self.users.at((p + 1 + c % 2) % u);
        let (a, b) = if self.user(a) < self.user(b) {
            (a, b)
        } else {
            (b, a)
        };
        let created = self.now - self.rng("conversation", c).range(HOUR, YEAR);
        (a, b, created)
    }

    fn dm_shares(&self) -> Shares<impl Fn(u64) -> u64 + '_> {
        Shares::new(
            self.ctx.n("conversation"),
            self.ctx.n("message"),
            None,
            move |c| {
                let mut r = self.rng("conversation.messages", c);
                if r.chance(0.15) {
                    0
                } else {
                    r.tail(60.0)
                }
            },
        )
    }

    pub(super) fn conversations<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("conversation");
        for (c, _, count) in self.dm_shares() {
            let (a, b, created) = self.conversation(c);
            let last = (count > 0).then(|| {
                self.now
                    - self
                        .rng("conversation.last", c)
                        .range(0, (self.now - created).min(30 * DAY))
            });
            row! { out, "conversation";
                id: uuid_text(ids.at(c)),
                user1_id: uuid_text(self.user(a)),
                user2_id: uuid_text(self.user(b)),
                last_message_at: opt_time(last),
                created_at: time(created),
                updated_at: time(last.unwrap_or(created)),
            }?;
        }
        Ok(())
    }

    pub(super) fn dm_messages<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("message");
        let conv_ids = self.ids("conversation");
        let mut content = String::new();
        let mut shares = self.dm_shares();
        interleave(
            64,
            || {
                Ok(shares.next().map(|(c, first, count)| {
                    let (a, b, created) = self.conversation(c);
                    let last = if count > 0 {
                        self.now
                            - self
                                .rng("conversation.last", c)
                                .range(0, (self.now - created).min(30 * DAY))
                    } else {
                        created
                    };
                    (first, count, (c, a, b, created, last))
                }))
            },
            |(c, a, b, created, last), first, k, count| {
                let j = first + k;
                let mut r = self.rng("message", j);
                // The last message is exactly at the conversation's last_message_at.
                let at = if k + 1 == count {
                    *last
                } else {
                    spread(&mut r, *created, *last, k, count)
                };
                let read = r.chance(0.85);
                content.clear();
                sentence(&mut r, &mut content, 1, 200);
                row! { out, "message";
                    id: uuid_text(ids.at(j)),
                    conversation_id: uuid_text(conv_ids.at(*c)),
                    sender_id: uuid_text(self.user(if r.chance(0.5) { *a } else { *b })),
                    content: text(&content),
                    is_read: bool(read),
                    read_at: opt_time(
                        read.then(|| (at + r.range(1, 6 * HOUR)).min(self.now.max(at))),
                    ),
                    created_at: time(at),
                }
            },
        )
    }

    /// Friendships: each user `p` (in scattered order) with `p±1`, `p±2`, `p±3`, both ways.
    pub(super) fn friends<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("friend");
        let u = self.n_users.max(1);
        let each = self.ctx.n("friend") / u;
        for p in 0..u {
            for k in 0..each {
                let j = p * each + k;
                let step = k / 2 + 1;
                let q = if k % 2 == 0 {
                    (p + step) % u
                } else {
                    (p + u - step % u) % u
                };
                let pair = p.min(q) * u + p.max(q);
                let mut r = self.rng("friend", pair);
                row! { out, "friend";
                    id: uuid_text(ids.at(j)),
                    user_id: uuid_text(self.user(self.users.at(p))),
                    friend_id: uuid_text(self.user(self.users.at(q))),
                    is_blocked: bool(r.chance(0.01)),
                    created_at: time(self.now - r.range(HOUR, YEAR)),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn friend_requests<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("friend_request");
        let u = self.n_users.max(1);
        let each = self.ctx.n("friend_request") / u;
        for p in 0..u {
            for k in 0..each {
                let j = p * each + k;
                let mut r = self.rng("friend_request", j);
                let status =
                    ["pending", "accepted", "rejected", "cancelled"][r.weighted(&[30, 50, 15, 5])];
                let created = self.now - r.range(HOUR, YEAR);
                row! { out, "friend_request";
                    id: uuid_text(ids.at(j)),
                    sender_id: uuid_text(self.user(self.users.at(p))),
                    receiver_id: uuid_text(self.user(self.users.at((p + 5 + k) % u))),
                    status: text(status),
                    created_at: time(created),
                    responded_at: opt_time(
                        (status != "pending").then(|| created + r.range(MINUTE, 3 * DAY)),
                    ),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn notifications<S: Sink>(&self, out: &mut S) -> Result<()> {
        const KINDS: &[(&str, &str)] = &[
            ("system", "Welcome to Focus Mate"),
            ("friend_request", "New friend request"),
            ("friend_accepted", "Friend request accepted"),
            ("team_invitation", "You are invited to a team"),
            ("matching", "You have a focus match"),
            ("comment", "New comment on your post"),
            ("post_like", "Someone liked your post"),
            ("comment_like", "Someone liked your comment"),
            ("achievement", "Achievement unlocked"),
            ("reservation", "Your reserved session starts soon"),
        ];
        let ids = self.ids("notifications");
        let n = self.ctx.n("notifications");
        for j in 0..n {
            let mut r = self.rng("notifications", j);
            let (kind, title) = KINDS[r.weighted(&[5, 10, 8, 4, 15, 20, 20, 8, 5, 5])];
            let at = spread(&mut r, self.now - YEAR, self.now, j, n);
            let read = r.chance(if at < self.now - 7 * DAY { 0.9 } else { 0.4 });
            row! { out, "notifications";
                id: uuid_text(ids.at(j)),
                user_id: uuid_text(self.user(self.busy_user(&mut r))),
                r#type: text(kind),
                title: text(title),
                message: opt_text(r.chance(0.5).then_some("Tap to see more.")),
                data: json(&format!(r#"{{"ref": {}}}"#, r.below(1 << 32))),
                is_read: bool(read),
                read_at: opt_time(read.then(|| (at + r.range(MINUTE, 2 * DAY)).min(self.now))),
                created_at: time(at),
            }?;
        }
        Ok(())
    }
}
