//! Applying a schema's migrations through refinery, with what refinery leaves out:
//! a lock, one transaction for the whole run, refusal of edited migrations, and errors
//! that name the file, the line, the statement and the server's message.
//!
//! refinery does the bookkeeping: it verifies applied migrations against the files
//! (checksums, missing versions), picks the pending ones up to a target, and writes its
//! history rows. chatdb hands it an [`Adapter`] over a transaction chatdb already opened
//! and locked, so refinery's "transactions" become statements inside that one transaction:
//! every pending migration and its history row commit together, or nothing does.
//!
//! The adapter sends each migration statement by statement
//! ([`crate::db::scratch::run_file`]) under the migrate lock and the lock timeout, so when
//! one fails the report names it (file, line, statement, the server's message) at once:
//! nothing is ever run a second time to find it.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use refinery_core::traits::sync::{Query, Transaction};
use serde::Serialize;

use crate::catalog::{Dialect, MigrationFile};
use crate::db::scratch::{run_file, Located};
use crate::db::{quote_ident, Conn, HistoryRow, Session, SqlError, TxKind, TxOpts};
use crate::online::{self, Group, Retry};
use crate::sqltext;

/// Where one migration stands against the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Applied, and the file still has the checksum it was applied with.
    Applied,
    /// Applied, but the file changed since.
    Diverged,
    /// Not applied yet.
    Pending,
    /// Applied, but no file has this version any more.
    Missing,
    /// Not applied, though a later version is: added out of order.
    OutOfOrder,
    /// A no-transaction migration not recorded as applied, though some of its statements
    /// took effect (a failed or killed run): `chatdb migrate` finishes it.
    PartlyApplied,
}

/// One line of a status report.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub version: i64,
    pub name: String,
    pub state: State,
    pub file: Option<String>,
    pub applied_on: Option<String>,
    pub checksum: Option<String>,
    /// What was found of a partly applied migration, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Entry {
    pub fn is_problem(&self) -> bool {
        matches!(
            self.state,
            State::Diverged | State::Missing | State::OutOfOrder
        )
    }
}

/// Compares the files with the history rows.
pub fn compare(files: &[MigrationFile], history: &[HistoryRow]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let highest_applied = history.iter().map(|h| h.version).max();
    for file in files {
        let checksum = file.to_refinery()?.checksum().to_string();
        let applied = history
            .iter()
            .find(|h| h.version == i64::from(file.version));
        let state = match applied {
            Some(h) if h.checksum == checksum && h.name == file.name => State::Applied,
            Some(_) => State::Diverged,
            None if highest_applied.is_some_and(|v| v > i64::from(file.version)) => {
                State::OutOfOrder
            }
            None => State::Pending,
        };
        entries.push(Entry {
            version: i64::from(file.version),
            name: file.name.clone(),
            state,
            file: Some(file.path.clone()),
            applied_on: applied.map(|h| h.applied_on.clone()),
            checksum: Some(checksum),
            note: None,
        });
    }
    for h in history {
        if !files.iter().any(|f| i64::from(f.version) == h.version) {
            entries.push(Entry {
                version: h.version,
                name: h.name.clone(),
                state: State::Missing,
                file: None,
                applied_on: Some(h.applied_on.clone()),
                checksum: Some(h.checksum.clone()),
                note: None,
            });
        }
    }
    entries.sort_by_key(|e| e.version);
    Ok(entries)
}

