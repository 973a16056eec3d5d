//! classroom: one year of a classroom chat widget (ERD v0.2 "예상 데이터 규모": 100 schools,
//! 3,000 classes, 540,000 sessions, 5,000 problems, 10M messages, 50M logs).
//!
//! Shape:
//! - schools of different sizes (classes split over schools by a mild tail);
//! - sessions in time order over the year before the anchor, each in a class picked with a
//!   skew (busy and quiet classes), lasting 5 to 30 minutes within their 30-minute TTL;
//!   the newest 0.1% (at least one) are still open (started in the last 25 minutes, not
//!   expired), 2% of the rest were abandoned (never ended, expired);
//! - messages and logs grouped by session, in time order inside the session's span, split
//!   over sessions by a heavy tail (busy and quiet rooms; 5% of sessions have no messages);
//!   nicknames per student of the session, avatars 1-64, content 1-200 characters;
//! - problems: 60% shared (class NULL), the rest a class's own; grades "1-1".."6-2".
//!
//! Samples (the hot queries' parameters, `schemas/classroom.toml`): the newest session is
//! `...0c1` with code `AB12CD34`, open, in class `...0d1` (the first class), with a typical
//! share of messages and logs.

use anyhow::Result;

use super::kit::{interleave, spread, uuid, Ids, Perm, Shares, Split, Weights, DAY, MINUTE, YEAR};
use super::words::*;
use super::{Ctx, Sink, TableDef};

pub const TABLES: &[TableDef] = &[
    TableDef {
        name: "schools",
        columns: &["id", "name", "created_at"],
    },
    TableDef {
        name: "classes",
        columns: &["id", "school_id", "grade", "name", "created_at"],
    },
    TableDef {
        name: "sessions",
        columns: &[
            "id",
            "class_id",
            "code",
            "started_at",
            "ended_at",
            "expires_at",
        ],
    },
    TableDef {
        name: "problems",
        columns: &[
            "id",
            "class_id",
            "question",
            "answer",
            "type",
            "difficulty",
            "grade",
            "created_at",
        ],
    },
    TableDef {
        name: "messages",
        columns: &[
            "id",
            "session_id",
            "nickname",
            "avatar_id",
            "content",
            "created_at",
            "moderated",
        ],
    },
    TableDef {
        name: "logs",
        columns: &["id", "session_id", "event_type", "payload", "timestamp"],
    },
];

const SAMPLE_SESSION: u128 = uuid("00000000-0000-4000-8000-0000000000c1");
const SAMPLE_CLASS: u128 = uuid("00000000-0000-4000-8000-0000000000d1");
const SAMPLE_CODE: &str = "AB12CD34";

const T_SCHOOL: u64 = super::kit::tag("classroom.schools");
const T_SCHOOL_W: u64 = super::kit::tag("classroom.schools.weight");
const T_CLASS: u64 = super::kit::tag("classroom.classes");
const T_SESSION: u64 = super::kit::tag("classroom.sessions");
const T_MSG_W: u64 = super::kit::tag("classroom.sessions.messages");
const T_LOG_W: u64 = super::kit::tag("classroom.sessions.logs");
const T_PROBLEM: u64 = super::kit::tag("classroom.problems");
const T_MESSAGE: u64 = super::kit::tag("classroom.messages");
const T_LOG: u64 = super::kit::tag("classroom.logs");
const T_STUDENT: u64 = super::kit::tag("classroom.students");

const GRADES: [&str; 12] = [
    "1-1", "1-2", "2-1", "2-2", "3-1", "3-2", "4-1", "4-2", "5-1", "5-2", "6-1", "6-2",
];

pub fn generate<S: Sink>(table: &str, ctx: &Ctx, out: &mut S) -> Result<()> {
    match table {
        "schools" => schools(ctx, out),
        "classes" => classes(ctx, out),
        "sessions" => sessions(ctx, out),
        "problems" => problems(ctx, out),
        "messages" => messages(ctx, out),
        "logs" => logs(ctx, out),
        _ => super::unknown("classroom", table),
    }
}

fn schools<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("schools");
    let mut name = String::new();
    for i in 0..ctx.n("schools") {
        let mut r = ctx.rng(T_SCHOOL, i);
        name.clear();
        name.push_str(r.pick(REGIONS));
        name.push(' ');
        name.push_str(r.pick(SCHOOL_STEMS));
        name.push_str("초등학교");
        row! { out, "schools";
            id: uuid(ids.at(i)),
            name: text(&name),
            created_at: time(ctx.now - YEAR - r.range(30 * DAY, 5 * YEAR)),
        }?;
    }
    Ok(())
}

