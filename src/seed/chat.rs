//! chat: a 1:1 chat (CHAT-001). The document gives no volumes; chatdb's judgment for
//! `--scale 1` is a mid-sized service: 20,000 users, 100,000 rooms (two members each),
//! 5M messages over the last year, 4M read receipts.
//!
//! Shape:
//! - rooms in creation order over the year; each pairs two distinct users picked with a
//!   skew (a few users are in many rooms), so some pairs meet twice, as the schema allows;
//! - messages split over rooms by a heavy tail (busy and quiet rooms, 5% silent), 64 rooms
//!   interleaved, in time order inside each room from its creation to the anchor; the
//!   sender is either member;
//! - read receipts: exactly the declared number, spread evenly over the messages (selection
//!   sampling), each by the member who did not send it, seconds to hours later.
//!
//! Samples: user `...0001` is `user1` / `user1@example.com`; room `...00a1` (the first
//! room) has user `...0001` as a member and a typical number of messages.

use anyhow::Result;

use super::kit::{interleave, spread, uuid, Ids, Perm, Rng, Shares, DAY, MINUTE, YEAR};
use super::words::*;
use super::{Ctx, Sink, TableDef};

pub const TABLES: &[TableDef] = &[
    TableDef {
        name: "users",
        columns: &[
            "id",
            "username",
            "email",
            "password_hash",
            "is_active",
            "created_at",
            "last_seen_at",
        ],
    },
    TableDef {
        name: "chat_rooms",
        columns: &["id", "created_at"],
    },
    TableDef {
        name: "chat_room_members",
        columns: &["room_id", "user_id", "joined_at"],
    },
    TableDef {
        name: "messages",
        columns: &["id", "room_id", "sender_id", "content", "created_at"],
    },
    TableDef {
        name: "message_reads",
        columns: &["message_id", "user_id", "read_at"],
    },
];

const SAMPLE_USER: u128 = uuid("00000000-0000-4000-8000-000000000001");
const SAMPLE_ROOM: u128 = uuid("00000000-0000-4000-8000-0000000000a1");

const T_USER: u64 = super::kit::tag("chat.users");
const T_ROOM: u64 = super::kit::tag("chat.chat_rooms");
const T_ROOM_MSG: u64 = super::kit::tag("chat.chat_rooms.messages");
const T_MESSAGE: u64 = super::kit::tag("chat.messages");
const T_READS: u64 = super::kit::tag("chat.message_reads");

pub fn generate<S: Sink>(table: &str, ctx: &Ctx, out: &mut S) -> Result<()> {
    match table {
        "users" => users(ctx, out),
        "chat_rooms" => rooms(ctx, out),
        "chat_room_members" => members(ctx, out),
        "messages" => messages(ctx, out),
        "message_reads" => reads(ctx, out),
        _ => super::unknown("chat", table),
    }
}

fn user_ids(ctx: &Ctx) -> Ids {
    ctx.ids("users").pin(ctx.samples, 0, SAMPLE_USER)
}

fn room_ids(ctx: &Ctx) -> Ids {
    ctx.ids("chat_rooms").pin(ctx.samples, 0, SAMPLE_ROOM)
}

fn users<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    const B64: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let ids = user_ids(ctx);
    let mut name = String::new();
    let mut email = String::new();
    let mut hash = String::new();
    for i in 0..ctx.n("users") {
        let mut r = ctx.rng(T_USER, i);
        name.clear();
        name.push_str(&format!("user{}{}", i + 1, ctx.suffix));
        email.clear();
        email.push_str(&name);
        email.push_str("@example.com");
        // A bcrypt-shaped hash: $2b$12$ and 53 characters.
        hash.clear();
        hash.push_str("$2b$12$");
        for _ in 0..53 {
            hash.push(B64[r.below(64) as usize] as char);
        }
        let created = ctx.now - r.range(DAY, 2 * YEAR);
        row! { out, "users";
            id: uuid(ids.at(i)),
            username: text(&name),
            email: text(&email),
            password_hash: text(&hash),
            is_active: bool(r.chance(0.97)),
            created_at: time(created),
            last_seen_at: opt_time(
                r.chance(0.9)
                    .then(|| ctx.now - r.range(0, (ctx.now - created).min(90 * DAY))),
            ),
        }?;
    }
    Ok(())
}

/// A room: when it was created and its two members (user indexes).
fn room(ctx: &Ctx, i: u64, users: &Perm) -> (i64, u64, u64) {
    let n = ctx.n("chat_rooms");
    let u = ctx.n("users");
    let mut r = ctx.rng(T_ROOM, i);
    let created = spread(&mut r, ctx.now - YEAR, ctx.now - MINUTE, i, n);
    let mut a = users.at(r.skewed(u));
    if ctx.samples && i == 0 {
        a = 0;
    }
    let b = (a + 1 + r.below(u.saturating_sub(1))) % u.max(1);
    (created, a, b)
}

