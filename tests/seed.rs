//! `seed` in both dialects: every schema seeds at a small scale with exactly the declared
//! volumes times the scale, the same seed gives the same rows, `check --strict` is clean
//! afterwards, a schema with rows is refused and left alone, `--append` adds a generation,
//! and a failure half-way leaves nothing behind.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

use crate::common::*;
use crate::pg_or_skip;

/// Small enough that a debug build seeds each schema in about a second.
const SCALE: &str = "0.0005";
const NOW: &str = "2026-01-01 00:00:00";

/// Expected rows per table, computed from `schemas/<schema>.toml` by the documented rule:
/// `max(min, round(rows × scale))` (min 1), `scale = false` keeps `rows`, `per`/`each` is
/// `each` times the parent's rows.
fn expected(schema: &str, scale: f64) -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schemas/{schema}.toml")),
    )
    .expect("manifest");
    let doc: toml::Value = toml::from_str(&text).expect("toml");
    let volumes = doc["seed"]["volumes"]
        .as_table()
        .expect("[seed.volumes]")
        .clone();
    fn resolve(t: &str, v: &toml::Table, scale: f64, out: &mut BTreeMap<String, i64>) -> i64 {
        if let Some(n) = out.get(t) {
            return *n;
        }
        let n = match &v[t] {
            toml::Value::Integer(rows) => ((*rows as f64 * scale).round() as i64).max(1),
            toml::Value::Table(spec) => match (spec.get("rows"), spec.get("per")) {
                (Some(rows), _) if spec.get("scale").and_then(|s| s.as_bool()) == Some(false) => {
                    rows.as_integer().expect("rows")
                }
                (Some(rows), _) => ((rows.as_integer().expect("rows") as f64 * scale).round()
                    as i64)
                    .max(spec.get("min").and_then(|m| m.as_integer()).unwrap_or(1)),
                (None, Some(parent)) => {
                    resolve(parent.as_str().expect("per"), v, scale, out)
                        * spec["each"].as_integer().expect("each")
                }
                _ => panic!("{t}: bad volume"),
            },
            other => panic!("{t}: bad volume {other}"),
        };
        out.insert(t.to_string(), n);
        n
    }
    let mut out = BTreeMap::new();
    for t in volumes.keys() {
        resolve(t, &volumes, scale, &mut out);
    }
    out
}

/// Either dialect, inspected directly (not through chatdb).
enum Db<'a> {
    Pg(&'a PgDb, &'a str),
    Lite(&'a Path),
}

impl Db<'_> {
    fn args(&self) -> Vec<String> {
        match self {
            Db::Pg(db, ns) => vec![
                "-d".into(),
                db.url.clone(),
                "--namespace".into(),
                ns.to_string(),
            ],
            Db::Lite(p) => vec!["-d".into(), format!("sqlite://{}", p.display())],
        }
    }

    fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {}", self.table(table));
        match self {
            Db::Pg(db, _) => db
                .client()
                .query_one(sql.as_str(), &[])
                .expect("count")
                .get(0),
            Db::Lite(p) => rusqlite::Connection::open(p)
                .expect("open")
                .query_row(&sql, [], |r| r.get(0))
                .expect("count"),
        }
    }

    fn table(&self, table: &str) -> String {
        match self {
            Db::Pg(_, ns) => format!("\"{ns}\".\"{table}\""),
            Db::Lite(_) => format!("\"{table}\""),
        }
    }

    /// A hash of every row of `table`, independent of physical order.
    fn content_hash(&self, table: &str) -> u64 {
        let mut rows: Vec<String> = match self {
            Db::Pg(db, _) => db
                .client()
                .query(&format!("SELECT t::text FROM {} t", self.table(table)), &[])
                .expect("rows")
                .iter()
                .map(|r| r.get(0))
                .collect(),
            Db::Lite(p) => {
                let c = rusqlite::Connection::open(p).expect("open");
                let mut stmt = c
                    .prepare(&format!("SELECT * FROM {}", self.table(table)))
                    .expect("prepare");
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    let mut s = String::new();
                    for i in 0..n {
                        s.push_str(&format!("{:?}|", r.get::<_, rusqlite::types::Value>(i)?));
                    }
                    Ok(s)
                })
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
            }
        };
        rows.sort();
        let mut h = std::hash::DefaultHasher::new();
        rows.hash(&mut h);
        h.finish()
    }
}