fn class_ids(ctx: &Ctx) -> Ids {
    ctx.ids("classes").pin(ctx.samples, 0, SAMPLE_CLASS)
}

fn classes<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let n_schools = ctx.n("schools");
    let school_ids = ctx.ids("schools");
    let ids = class_ids(ctx);
    let weight = |s: u64| ctx.rng(T_SCHOOL_W, s).soft_tail(6.0);
    let w = Weights::compute(n_schools, None, weight);
    let mut split = Split::new(ctx.n("classes"), w.sum);
    let mut name = String::new();
    for s in 0..n_schools {
        let first = split.given();
        for j in first..first + split.take(w.of(s, weight)) {
            let mut r = ctx.rng(T_CLASS, j);
            let grade = GRADES[r.below(12) as usize];
            name.clear();
            name.push_str(&grade[..1]);
            name.push_str("학년 ");
            name.push_str(&r.range(1, 9).to_string());
            name.push('반');
            row! { out, "classes";
                id: uuid(ids.at(j)),
                school_id: uuid(school_ids.at(s)),
                grade: text(grade),
                name: text(&name),
                created_at: time(ctx.now - YEAR - r.range(0, 60 * DAY)),
            }?;
        }
    }
    Ok(())
}

/// What children need of a session.
struct Session {
    class: u64,
    started: i64,
    ended: Option<i64>,
    expires: i64,
    /// The end of its activity: when it ended, or expired, or now.
    last: i64,
}

fn n_open(n: u64) -> u64 {
    n.div_ceil(1000)
}

fn session(ctx: &Ctx, i: u64, classes: &Perm) -> Session {
    let n = ctx.n("sessions");
    let open = n_open(n);
    let mut r = ctx.rng(T_SESSION, i);
    let mut class = classes.at(r.skewed(ctx.n("classes")));
    if ctx.samples && i + 1 == n {
        class = 0;
    }
    if i + open >= n {
        // Still open: started in the last 25 minutes, expires 30 minutes after its start.
        let started = spread(
            &mut r,
            ctx.now - 25 * MINUTE,
            ctx.now - MINUTE,
            i + open - n,
            open,
        );
        return Session {
            class,
            started,
            ended: None,
            expires: started + 30 * MINUTE,
            last: ctx.now,
        };
    }
    let started = spread(&mut r, ctx.now - YEAR, ctx.now - 40 * MINUTE, i, n - open);
    let expires = started + 30 * MINUTE;
    if r.chance(0.02) {
        return Session {
            class,
            started,
            ended: None,
            expires,
            last: expires,
        };
    }
    let ended = started + r.range(5 * MINUTE, 30 * MINUTE);
    Session {
        class,
        started,
        ended: Some(ended),
        expires,
        last: ended,
    }
}

fn session_ids(ctx: &Ctx) -> Ids {
    let n = ctx.n("sessions");
    ctx.ids("sessions")
        .pin(ctx.samples, n.saturating_sub(1), SAMPLE_SESSION)
}

fn class_perm(ctx: &Ctx) -> Perm {
    Perm::new(ctx.n("classes"), ctx.key ^ T_CLASS)
}

/// Join codes: 8 characters of [0-9A-Za-z], a bijection of the session index, so they never
/// repeat within a run; the sample session gets `AB12CD34`.
struct Codes {
    offset: u128,
}

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CODE_SPACE: u128 = 62u128.pow(8);
/// 62^8 times the golden ratio's fraction, made odd and not a multiple of 31 (hence coprime
/// with 62^8): consecutive sessions get codes far apart.
const CODE_STEP: u128 = 134_941_606_358_707;

impl Codes {
    fn new(ctx: &Ctx) -> Codes {
        let n = ctx.n("sessions") as u128;
        let offset = if ctx.samples {
            // code(n - 1) = AB12CD34.
            let sample = SAMPLE_CODE.bytes().fold(0u128, |v, c| {
                v * 62 + B62.iter().position(|b| *b == c).unwrap_or(0) as u128
            });
            (sample + CODE_SPACE - (CODE_STEP * (n.max(1) - 1)) % CODE_SPACE) % CODE_SPACE
        } else {
            ctx.key as u128 % CODE_SPACE
        };
        Codes { offset }
    }

