//! assistant: AI-assistant users, conversations, messages and tasks. The document's shape
//! is "100 conversations per user, 1,000 messages per conversation"; the user count is
//! chatdb's choice (100 at `--scale 1`: 10,000 conversations and 10M messages, enough to
//! measure the per-user and per-conversation queries at the documented shape in minutes).
//!
//! Shape:
//! - conversations split over users by a mild tail (mean 100), messages over conversations
//!   by a heavy tail (mean 1,000; 3% empty), 64 conversations interleaved so that one
//!   conversation's messages are scattered over the table as concurrent chats leave them;
//! - a conversation lives from its creation to its last message (`updated_at`), both within
//!   the year before the anchor; 10% open with a system message, then user and assistant
//!   take turns; assistant replies are longer and half of them name an agent;
//! - tasks: about 200 per user (mild tail), 0-3 tags, 55% completed (with `completed_at`),
//!   60% with a due date, past or up to 60 days ahead.
//!
//! Samples: user `...0001` (`user1@example.com`) is the first user, with a typical number
//! of conversations; its first conversation `...00e1` has a typical number of messages.

use anyhow::Result;

use super::kit::{interleave, spread, uuid, Ids, Shares, DAY, HOUR, MINUTE, YEAR};
use super::words::*;
use super::{Ctx, Sink, TableDef};

pub const TABLES: &[TableDef] = &[
    TableDef {
        name: "user",
        columns: &["id", "email", "display_name", "created_at", "updated_at"],
    },
    TableDef {
        name: "conversations",
        columns: &["id", "user_id", "title", "created_at", "updated_at"],
    },
    TableDef {
        name: "messages",
        columns: &[
            "id",
            "conversation_id",
            "role",
            "content",
            "agent_name",
            "agent_icon",
            "created_at",
        ],
    },
    TableDef {
        name: "tasks",
        columns: &[
            "id",
            "user_id",
            "title",
            "description",
            "completed",
            "priority",
            "tags",
            "due_date",
            "created_at",
            "updated_at",
            "completed_at",
        ],
    },
];

const SAMPLE_USER: u128 = uuid("00000000-0000-4000-8000-000000000001");
const SAMPLE_CONVERSATION: u128 = uuid("00000000-0000-4000-8000-0000000000e1");

const T_USER: u64 = super::kit::tag("assistant.users");
const T_USER_CONV: u64 = super::kit::tag("assistant.users.conversations");
const T_USER_TASK: u64 = super::kit::tag("assistant.users.tasks");
const T_CONV: u64 = super::kit::tag("assistant.conversations");
const T_CONV_MSG: u64 = super::kit::tag("assistant.conversations.messages");
const T_MESSAGE: u64 = super::kit::tag("assistant.messages");
const T_TASK: u64 = super::kit::tag("assistant.tasks");

pub fn generate<S: Sink>(table: &str, ctx: &Ctx, out: &mut S) -> Result<()> {
    match table {
        "user" => users(ctx, out),
        "conversations" => conversations(ctx, out),
        "messages" => messages(ctx, out),
        "tasks" => tasks(ctx, out),
        _ => super::unknown("assistant", table),
    }
}

fn user_ids(ctx: &Ctx) -> Ids {
    ctx.ids("user").pin(ctx.samples, 0, SAMPLE_USER)
}

fn conversation_ids(ctx: &Ctx) -> Ids {
    ctx.ids("conversations")
        .pin(ctx.samples, 0, SAMPLE_CONVERSATION)
}

/// When user `i` signed up.
fn user_created(ctx: &Ctx, i: u64) -> i64 {
    ctx.now - YEAR - ctx.rng(T_USER, i).range(0, 2 * YEAR)
}

fn users<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = user_ids(ctx);
    let mut email = String::new();
    let mut name = String::new();
    for i in 0..ctx.n("user") {
        let created = user_created(ctx, i);
        let mut r = ctx.rng(T_USER, i);
        r.next_u64();
        email.clear();
        email.push_str(&format!("user{}{}@example.com", i + 1, ctx.suffix));
        name.clear();
        name.push_str(r.pick(FIRST_NAMES));
        row! { out, "user";
            id: uuid(ids.at(i)),
            email: text(&email),
            display_name: {
                if r.chance(0.8) {
                    out.text(&name);
                } else {
                    out.null();
                }
            },
            created_at: time(created),
            updated_at: time(ctx.now - r.range(0, 30 * DAY)),
        }?;
    }
    Ok(())
}

/// The users with their share of `total` rows (mild tail, the sample user typical):
/// (user index, first row index, count).
fn per_user(ctx: &Ctx, total: u64, wtag: u64) -> Shares<impl Fn(u64) -> u64 + '_> {
    Shares::new(ctx.n("user"), total, ctx.samples.then_some(0), move |i| {
        ctx.rng(wtag, i).soft_tail(10.0)
    })
}

/// A conversation's life: created, last message.
fn conversation_span(ctx: &Ctx, j: u64) -> (i64, i64) {
    let mut r = ctx.rng(T_CONV, j);
    let created = ctx.now - r.range(HOUR, YEAR);
    let last = (created + r.range(10 * MINUTE, 60 * DAY)).min(ctx.now - r.range(0, HOUR));
    (created, last.max(created + MINUTE))
}