fn run(dir: &Path, db: &Db, schema: &str, args: &[&str]) -> std::process::Output {
    chatdb(dir)
        .args(db.args())
        .args(["-s", schema])
        .args(args)
        .output()
        .expect("chatdb runs")
}

fn ok(out: std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\n{}\n{}",
        out.status.code(),
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn seed(dir: &Path, db: &Db, schema: &str, seed: &str) {
    ok(
        run(
            dir,
            db,
            schema,
            &[
                "seed", "--scale", SCALE, "--seed", seed, "--now", NOW, "--format", "json",
            ],
        ),
        &format!("seed {schema}"),
    );
}

fn hashes(db: &Db, tables: &[String]) -> Vec<u64> {
    tables.iter().map(|t| db.content_hash(t)).collect()
}

/// Seeds `schema` into `a` and `b` with one seed and into `c` with another; checks counts,
/// determinism and `check --strict`.
fn seed_and_compare(dir: &Path, schema: &str, a: &Db, b: &Db, c: &Db) {
    let want = expected(schema, SCALE.parse().expect("scale"));
    for db in [a, b, c] {
        ok(run(dir, db, schema, &["migrate"]), "migrate");
    }
    seed(dir, a, schema, "7");
    seed(dir, b, schema, "7");
    seed(dir, c, schema, "8");
    for (table, n) in &want {
        assert_eq!(a.count(table), *n, "{schema}.{table} rows");
        assert_eq!(c.count(table), *n, "{schema}.{table} rows (other seed)");
    }
    let tables: Vec<String> = want.keys().cloned().collect();
    assert_eq!(
        hashes(a, &tables),
        hashes(b, &tables),
        "{schema}: the same seed gives the same rows"
    );
    assert_ne!(
        hashes(a, &tables),
        hashes(c, &tables),
        "{schema}: another seed gives other rows"
    );
    let out = run(dir, a, schema, &["check", "--strict"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{schema}: check --strict after seed\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        !stdout(&out).contains("missing-statistics"),
        "seed runs ANALYZE: {}",
        stdout(&out)
    );
}

#[test]
fn every_schema_seeds_with_its_volumes_deterministically_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    for schema in SCHEMAS {
        let (_, a) = sqlite_in(&dir, &format!("{schema}_a.sqlite3"));
        let (_, b) = sqlite_in(&dir, &format!("{schema}_b.sqlite3"));
        let (_, c) = sqlite_in(&dir, &format!("{schema}_c.sqlite3"));
        seed_and_compare(
            dir.path(),
            schema,
            &Db::Lite(&a),
            &Db::Lite(&b),
            &Db::Lite(&c),
        );
    }
}

#[test]
fn every_schema_seeds_with_its_volumes_deterministically_postgres() {
    let db = pg_or_skip!("seed_every_schema");
    let dir = tempfile::tempdir().expect("tempdir");
    for schema in SCHEMAS {
        let (na, nb, nc) = (
            format!("{schema}_a"),
            format!("{schema}_b"),
            format!("{schema}_c"),
        );
        seed_and_compare(
            dir.path(),
            schema,
            &Db::Pg(&db, &na),
            &Db::Pg(&db, &nb),
            &Db::Pg(&db, &nc),
        );
    }
    // --namespace is respected: nothing landed in public.
    let n: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(n, 0);
}

/// A second seed is refused and changes nothing; --append adds a second generation.
fn refuses_then_appends(dir: &Path, db: &Db) {
    let schema = "classroom";
    ok(run(dir, db, schema, &["migrate"]), "migrate");
    seed(dir, db, schema, "1");
    let want = expected(schema, SCALE.parse().expect("scale"));
    let tables: Vec<String> = want.keys().cloned().collect();
    let before = hashes(db, &tables);
    let out = run(dir, db, schema, &["seed", "--scale", SCALE, "--seed", "2"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already has rows"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        hashes(db, &tables),
        before,
        "a refused seed changes nothing"
    );

    ok(
        run(dir, db, schema, &["seed", "--scale", SCALE, "--append"]),
        "seed --append",
    );
    for (table, n) in &want {
        assert_eq!(db.count(table), 2 * n, "{table} after --append");
    }
    let out = run(dir, db, schema, &["check", "--strict"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_schema_with_rows_is_refused_unless_append_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "refuse.sqlite3");
    refuses_then_appends(dir.path(), &Db::Lite(&path));
}

#[test]
fn a_schema_with_rows_is_refused_unless_append_postgres() {
    let db = pg_or_skip!("seed_refuses");
    let dir = tempfile::tempdir().expect("tempdir");
    refuses_then_appends(dir.path(), &Db::Pg(&db, "public"));
}

#[test]
fn a_failure_half_way_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "boom.sqlite3");
    let lite = Db::Lite(&path);
    ok(run(dir.path(), &lite, "chat", &["migrate"]), "migrate");
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .expect("trigger");
    let out = run(dir.path(), &lite, "chat", &["seed", "--scale", SCALE]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("seeding messages"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lite.count("users"), 0, "rolled back");

    let Some(db) = PgDb::new("seed_failure") else {
        return;
    };
    let pg = Db::Pg(&db, "public");
    ok(run(dir.path(), &pg, "chat", &["migrate"]), "migrate");
    db.client()
        .batch_execute(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
             CREATE TRIGGER boom BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION boom();",
        )
        .expect("trigger");
    let out = run(dir.path(), &pg, "chat", &["seed", "--scale", SCALE]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("boom"), "{}", stderr(&out));
    assert_eq!(pg.count("users"), 0, "rolled back");
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, path) = sqlite_in(&dir, "bad.sqlite3");
    let lite = Db::Lite(&path);
    let out = run(dir.path(), &lite, "chat", &["seed", "--scale", "0.001"]);
    assert_eq!(out.status.code(), Some(2), "no database yet");
    ok(
        run(dir.path(), &lite, "chat", &["migrate", "--target", "2"]),
        "migrate",
    );
    let out = run(dir.path(), &lite, "chat", &["seed", "--scale", "0.001"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is at V2"), "{}", stderr(&out));
    ok(run(dir.path(), &lite, "chat", &["migrate"]), "migrate");
    // Each refused by chatdb's own check, not by clap: the message says what is wrong.
    let scale = "the scale must be a positive number";
    let now = "expected a UTC time such as";
    for (bad, why) in [
        (vec!["seed", "--scale", "0"], scale),
        (vec!["seed", "--scale", "-1"], scale),
        (vec!["seed", "--scale", "NaN"], scale),
        (vec!["seed", "--now", "yesterday"], now),
        (vec!["seed", "--now", "2026-02-30"], now),
    ] {
        let out = run(dir.path(), &lite, "chat", &bad);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {err}");
        let value = bad[2];
        assert!(
            err.starts_with(&format!("chatdb: {} {value}: {why}", bad[1])),
            "{bad:?}: {err}"
        );
    }
    assert_eq!(lite.count("users"), 0);
    let fixture = schema_dir(
        dir.path(),
        "mine",
        &[("sqlite", "V1__init.sql", "CREATE TABLE t (id INTEGER);")],
    );
    let (url, _) = sqlite_in(&dir, "mine.sqlite3");
    let mut cmd = chatdb(dir.path());
    cmd.args(["-d", &url, "-s", "mine", "--schema-dir"])
        .arg(&fixture)
        .arg("migrate");
    cmd.assert().success();
    let out = chatdb(dir.path())
        .args(["-d", &url, "-s", "mine", "--schema-dir"])
        .arg(&fixture)
        .args(["seed", "--scale", "0.001"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no seed generator"),
        "{}",
        stderr(&out)
    );
}