    fn at<'b>(&self, i: u64, buf: &'b mut [u8; 8]) -> &'b str {
        let mut v = (CODE_STEP * i as u128 + self.offset) % CODE_SPACE;
        for slot in buf.iter_mut().rev() {
            *slot = B62[(v % 62) as usize];
            v /= 62;
        }
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

fn sessions<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = session_ids(ctx);
    let class_ids = class_ids(ctx);
    let classes = class_perm(ctx);
    let codes = Codes::new(ctx);
    let mut buf = [0u8; 8];
    for i in 0..ctx.n("sessions") {
        let s = session(ctx, i, &classes);
        row! { out, "sessions";
            id: uuid(ids.at(i)),
            class_id: uuid(class_ids.at(s.class)),
            code: text(codes.at(i, &mut buf)),
            started_at: time(s.started),
            ended_at: opt_time(s.ended),
            expires_at: time(s.expires),
        }?;
    }
    Ok(())
}

fn problems<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("problems");
    let class_ids = class_ids(ctx);
    let classes = class_perm(ctx);
    let n_classes = ctx.n("classes");
    let mut q = String::new();
    let mut a = String::new();
    for i in 0..ctx.n("problems") {
        let mut r = ctx.rng(T_PROBLEM, i);
        let class = (!r.chance(0.6)).then(|| classes.at(r.skewed(n_classes)));
        let kind = ["vocabulary", "proverb", "math"][r.below(3) as usize];
        let difficulty = 1 + r.weighted(&[15, 30, 30, 15, 10]) as i64;
        q.clear();
        a.clear();
        match kind {
            "vocabulary" => {
                let (ko, en) = VOCABULARY[r.below(VOCABULARY.len() as u64) as usize];
                q.push_str(&format!("'{ko}'을(를) 영어로 쓰면?"));
                a.push_str(en);
            }
            "proverb" => {
                let (head, tail) = PROVERBS[r.below(PROVERBS.len() as u64) as usize];
                q.push_str(&format!("{head} ___"));
                a.push_str(tail);
            }
            _ => {
                let (x, y) = (r.range(2, 9 * difficulty), r.range(2, 9 * difficulty));
                if r.chance(0.5) {
                    q.push_str(&format!("{x} + {y} = ?"));
                    a.push_str(&(x + y).to_string());
                } else {
                    q.push_str(&format!("{x} × {y} = ?"));
                    a.push_str(&(x * y).to_string());
                }
            }
        }
        row! { out, "problems";
            id: uuid(ids.at(i)),
            class_id: opt_uuid(class.map(|c| class_ids.at(c))),
            question: text(&q),
            answer: text(&a),
            r#type: text(kind),
            difficulty: int(difficulty),
            grade: text(GRADES[r.below(12) as usize]),
            created_at: time(ctx.now - YEAR + r.range(-90 * DAY, YEAR - DAY)),
        }?;
    }
    Ok(())
}

/// Walks the sessions with their share of `total` children (weights from `wtag`), 16
/// concurrent sessions interleaved, calling `f(session index, session, child index, k,
/// count)` for the `k`-th of the session's `count` children.
fn per_session(
    ctx: &Ctx,
    total: u64,
    wtag: u64,
    heavy: bool,
    mut f: impl FnMut(u64, &Session, u64, u64, u64) -> Result<()>,
) -> Result<()> {
    let n = ctx.n("sessions");
    let classes = class_perm(ctx);
    let weight = |i: u64| {
        let mut r = ctx.rng(wtag, i);
        if heavy {
            if r.chance(0.05) {
                0
            } else {
                r.tail(40.0)
            }
        } else {
            r.soft_tail(8.0)
        }
    };
    let mut shares = Shares::new(n, total, ctx.samples.then(|| n.saturating_sub(1)), weight);
    interleave(
        16,
        || {
            Ok(shares.next().map(|(i, first, count)| {
                let s = (count > 0).then(|| session(ctx, i, &classes));
                (first, count, (i, s))
            }))
        },
        |(i, s), first, k, count| match s {
            Some(s) => f(*i, s, first + k, k, count),
            None => Ok(()),
        },
    )
}

/// How many students take part in session `i`.
fn students(ctx: &Ctx, i: u64) -> u64 {
    5 + ctx.rng(T_STUDENT ^ 1, i).below(26)
}

/// A student of session `i`: nickname (at most 20 characters) and avatar.
fn student(ctx: &Ctx, i: u64, k: u64, buf: &mut String) -> i64 {
    let mut r = ctx.rng(T_STUDENT, i.wrapping_mul(64).wrapping_add(k));
    buf.clear();
    buf.push_str(r.pick(NICK_ADJ));
    buf.push_str(r.pick(NICK_ANIMAL));
    buf.push_str(&r.range(1, 99).to_string());
    r.range(1, 64)
}