fn user_perm(ctx: &Ctx) -> Perm {
    Perm::new(ctx.n("users"), ctx.key ^ T_USER)
}

fn rooms<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = room_ids(ctx);
    let users = user_perm(ctx);
    for i in 0..ctx.n("chat_rooms") {
        let (created, _, _) = room(ctx, i, &users);
        row! { out, "chat_rooms";
            id: uuid(ids.at(i)),
            created_at: time(created),
        }?;
    }
    Ok(())
}

fn members<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = room_ids(ctx);
    let user_ids = user_ids(ctx);
    let users = user_perm(ctx);
    for i in 0..ctx.n("chat_rooms") {
        let (created, a, b) = room(ctx, i, &users);
        for m in [a, b] {
            row! { out, "chat_room_members";
                room_id: uuid(ids.at(i)),
                user_id: uuid(user_ids.at(m)),
                joined_at: time(created),
            }?;
        }
    }
    Ok(())
}

/// One message: its room, sender, the other member, and time.
struct Message {
    room: u64,
    sender: u64,
    other: u64,
    at: i64,
}

/// Walks every message in table order (64 rooms interleaved), calling `f(index, message,
/// its random stream after the time was drawn)`.
fn each_message(ctx: &Ctx, mut f: impl FnMut(u64, &Message, &mut Rng) -> Result<()>) -> Result<()> {
    let users = user_perm(ctx);
    let weight = |i: u64| {
        let mut r = ctx.rng(T_ROOM_MSG, i);
        if r.chance(0.05) {
            0
        } else {
            r.tail(60.0)
        }
    };
    let mut shares = Shares::new(
        ctx.n("chat_rooms"),
        ctx.n("messages"),
        ctx.samples.then_some(0),
        weight,
    );
    interleave(
        64,
        || {
            Ok(shares
                .next()
                .map(|(i, first, count)| (first, count, (i, room(ctx, i, &users)))))
        },
        |(i, (created, a, b)), first, k, count| {
            let j = first + k;
            let mut r = ctx.rng(T_MESSAGE, j);
            let at = spread(&mut r, *created, ctx.now, k, count);
            let (sender, other) = if r.chance(0.5) { (*a, *b) } else { (*b, *a) };
            let m = Message {
                room: *i,
                sender,
                other,
                at,
            };
            f(j, &m, &mut r)
        },
    )
}

fn messages<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("messages");
    let rooms = room_ids(ctx);
    let users = user_ids(ctx);
    let mut content = String::new();
    each_message(ctx, |j, m, r| {
        content.clear();
        let max = if r.chance(0.1) { 400 } else { 80 };
        sentence(r, &mut content, 1, max);
        row! { out, "messages";
            id: uuid(ids.at(j)),
            room_id: uuid(rooms.at(m.room)),
            sender_id: uuid(users.at(m.sender)),
            content: text(&content),
            created_at: time(m.at),
        }
    })
}

fn reads<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("messages");
    let users = user_ids(ctx);
    // Selection sampling (Knuth's Algorithm S): exactly `want` of the `total` messages.
    let total = ctx.n("messages");
    let want = ctx.n("message_reads").min(total);
    let mut pick = ctx.rng(T_READS, 0);
    let (mut seen, mut chosen) = (0u64, 0u64);
    each_message(ctx, |j, m, _| {
        let take = pick.below(total - seen) < want - chosen;
        seen += 1;
        if !take {
            return Ok(());
        }
        chosen += 1;
        let mut r = ctx.rng(T_READS, j + 1);
        let delay = if r.chance(0.7) {
            r.range(1, 10 * MINUTE)
        } else {
            r.range(10 * MINUTE, 3 * DAY)
        };
        row! { out, "message_reads";
            message_id: uuid(ids.at(j)),
            user_id: uuid(users.at(m.other)),
            read_at: time((m.at + delay).min(ctx.now)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::generate_all;

    #[test]
    fn rows_satisfy_the_constraints_and_the_samples_exist() {
        let all = generate_all("chat", 0.002, 5);
        let users = &all["users"];
        assert_eq!(users[0]["id"], "00000000-0000-4000-8000-000000000001");
        assert_eq!(users[0]["username"], "user1");
        let members = &all["chat_room_members"];
        assert!(members
            .iter()
            .any(|m| m["room_id"] == "00000000-0000-4000-8000-0000000000a1"
                && m["user_id"] == "00000000-0000-4000-8000-000000000001"));
        let mut pairs = std::collections::HashSet::new();
        for m in members {
            assert!(
                pairs.insert((m["room_id"].clone(), m["user_id"].clone())),
                "member twice: {m:?}"
            );
        }
        let mut reads = std::collections::HashSet::new();
        for r in &all["message_reads"] {
            assert!(
                reads.insert(r["message_id"].clone()),
                "one read per message"
            );
        }
    }
}