/// Marks the pending no-transaction migrations that a failed or killed run left partly
/// applied: an index one of their `CREATE INDEX CONCURRENTLY` statements builds exists
/// (INVALID, or built), or a table, view, sequence, index or column another of their
/// statements makes exists (and no earlier migration makes it), though the migration is not
/// recorded. A drop leaves nothing to see and is not looked for; the file's statements are
/// idempotent, so running it again is safe either way.
pub fn mark_partly_applied(
    session: &mut dyn Session,
    files: &[MigrationFile],
    entries: &mut [Entry],
    dialect: crate::catalog::Dialect,
) -> Result<()> {
    if !online::outside_transactions(dialect) {
        return Ok(());
    }
    for entry in entries.iter_mut().filter(|e| e.state == State::Pending) {
        let Some(file) = files.iter().find(|f| i64::from(f.version) == entry.version) else {
            continue;
        };
        if !online::is_no_transaction(&file.sql) {
            continue;
        }
        // What earlier migrations make is there whether or not this one ran.
        let earlier: Vec<online::Made> = files
            .iter()
            .filter(|f| f.version < file.version)
            .flat_map(|f| {
                sqltext::split(&f.sql)
                    .iter()
                    .filter_map(|s| online::made_by(s.text(&f.sql)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut found = Vec::new();
        for statement in sqltext::split(&file.sql) {
            let text = statement.text(&file.sql);
            if let Some(index) = online::concurrent_index(text) {
                match session.index_valid(&index.name).map_err(|e| anyhow!(e))? {
                    Some(false) => found.push(format!("index {} is INVALID", index.name)),
                    Some(true) => found.push(format!("index {} is built", index.name)),
                    None => {}
                }
                continue;
            }
            let Some(made) = online::made_by(text) else {
                continue;
            };
            if earlier.contains(&made) {
                continue;
            }
            let exists = match &made {
                online::Made::Relation(_, name) => session.table_exists(name),
                online::Made::Column(table, column) => session.column_exists(table, column),
            }
            .map_err(|e| anyhow!(e))?;
            if exists {
                found.push(format!("{made} exists (line {})", statement.line));
            }
        }
        if !found.is_empty() {
            entry.state = State::PartlyApplied;
            entry.note = Some(format!(
                "{}; run `chatdb migrate` to finish it (its statements are idempotent; an INVALID index is dropped and built again)",
                found.join(", ")
            ));
        }
    }
    Ok(())
}

/// Reads the history table, or nothing when it does not exist yet.
pub fn read_history(session: &mut dyn Session, table: &str) -> Result<Vec<HistoryRow>> {
    if !session.table_exists(table).map_err(|e| anyhow!(e))? {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT version, name, applied_on, checksum FROM {table} ORDER BY version");
    session
        .history_rows(&sql)
        .map_err(|e| anyhow::Error::new(e).context(format!("reading the history table {table}")))
}

/// The tables the schema's migrations create, in file order (`CREATE [TEMP] TABLE [IF NOT
/// EXISTS] [ns.]name`, read with the one SQL tokenizer), each once.
pub fn schema_tables(files: &[MigrationFile]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for file in files {
        for statement in sqltext::split(&file.sql) {
            let tokens: Vec<sqltext::Token> = sqltext::tokens(statement.text(&file.sql))
                .into_iter()
                .filter(|t| t.kind != sqltext::TokenKind::Comment)
                .take(8)
                .collect();
            let Some(name) = created_table(&tokens) else {
                continue;
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// The table a `CREATE TABLE` statement's first tokens create.
fn created_table(t: &[sqltext::Token]) -> Option<String> {
    let mut i = 0;
    let at = |i: usize, word: &str| t.get(i).is_some_and(|x| x.is(word));
    if !at(i, "create") {
        return None;
    }
    i += 1;
    if at(i, "temp") || at(i, "temporary") || at(i, "unlogged") {
        i += 1;
    }
    if !at(i, "table") {
        return None;
    }
    i += 1;
    if at(i, "if") && at(i + 1, "not") && at(i + 2, "exists") {
        i += 3;
    }
    let mut name = t.get(i)?;
    if t.get(i + 1).is_some_and(|x| x.is_punct('.')) {
        name = t.get(i + 2)?;
    }
    matches!(
        name.kind,
        sqltext::TokenKind::Word | sqltext::TokenKind::Quoted
    )
    .then(|| name.name())
}

/// Which of the schema's tables exist, when the history table has no rows and every table
/// the first migration creates is there: a database built elsewhere (Alembic, `create_all`,
/// by hand), which `chatdb adopt` takes over. Empty otherwise (history rows, a fresh
/// database, or only some names in common with another schema, such as `messages`).
pub fn built_elsewhere(
    session: &mut dyn Session,
    files: &[MigrationFile],
    history: &[HistoryRow],
) -> Result<Vec<String>> {
    if !history.is_empty() {
        return Ok(Vec::new());
    }
    let Some(first) = files
        .iter()
        .map(|f| schema_tables(std::slice::from_ref(f)))
        .find(|t| !t.is_empty())
    else {
        return Ok(Vec::new());
    };
    let mut present = Vec::new();
    for table in schema_tables(files) {
        if session.table_exists(&table).map_err(|e| anyhow!(e))? {
            present.push(table);
        } else if first.contains(&table) {
            return Ok(Vec::new());
        }
    }
    Ok(present)
}

/// The advice `status` gives and `migrate` refuses with on a database built elsewhere.
pub fn adopt_advice(present: &[String], history_table: &str) -> String {
    let shown: Vec<&str> = present.iter().take(5).map(String::as_str).collect();
    let more = if present.len() > shown.len() {
        format!(" and {} more", present.len() - shown.len())
    } else {
        String::new()
    };
    format!(
        "the database has the schema's tables ({}{more}) but no chatdb history ({history_table}): it was built elsewhere (Alembic, create_all, by hand); run `chatdb adopt` to record the version it is at, then `chatdb migrate`",
        shown.join(", ")
    )
}

/// Refuses to go on when history and files disagree, naming the version and the file.
pub fn refuse_problems(entries: &[Entry]) -> Result<()> {
    let problems: Vec<String> = entries
        .iter()
        .filter(|e| e.is_problem())
        .map(|e| match e.state {
            State::Diverged => format!(
                "V{} ({}) was changed after it was applied: its checksum no longer matches the history table; restore the file and put the change in a new migration",
                e.version,
                e.file.as_deref().unwrap_or("?")
            ),
            State::Missing => format!(
                "V{}__{} is recorded as applied but no migration file has version {}",
                e.version, e.name, e.version
            ),
            _ => format!(
                "V{} ({}) is not applied but a later version is: renumber it above the latest applied version",
                e.version,
                e.file.as_deref().unwrap_or("?")
            ),
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("refusing to migrate:\n  {}", problems.join("\n  "))
    }
}

/// The migrations a run will apply: the pending ones up to `target`.
pub fn pending<'a>(
    files: &'a [MigrationFile],
    entries: &[Entry],
    target: Option<u32>,
) -> Result<Vec<&'a MigrationFile>> {
    if let Some(t) = target {
        if !files.iter().any(|f| f.version == t) {
            let versions: Vec<String> = files.iter().map(|f| f.version.to_string()).collect();
            bail!(
                "unknown --target {t}: this schema's versions are {}",
                versions.join(", ")
            );
        }
        if let Some(highest) = entries
            .iter()
            .filter(|e| e.state == State::Applied)
            .map(|e| e.version)
            .max()
        {
            if highest > i64::from(t) {
                bail!("--target {t} is below the applied version {highest}: chatdb has no down migrations");
            }
        }
    }
    Ok(files
        .iter()
        .filter(|f| {
            entries
                .iter()
                .any(|e| e.version == i64::from(f.version) && e.state == State::Pending)
        })
        .filter(|f| target.is_none_or(|t| f.version <= t))
        .collect())
}

/// What a migrate run did.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub applied: Vec<Entry>,
    pub already_applied: usize,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
    /// The groups that committed, in order (see [`online::groups`]).
    pub groups: Vec<Group>,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// How a run waits: for the migrate lock, and (each statement) for the locks it takes.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// How long to wait for another run's migrate lock (`--lock-timeout`).
    pub lock_timeout: Duration,
    /// Each migration statement's lock timeout and its retries (`--ddl-lock-timeout`,
    /// `--ddl-retries`).
    pub ddl: Retry,
}

/// Applies the pending migrations up to `target` under the migrate lock. Without a
/// pending no-transaction migration, in one transaction; with one (PostgreSQL), in groups
/// ([`online::groups`]) under the session-level lock: each transactional group commits
/// with its history rows, each no-transaction migration runs statement by statement and
/// its history row is written when its last statement succeeded.
pub fn migrate(
    conn: &mut Conn,
    files: &[MigrationFile],
    history_table: &str,
    namespace: &str,
    target: Option<u32>,
    waits: Waits,
) -> Result<Outcome> {
    let started = Instant::now();
    // A first look decides how to lock and group; what runs is read again under the lock.
    // PostgreSQL looks outside the lock; SQLite, only when a file is a table rebuild, takes
    // its lock for it (a reader of a file another connection holds would fail, not wait).
    let dialect = conn.dialect();
    let look = match dialect {
        Dialect::Postgres => Some(TxKind::Read),
        Dialect::Sqlite => files
            .iter()
            .any(|f| online::is_foreign_keys_off(&f.sql))
            .then_some(TxKind::Locked),
    };
    let ahead = match look {
        Some(kind) => {
            let history = conn.in_transaction(kind, namespace, waits.lock_timeout, |s| {
                read_history(s, history_table)
            })?;
            let entries = compare(files, &history)?;
            online::groups(&pending(files, &entries, target)?, dialect)
        }
        None => Vec::new(),
    };
    let outside = ahead.iter().any(|g| !g.transaction);
    let (applied, already, groups) =
        if outside && conn.hold_migrate_lock(namespace, waits.lock_timeout)? {
            let result = run_groups(conn, files, history_table, namespace, target, waits);
            let released = conn.release_migrate_lock(namespace);
            let done = result?;
            released?;
            done
        } else if ahead.iter().any(|g| g.foreign_keys_off) {
            run_rebuild_groups(conn, files, history_table, namespace, waits, ahead)?
        } else {
            let (applied, already) = run_transaction(
                conn,
                files,
                history_table,
                namespace,
                target,
                waits,
                &[],
                false,
            )?;
            let groups = if applied.is_empty() {
                Vec::new()
            } else {
                vec![Group::transactional(
                    applied.iter().map(|f| f.version).collect(),
                )]
            };
            (applied, already, groups)
        };
    let history = conn.in_transaction(TxKind::Read, namespace, waits.lock_timeout, |s| {
        read_history(s, history_table)
    })?;
    let entries = compare(files, &history)?;
    let applied = entries
        .into_iter()
        .filter(|e| {
            applied
                .iter()
                .any(|f: &MigrationFile| i64::from(f.version) == e.version)
        })
        .collect();
    Ok(Outcome {
        applied,
        already_applied: already,
        elapsed: started.elapsed(),
        groups,
    })
}

/// The groups of a SQLite run with a table rebuild (see [`online::groups`]): each in a
/// transaction of its own, in order, the rebuild with foreign keys off.
fn run_rebuild_groups(
    conn: &mut Conn,
    files: &[MigrationFile],
    history_table: &str,
    namespace: &str,
    waits: Waits,
    groups: Vec<Group>,
) -> Result<(Vec<MigrationFile>, usize, Vec<Group>)> {
    let mut applied = Vec::new();
    let mut already = None;
    let mut committed: Vec<Group> = Vec::new();
    for group in groups {
        let (done, before) = run_transaction(
            conn,
            files,
            history_table,
            namespace,
            group.versions.last().copied(),
            waits,
            &committed,
            group.foreign_keys_off,
        )?;
        already.get_or_insert(before);
        applied.extend(done);
        committed.push(group);
    }
    Ok((applied, already.unwrap_or_default(), committed))
}

/// The groups of a run with a no-transaction migration, under the session-level lock.
fn run_groups(
    conn: &mut Conn,
    files: &[MigrationFile],
    history_table: &str,
    namespace: &str,
    target: Option<u32>,
    waits: Waits,
) -> Result<(Vec<MigrationFile>, usize, Vec<Group>)> {
    let Some(session) = conn.autocommit() else {
        bail!("this database cannot run statements outside a transaction");
    };
    let history = read_history(session, history_table)?;
    let present = built_elsewhere(session, files, &history)?;
    if !present.is_empty() {
        bail!(
            "refusing to migrate: {}",
            adopt_advice(&present, history_table)
        );
    }
    let entries = compare(files, &history)?;
    refuse_problems(&entries)?;
    let todo = pending(files, &entries, target)?;
    let already = entries.iter().filter(|e| e.state == State::Applied).count();
    let mut applied: Vec<MigrationFile> = Vec::new();
    let mut committed: Vec<Group> = Vec::new();
    for group in online::groups(&todo, conn.dialect()) {
        let last = group.versions.last().copied();
        if group.transaction {
            let (done, _) = run_transaction(
                conn,
                files,
                history_table,
                namespace,
                last,
                waits,
                &committed,
                group.foreign_keys_off,
            )?;
            applied.extend(done);
        } else if let Some(file) = todo.iter().find(|f| Some(f.version) == last) {
            run_outside(
                conn,
                file,
                files,
                history_table,
                namespace,
                waits,
                &committed,
            )?;
            applied.push((*file).clone());
        }
        committed.push(group);
    }
    Ok((applied, already, committed))
}

/// How long each try waited for its lock, and who held locks on the namespace's tables when
/// the last one gave up (an application, most often, not chatdb).
fn waited_note(waits: Waits, holders: &[String]) -> String {
    let mut text = format!(
        "\n  waited:    {} (--ddl-lock-timeout) for a lock on a table of the migration, each try",
        humantime::format_duration(waits.ddl.lock_timeout)
    );
    if holders.is_empty() {
        text.push_str("\n  holders:   none left by now (the lock was released meanwhile)");
    }
    for (i, h) in holders.iter().enumerate() {
        text.push_str(&format!(
            "\n  {}{h}",
            if i == 0 { "holders:   " } else { "           " }
        ));
    }
    text
}

/// `committed: V1, V2` for a failure after some groups committed; empty before any did.
fn committed_note(committed: &[Group]) -> String {
    if committed.is_empty() {
        return String::new();
    }
    let versions: Vec<u32> = committed.iter().flat_map(|g| g.versions.clone()).collect();
    format!(
        "\n  committed: {} (earlier groups of this run; they stay applied)",
        online::versions_label(&versions)
    )
}

/// Runs the pending migrations up to `target` in one transaction with their history rows,
/// trying the whole transaction again (after a pause) when a statement timed out waiting
/// for its lock. `foreign_keys_off`: a SQLite table rebuild, run with foreign keys off and
/// refused before it commits if it leaves a violated foreign key.
#[allow(clippy::too_many_arguments)]
fn run_transaction(
    conn: &mut Conn,
    files: &[MigrationFile],
    history_table: &str,
    namespace: &str,
    target: Option<u32>,
    waits: Waits,
    committed: &[Group],
    foreign_keys_off: bool,
) -> Result<(Vec<MigrationFile>, usize)> {
    let tries = waits.ddl.retries + 1;
    let mut attempt = 1;
    loop {
        let mut failure: Option<(Vec<MigrationFile>, usize, Failed)> = None;
        let opts = TxOpts {
            lock_timeout: Some(waits.lock_timeout),
            foreign_keys_off,
            ..TxOpts::new(TxKind::Locked, namespace)
        };
        let result = conn.with_opts(&opts, |session| {
            session.set_lock_timeout(waits.ddl.lock_timeout)?;
            let done = apply_in(session, files, history_table, target, &mut failure)?;
            if foreign_keys_off {
                refuse_violations(session, &done.0)?;
            }
            Ok(done)
        });
        let err = match result {
            Ok(done) => return Ok(done),
            Err(err) => err,
        };
        let Some((todo, index, failed)) = failure else {
            // Keep the error itself (a lock error exits 3) unless groups committed before.
            if committed.is_empty() {
                return Err(err);
            }
            return Err(anyhow!("{err:#}{}", committed_note(committed)));
        };
        let mut holders = Vec::new();
        let lock_wait = failed.located.error.is_lock_timeout();
        if lock_wait {
            holders = conn.lock_holders();
            let what = todo.get(index / 2).map_or("migration".to_string(), |f| {
                format!("{}, line {}", f.file_name(), failed.located.statement.line)
            });
            eprintln!("{}", waits.ddl.log_line(&what, attempt, &holders));
            if attempt < tries {
                std::thread::sleep(waits.ddl.backoff(attempt));
                attempt += 1;
                continue;
            }
        }
        let mut e = explain_failure(&todo, index, failed).to_string();
        if attempt > 1 {
            e.push_str(&format!("\n  tries:     {attempt}, each rolled back"));
        }
        if lock_wait {
            e.push_str(&waited_note(waits, &holders));
        }
        e.push_str(&committed_note(committed));
        return Err(anyhow!(e));
    }
}

/// Before a table rebuild run with foreign keys off commits: `PRAGMA foreign_key_check`
/// must find nothing, or the transaction rolls back.
fn refuse_violations(session: &mut dyn Session, done: &[MigrationFile]) -> Result<()> {
    let violations = session.foreign_key_violations().map_err(|e| anyhow!(e))?;
    if violations.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = done.iter().map(|f| f.path.clone()).collect();
    bail!(
        "table rebuild {} ({}) left rows that violate foreign keys; nothing of it was applied (rolled back)\n  foreign_key_check: {}\n  copy every row the other tables reference, or fix those rows first",
        names.join(", "),
        online::FOREIGN_KEYS_OFF_MARKER,
        violations.join("\n                     ")
    )
}

/// The body of the migrate transaction: refinery applies the pending migrations up to
/// `target` through the [`Adapter`]; a failing statement is left in `failure`.
fn apply_in(
    session: &mut dyn Session,
    files: &[MigrationFile],
    history_table: &str,
    target: Option<u32>,
    failure: &mut Option<(Vec<MigrationFile>, usize, Failed)>,
) -> Result<(Vec<MigrationFile>, usize)> {
    // Read again under the lock: another run may have applied everything meanwhile.
    let history = read_history(session, history_table)?;
    let present = built_elsewhere(session, files, &history)?;
    if !present.is_empty() {
        bail!(
            "refusing to migrate: {}",
            adopt_advice(&present, history_table)
        );
    }
    let entries = compare(files, &history)?;
    refuse_problems(&entries)?;
    let todo: Vec<MigrationFile> = pending(files, &entries, target)?
        .into_iter()
        .cloned()
        .collect();
    let already = entries.iter().filter(|e| e.state == State::Applied).count();
    if todo.is_empty() {
        return Ok((Vec::new(), already));
    }
    let runner = runner(
        files,
        history_table,
        match target {
            Some(t) => refinery::Target::Version(t as i32),
            None => refinery::Target::Latest,
        },
    )?;
    let mut adapter = Adapter {
        session,
        failed: None,
    };
    match runner.run(&mut adapter) {
        Ok(report) => {
            let done: Vec<u32> = report
                .applied_migrations()
                .iter()
                .map(|m| m.version() as u32)
                .collect();
            let applied = todo
                .iter()
                .filter(|f| done.contains(&f.version))
                .cloned()
                .collect();
            Ok((applied, already))
        }
        Err(e) => match adapter.failed.take() {
            Some((index, located)) => {
                *failure = Some((todo, index, located));
                Err(anyhow!("migration failed"))
            }
            None => Err(anyhow!("refinery: {e}")),
        },
    }
}

/// refinery's runner over `files`, as every run configures it.
fn runner(
    files: &[MigrationFile],
    history_table: &str,
    target: refinery::Target,
) -> Result<refinery::Runner> {
    let migrations = files
        .iter()
        .map(MigrationFile::to_refinery)
        .collect::<Result<Vec<_>>>()?;
    let mut runner = refinery::Runner::new(&migrations)
        .set_grouped(true)
        .set_abort_divergent(true)
        .set_abort_missing(true)
        .set_target(target);
    runner.set_migration_table_name(history_table);
    Ok(runner)
}

/// Runs one no-transaction migration statement by statement outside a transaction, each
/// with the DDL lock timeout and its retries; an INVALID index that an earlier, failed or
/// killed `CREATE INDEX CONCURRENTLY` of the file left is dropped (concurrently) and built
/// again. When the last statement succeeded, refinery writes the history row (its own
/// format and checksum, as a "fake" apply of this one version) in a short locked
/// transaction.
fn run_outside(
    conn: &mut Conn,
    file: &MigrationFile,
    files: &[MigrationFile],
    history_table: &str,
    namespace: &str,
    waits: Waits,
    committed: &[Group],
) -> Result<()> {
    fn outside(conn: &mut Conn) -> Result<&mut dyn Session> {
        conn.autocommit()
            .ok_or_else(|| anyhow!("this database cannot run statements outside a transaction"))
    }
    outside(conn)?.set_lock_timeout(waits.ddl.lock_timeout)?;
    let tries = waits.ddl.retries + 1;
    for statement in sqltext::split(&file.sql) {
        let text = statement.text(&file.sql);
        let mut attempt = 1;
        loop {
            let session = outside(conn)?;
            let result = recover_index(session, file, text).and_then(|()| session.batch(text));
            let Err(error) = result else { break };
            let mut holders = Vec::new();
            if error.is_lock_timeout() {
                holders = conn.lock_holders();
                let what = format!("{}, line {}", file.file_name(), statement.line);
                eprintln!("{}", waits.ddl.log_line(&what, attempt, &holders));
                if attempt < tries {
                    std::thread::sleep(waits.ddl.backoff(attempt));
                    attempt += 1;
                    continue;
                }
            }
            let mut text = format!(
                "migration {} failed outside a transaction (-- chatdb:no-transaction)\n  file:      {}, line {}\n  statement: {}\n  error:     {}",
                file.refinery_name(),
                file.path,
                statement.line,
                sqltext::abbreviate(text, 160),
                error.message.replace('\n', "\n             ")
            );
            if attempt > 1 {
                text.push_str(&format!("\n  tries:     {attempt}"));
            }
            if error.is_lock_timeout() {
                text.push_str(&waited_note(waits, &holders));
            }
            if let Some(left) = drop_left_invalid(outside(conn)?, statement.text(&file.sql)) {
                text.push_str(&format!("\n  {left}"));
            }
            text.push_str(&format!(
                "\n  the statements before line {} took effect and stay; {} is not recorded as applied. Fix the cause and run `chatdb migrate` again: the file's statements are idempotent (IF NOT EXISTS / IF EXISTS), and an INVALID index left by CONCURRENTLY is dropped and built again",
                statement.line,
                file.refinery_name()
            ));
            text.push_str(&committed_note(committed));
            return Err(anyhow!(text));
        }
    }
    // The history row, as refinery writes it, in a transaction of its own under the lock.
    let opts = TxOpts {
        lock_timeout: Some(waits.lock_timeout),
        ..TxOpts::new(TxKind::Locked, namespace)
    };
    conn.with_opts(&opts, |session| {
        let runner = runner(
            files,
            history_table,
            refinery::Target::FakeVersion(file.version as i32),
        )?;
        let mut adapter = Adapter {
            session,
            failed: None,
        };
        runner
            .run(&mut adapter)
            .map(|_| ())
            .map_err(|e| anyhow!("recording {} in {history_table}: {e}", file.file_name()))
    })
    .with_context(|| {
        format!(
            "every statement of {} succeeded but its history row was not written; run `chatdb migrate` again (the statements are idempotent)",
            file.file_name()
        )
    })
}

/// After a `CREATE INDEX CONCURRENTLY` failed for good: the INVALID index it left is
/// dropped (concurrently), so that the failed statement leaves nothing behind; says what
/// became of it, or `None` when it left nothing.
fn drop_left_invalid(session: &mut dyn Session, statement: &str) -> Option<String> {
    let index = online::concurrent_index(statement)?;
    if session.index_valid(&index.name).ok()? != Some(false) {
        return None;
    }
    let drop = format!(
        "DROP INDEX CONCURRENTLY IF EXISTS {}",
        quote_ident(&index.name)
    );
    Some(match session.batch(&drop) {
        Ok(()) => format!(
            "the INVALID index {} the failed build left was dropped",
            index.name
        ),
        Err(e) => format!(
            "the failed build left the INVALID index {} ({}); the next migrate drops and rebuilds it",
            index.name,
            sqltext::abbreviate(&e.message, 160)
        ),
    })
}

/// Before a `CREATE INDEX CONCURRENTLY`: an INVALID index of that name (what a failed or
/// killed build leaves) is dropped concurrently, so that the statement builds it again.
fn recover_index(
    session: &mut dyn Session,
    file: &MigrationFile,
    statement: &str,
) -> Result<(), SqlError> {
    let Some(index) = online::concurrent_index(statement) else {
        return Ok(());
    };
    if session.index_valid(&index.name)? != Some(false) {
        return Ok(());
    }
    eprintln!(
        "chatdb: {}: index {} is INVALID (left by a failed or interrupted CONCURRENTLY build): dropping it concurrently and building it again",
        file.file_name(),
        index.name
    );
    session.batch(&format!(
        "DROP INDEX CONCURRENTLY IF EXISTS {}",
        quote_ident(&index.name)
    ))
}

/// Builds the error for a failed run: which migration, file, line, statement, and why.
/// The transaction is already rolled back; the failing statement is the one the adapter
/// was running when the server refused it.
fn explain_failure(todo: &[MigrationFile], batch_index: usize, failed: Failed) -> anyhow::Error {
    let Failed { located, statement } = failed;
    let err = located.error;
    // refinery's grouped batch is [sql 1, history row 1, sql 2, history row 2, ...].
    let Some(file) = todo.get(batch_index / 2) else {
        return anyhow!("migration failed: {}", err.message);
    };
    if batch_index % 2 == 1 {
        return anyhow!(
            "recording {} in the history table failed; nothing was applied (the whole run was rolled back)\n  error:     {}",
            file.file_name(),
            err.message
        );
    }
    // Not a statement of this file: refinery's own bookkeeping (its history table) failed.
    if file.sql.get(located.statement.start..located.statement.end) != Some(statement.as_str()) {
        return anyhow!(
            "migration failed; nothing was applied (the whole run was rolled back)\n  statement: {}\n  error:     {}",
            sqltext::abbreviate(&statement, 160),
            err.message
        );
    }
    let line = located.statement.line;
    let mut text = format!(
        "migration {} failed; nothing was applied (the whole run was rolled back)\n  file:      {}",
        file.refinery_name(),
        file.path
    );
    if line > 0 {
        text.push_str(&format!(
            ", line {line}\n  statement: {}",
            sqltext::abbreviate(&statement, 160)
        ));
    }
    text.push_str(&format!(
        "\n  error:     {}",
        err.message.replace('\n', "\n             ")
    ));
    anyhow!(text)
}

/// The statement a run failed on.
struct Failed {
    located: Located,
    /// Its text.
    statement: String,
}

/// refinery's view of chatdb's open transaction.
struct Adapter<'s> {
    session: &'s mut dyn Session,
    /// Index, within the last `execute` call, of the query that failed, and where in it.
    failed: Option<(usize, Failed)>,
}

impl Transaction for Adapter<'_> {
    type Error = SqlError;

    /// Runs each query (a migration, or a history row) statement by statement.
    fn execute<'a, T: Iterator<Item = &'a str>>(&mut self, queries: T) -> Result<usize, SqlError> {
        let mut count = 0;
        for (i, query) in queries.enumerate() {
            if let Some(code) = crate::interrupt::fired() {
                // Interrupted between two migrations: stop here; the transaction rolls back.
                return Err(SqlError::other(format!(
                    "interrupted by {}",
                    crate::interrupt::name(code)
                )));
            }
            if let Err(located) = run_file(self.session, query) {
                let error = located.error.clone();
                let statement = located.statement.text(query).to_string();
                self.failed = Some((i, Failed { located, statement }));
                return Err(error);
            }
            count += 1;
        }
        Ok(count)
    }
}

impl Query<Vec<refinery::Migration>> for Adapter<'_> {
    fn query(&mut self, query: &str) -> Result<Vec<refinery::Migration>, SqlError> {
        let rows = self.session.history_rows(query)?;
        rows.into_iter()
            .map(|r| {
                let bad = |what: &str| {
                    SqlError::other(format!(
                        "history row for version {} has an unreadable {what}",
                        r.version
                    ))
                };
                let applied_on = time::OffsetDateTime::parse(
                    &r.applied_on,
                    &time::format_description::well_known::Rfc3339,
                )
                .map_err(|_| bad("applied_on"))?;
                let checksum = r.checksum.parse::<u64>().map_err(|_| bad("checksum"))?;
                let version = i32::try_from(r.version).map_err(|_| bad("version"))?;
                Ok(refinery::Migration::applied(
                    version, r.name, applied_on, checksum,
                ))
            })
            .collect()
    }
}

impl refinery::Migrate for Adapter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(sql: &str) -> MigrationFile {
        MigrationFile {
            version: 1,
            name: "x".into(),
            path: "V1__x.sql".into(),
            sql: sql.into(),
        }
    }

    #[test]
    fn the_tables_a_schema_creates_are_read_with_the_tokenizer() {
        let sql = "-- CREATE TABLE not_me (a int);\nCREATE TABLE users (id int);\ncreate table if not exists \"user\" (id int);\nCREATE TABLE app.rooms(id int);\nCREATE INDEX i ON users (id);\nINSERT INTO t VALUES ('CREATE TABLE nope');\nCREATE TABLE users (id int);\n";
        assert_eq!(schema_tables(&[file(sql)]), ["users", "user", "rooms"]);
    }
}