fn messages<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("messages");
    let session_ids = session_ids(ctx);
    let mut nick = String::new();
    let mut content = String::new();
    per_session(
        ctx,
        ctx.n("messages"),
        T_MSG_W,
        true,
        |i, s, j, k, count| {
            let students = students(ctx, i);
            let mut r = ctx.rng(T_MESSAGE, j);
            let avatar = student(ctx, i, r.skewed(students), &mut nick);
            content.clear();
            for p in 0..1 + r.weighted(&[60, 25, 10, 5]) {
                if p > 0 {
                    content.push(' ');
                }
                content.push_str(r.pick(CLASS_CHAT));
            }
            row! { out, "messages";
                id: uuid(ids.at(j)),
                session_id: uuid(session_ids.at(i)),
                nickname: text(&nick),
                avatar_id: int(avatar),
                content: text(&content),
                created_at: time(spread(&mut r, s.started, s.last, k, count)),
                moderated: bool(r.chance(0.01)),
            }
        },
    )
}

fn logs<S: Sink>(ctx: &Ctx, out: &mut S) -> Result<()> {
    let ids = ctx.ids("logs");
    let session_ids = session_ids(ctx);
    let weights: Vec<u32> = LOG_EVENTS.iter().map(|e| e.1).collect();
    let mut nick = String::new();
    let mut payload = String::new();
    per_session(ctx, ctx.n("logs"), T_LOG_W, false, |i, s, j, k, count| {
        let students = students(ctx, i);
        let mut r = ctx.rng(T_LOG, j);
        // A session's first log is always a join.
        let event = if k == 0 {
            "join"
        } else {
            LOG_EVENTS[r.weighted(&weights)].0
        };
        let avatar = student(ctx, i, r.skewed(students), &mut nick);
        payload.clear();
        match event {
            "answer_submitted" => payload.push_str(&format!(
                r#"{{"nickname": "{nick}", "problem": {}, "correct": {}}}"#,
                r.below(40),
                r.chance(0.7)
            )),
            "problem_shown" => payload.push_str(&format!(r#"{{"problem": {}}}"#, r.below(40))),
            "error" => payload.push_str(r#"{"code": "ws_timeout"}"#),
            _ => payload.push_str(&format!(
                r#"{{"nickname": "{nick}", "avatar_id": {avatar}}}"#
            )),
        }
        row! { out, "logs";
            id: uuid(ids.at(j)),
            session_id: uuid(session_ids.at(i)),
            event_type: text(event),
            payload: json(&payload),
            timestamp: time(spread(&mut r, s.started, s.last, k, count)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::generate_all;

    #[test]
    fn rows_satisfy_the_constraints_and_the_samples_exist() {
        let all = generate_all("classroom", 0.002, 1);
        let sessions = &all["sessions"];
        let mut codes = std::collections::HashSet::new();
        for s in sessions {
            assert_eq!(s["code"].len(), 8);
            assert!(
                s["code"].bytes().all(|b| b.is_ascii_alphanumeric()),
                "{s:?}"
            );
            assert!(codes.insert(s["code"].clone()), "codes repeat");
            if s["ended_at"] != "NULL" {
                assert!(
                    s["ended_at"] >= s["started_at"],
                    "ended before started: {s:?}"
                );
            }
            assert!(
                s["expires_at"] > s["started_at"],
                "expires before start: {s:?}"
            );
        }
        let last = sessions.last().expect("sessions");
        assert_eq!(last["id"], "00000000-0000-4000-8000-0000000000c1");
        assert_eq!(last["class_id"], "00000000-0000-4000-8000-0000000000d1");
        assert_eq!(last["code"], "AB12CD34");
        assert_eq!(last["ended_at"], "NULL");
        for m in &all["messages"] {
            let nick = m["nickname"].chars().count();
            assert!((1..=20).contains(&nick), "{m:?}");
            let content = m["content"].chars().count();
            assert!((1..=200).contains(&content), "{m:?}");
        }
        assert!(all["messages"]
            .iter()
            .any(|m| m["session_id"] == "00000000-0000-4000-8000-0000000000c1"));
        for l in &all["logs"] {
            serde_json::from_str::<serde_json::Value>(&l["payload"]).expect("payload is JSON");
        }
        for c in &all["classes"] {
            assert!(super::GRADES.contains(&c["grade"].as_str()));
        }
    }
}
