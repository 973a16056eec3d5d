//! focusmate's matching section: the matching pools, proposals between two pools, and each
//! proposal's chat room, members and messages. The shape of the data is in the parent
//! module's header.

use anyhow::Result;

use super::{Fm, TABLES};
use crate::seed::kit::{interleave, spread, Shares, DAY, HOUR, MINUTE, YEAR};
use crate::seed::words::*;
use crate::seed::Sink;

impl Fm<'_> {
    /// The user of pool `i`: users in a scattered order, so neighbouring pools differ.
    fn pool_user(&self, i: u64) -> u64 {
        self.users.at(i % self.n_users.max(1))
    }

    /// (created, expires, status)
    fn pool(&self, i: u64) -> (i64, i64, &'static str) {
        let n = self.ctx.n("matching_pools");
        let waiting = n.div_ceil(100);
        let mut r = self.rng("matching_pools", i);
        if i + waiting >= n {
            let created = spread(
                &mut r,
                self.now - 25 * MINUTE,
                self.now,
                i + waiting - n,
                waiting,
            );
            return (created, created + 30 * MINUTE, "waiting");
        }
        let created = spread(&mut r, self.now - YEAR, self.now - HOUR, i, n - waiting);
        let status = if r.chance(0.7) {
            "matched"
        } else {
            "cancelled"
        };
        (created, created + 30 * MINUTE, status)
    }

    /// The pool proposed together with pool `i`: the next one of a different user.
    fn partner(&self, i: u64) -> u64 {
        let n = self.ctx.n("matching_pools");
        let j = (i + 1) % n;
        if self.pool_user(j) != self.pool_user(i) {
            j
        } else {
            (i + 2) % n
        }
    }

    pub(super) fn pools<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("matching_pools");
        for i in 0..self.ctx.n("matching_pools") {
            let (created, expires, status) = self.pool(i);
            let mut r = self.rng("matching_pools.prefs", i);
            row! { out, "matching_pools";
                id: uuid_text(ids.at(i)),
                user_id: uuid_text(self.user(self.pool_user(i))),
                preferred_duration: int([25, 50][r.weighted(&[80, 20])]),
                preferred_break: int([5, 10][r.weighted(&[80, 20])]),
                status: text(status),
                created_at: time(created),
                expires_at: time(expires),
            }?;
        }
        Ok(())
    }

    pub(super) fn proposals<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("matching_proposals");
        let pool_ids = self.ids("matching_pools");
        for i in 0..self.ctx.n("matching_proposals") {
            let (created, expires, _) = self.pool(i);
            let mut r = self.rng("matching_proposals", i);
            let status =
                ["accepted", "rejected", "expired", "pending"][r.weighted(&[50, 20, 25, 5])];
            row! { out, "matching_proposals";
                id: uuid_text(ids.at(i)),
                pool_a_id: uuid_text(pool_ids.at(i)),
                pool_b_id: uuid_text(pool_ids.at(self.partner(i))),
                status: text(status),
                created_at: time(created),
                responded_at: opt_time(
                    matches!(status, "accepted" | "rejected")
                        .then(|| created + r.range(5, 10 * MINUTE)),
                ),
                expires_at: time(expires),
            }?;
        }
        Ok(())
    }

    /// (opened, closed) of matching chat room `i`.
    fn matching_room(&self, i: u64) -> (i64, Option<i64>) {
        let (created, _, _) = self.pool(i);
        let mut r = self.rng("matching_chat_rooms", i);
        let opened = created + r.range(10, 10 * MINUTE);
        let closed = (opened + r.range(30 * MINUTE, 3 * DAY)).min(self.now);
        (
            opened.min(self.now),
            (closed < self.now - HOUR).then_some(closed),
        )
    }

    pub(super) fn matching_rooms<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("matching_chat_rooms");
        let proposal_ids = self.ids("matching_proposals");
        for i in 0..self.ctx.n("matching_chat_rooms") {
            let (opened, closed) = self.matching_room(i);
            row! { out, "matching_chat_rooms";
                id: uuid_text(ids.at(i)),
                proposal_id: uuid_text(proposal_ids.at(i)),
                room_name: text(&format!("Focus match #{}", i + 1)),
                is_active: bool(closed.is_none()),
                created_at: time(opened),
                closed_at: opt_time(closed),
            }?;
        }
        Ok(())
    }

    pub(super) fn matching_members<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("matching_chat_members");
        let room_ids = self.ids("matching_chat_rooms");
        for i in 0..self.ctx.n("matching_chat_rooms") {
            let (opened, closed) = self.matching_room(i);
            for (k, u) in [self.pool_user(i), self.pool_user(self.partner(i))]
                .into_iter()
                .enumerate()
            {
                let j = 2 * i + k as u64;
                let mut r = self.rng("matching_chat_members", j);
                row! { out, "matching_chat_members";
                    id: uuid_text(ids.at(j)),
                    room_id: uuid_text(room_ids.at(i)),
                    user_id: uuid_text(self.user(u)),
                    last_read_at: opt_time(
                        r.chance(0.9)
                            .then(|| opened + r.range(0, closed.unwrap_or(self.now) - opened)),
                    ),
                    created_at: time(opened),
                    left_at: opt_time(closed),
                }?;
            }
        }
        Ok(())
    }

    pub(super) fn matching_messages<S: Sink>(&self, out: &mut S) -> Result<()> {
        let ids = self.ids("matching_messages");
        let room_ids = self.ids("matching_chat_rooms");
        let mut shares = Shares::new(
            self.ctx.n("matching_chat_rooms"),
            self.ctx.n("matching_messages"),
            None,
            |i| {
                let mut r = self.rng("matching_chat_rooms.messages", i);
                if r.chance(0.3) {
                    0
                } else {
                    r.tail(30.0)
                }
            },
        );
        let mut content = String::new();
        interleave(
            64,
            || {
                Ok(shares
                    .next()
                    .map(|(i, first, count)| (first, count, (i, self.matching_room(i)))))
            },
            |(i, (opened, closed)), first, k, count| {
                let j = first + k;
                let mut r = self.rng("matching_messages", j);
                let at = spread(&mut r, *opened, closed.unwrap_or(self.now), k, count);
                let system = k == 0;
                row! { out, "matching_messages";
                    id: uuid_text(ids.at(j)),
                    room_id: uuid_text(room_ids.at(*i)),
                    sender_id: {
                        if system {
                            out.null();
                        } else {
                            let u = if r.chance(0.5) {
                                self.pool_user(*i)
                            } else {
                                self.pool_user(self.partner(*i))
                            };
                            out.uuid_text(self.user(u));
                        }
                    },
                    message_type: text(if system {
                        "system"
                    } else if r.chance(0.02) {
                        "image"
                    } else {
                        "text"
                    }),
                    content: {
                        if system {
                            out.text("You are matched. Start a 25-minute focus session!");
                        } else {
                            content.clear();
                            sentence(&mut r, &mut content, 1, 120);
                            out.text(&content);
                        }
                    },
                    created_at: time(at),
                }
            },
        )
    }
}