fn conversations<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = conversation_ids(ctx);
    let user_ids = user_ids(ctx);
    let mut title = String::new();
    // 64 users' conversations interleaved, as sign-ups and chats overlap in time.
    let mut it = per_user(ctx, ctx.n("conversations"), T_USER_CONV);
    interleave(
        64,
        || Ok(it.next().map(|(i, first, count)| (first, count, i))),
        |user, first, k, _| {
            let j = first + k;
            let (created, last) = conversation_span(ctx, j);
            let mut r = ctx.rng(T_CONV ^ 1, j);
            title.clear();
            title.push_str(r.pick(TOPICS));
            if r.chance(0.3) {
                title.push_str(" (");
                title.push_str(&(1 + r.below(5)).to_string());
                title.push(')');
            }
            row! { out, "conversations";
                id: uuid(ids.at(j)),
                user_id: uuid(user_ids.at(*user)),
                title: {
                    if r.chance(0.95) {
                        out.text(&title);
                    } else {
                        out.null();
                    }
                },
                created_at: time(created),
                updated_at: time(last),
            }
        },
    )
}

fn messages<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("messages");
    let conv_ids = conversation_ids(ctx);
    let weight = |j: u64| {
        let mut r = ctx.rng(T_CONV_MSG, j);
        if r.chance(0.03) {
            0
        } else {
            r.soft_tail(6.0)
        }
    };
    let mut shares = Shares::new(
        ctx.n("conversations"),
        ctx.n("messages"),
        ctx.samples.then_some(0),
        weight,
    );
    let mut content = String::new();
    interleave(
        64,
        || {
            Ok(shares.next().map(|(j, first, count)| {
                let system = ctx.rng(T_CONV_MSG ^ 1, j).chance(0.1);
                (first, count, (j, conversation_span(ctx, j), system))
            }))
        },
        |(j, (created, last), system), first, k, count| {
            let m = first + k;
            let mut r = ctx.rng(T_MESSAGE, m);
            let role = match (k, *system) {
                (0, true) => "system",
                _ if (k + u64::from(*system)) % 2 == 0 => "user",
                _ => "assistant",
            };
            content.clear();
            match role {
                "system" => content.push_str("You are a helpful assistant. Be concise."),
                "user" => sentence(&mut r, &mut content, 10, 240),
                _ => sentence(&mut r, &mut content, 60, 800),
            }
            let agent = (role == "assistant" && r.chance(0.5))
                .then(|| AGENTS[r.below(AGENTS.len() as u64) as usize]);
            row! { out, "messages";
                id: uuid(ids.at(m)),
                conversation_id: uuid(conv_ids.at(*j)),
                role: text(role),
                content: text(&content),
                agent_name: opt_text(agent.map(|(name, _)| name)),
                agent_icon: opt_text(agent.map(|(_, icon)| icon)),
                created_at: time(spread(&mut r, *created, *last, k, count)),
            }
        },
    )
}

fn tasks<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("tasks");
    let user_ids = user_ids(ctx);
    let mut title = String::new();
    let mut desc = String::new();
    // 64 users' tasks interleaved, as users add them concurrently.
    let mut users = per_user(ctx, ctx.n("tasks"), T_USER_TASK);
    interleave(
        64,
        || {
            Ok(users
                .next()
                .map(|(i, first, count)| (first, count, (user_ids.at(i), user_created(ctx, i)))))
        },
        |(uid, signed_up), first, k, _| {
            let j = first + k;
            let (uid, signed_up) = (*uid, *signed_up);
            let mut r = ctx.rng(T_TASK, j);
            title.clear();
            sentence(&mut r, &mut title, 8, 60);
            let created = ctx.now - r.range(0, YEAR).min(ctx.now - signed_up);
            let completed = r.chance(0.55);
            let mut tags: Vec<&str> = Vec::with_capacity(3);
            for _ in 0..r.weighted(&[30, 40, 20, 10]) {
                let t = r.pick(TASK_TAGS);
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            let due = r
                .chance(0.6)
                .then(|| created + r.range(HOUR, 90 * DAY))
                .map(|d| d.min(ctx.now + 60 * DAY));
            let completed_at =
                completed.then(|| (created + r.range(MINUTE, 30 * DAY)).min(ctx.now));
            row! { out, "tasks";
                id: uuid(ids.at(j)),
                user_id: uuid(uid),
                title: text(&title),
                description: {
                    if r.chance(0.4) {
                        desc.clear();
                        sentence(&mut r, &mut desc, 20, 300);
                        out.text(&desc);
                    } else {
                        out.null();
                    }
                },
                completed: bool(completed),
                priority: text(["low", "medium", "high"][r.weighted(&[25, 55, 20])]),
                tags: text_array(&tags),
                due_date: opt_time(due),
                created_at: time(created),
                updated_at: time(completed_at.unwrap_or(created).max(created)),
                completed_at: opt_time(completed_at),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::generate_all;

    #[test]
    fn rows_satisfy_the_constraints_and_the_samples_exist() {
        let all = generate_all("assistant", 0.001, 3);
        assert_eq!(all["user"][0]["email"], "user1@example.com");
        let conv = &all["conversations"];
        let sample = conv
            .iter()
            .find(|c| c["id"] == "00000000-0000-4000-8000-0000000000e1")
            .expect("sample conversation");
        assert_eq!(sample["user_id"], "00000000-0000-4000-8000-000000000001");
        for c in conv {
            assert!(c["updated_at"] >= c["created_at"], "{c:?}");
        }
        for m in &all["messages"] {
            assert!(["user", "assistant", "system"].contains(&m["role"].as_str()));
            assert!(m["content"].len() <= 10_000);
        }
        for t in &all["tasks"] {
            if t["completed_at"] != "NULL" {
                assert_eq!(
                    t["completed"], "true",
                    "completed_at only when completed: {t:?}"
                );
            }
        }
    }
}
