//! The database error type: a failed statement in the server's own words, with the code
//! the driver reported (PostgreSQL's SQLSTATE as `postgres::error::SqlState`, SQLite's
//! `rusqlite::ErrorCode`), so that retry and back-off decisions match on the code and
//! never on message text. Every driver error becomes a [`SqlError`] through the
//! conversions here (and [`SqlResult::sql`]); nowhere else formats a driver error.

use postgres::error::SqlState;

/// The code a driver gave for an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// A PostgreSQL SQLSTATE.
    Postgres(SqlState),
    /// A SQLite primary result code.
    Sqlite(rusqlite::ErrorCode),
}

/// A failed SQL statement, in the server's own words.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SqlError {
    pub message: String,
    /// Byte offset into the SQL text where the server located the error, if it did.
    pub offset: Option<usize>,
    /// The driver's code, when the server (or SQLite) gave one.
    pub code: Option<Code>,
}

impl SqlError {
    /// An error chatdb itself raises about the SQL exchange (no code).
    pub fn other(message: impl Into<String>) -> SqlError {
        SqlError {
            message: message.into(),
            offset: None,
            code: None,
        }
    }

    /// A PostgreSQL error; `sql` (the text sent) turns the server's position into an offset.
    pub fn postgres(e: &postgres::Error, sql: Option<&str>) -> SqlError {
        let offset = sql.and_then(|sql| {
            e.as_db_error().and_then(|db| match db.position() {
                Some(postgres::error::ErrorPosition::Original(p)) => {
                    Some(crate::sqltext::char_pos_to_byte(sql, *p as usize))
                }
                _ => None,
            })
        });
        SqlError {
            message: super::postgres::describe(e),
            offset,
            code: e.code().cloned().map(Code::Postgres),
        }
    }

    /// A SQLite error. `prefix` goes before rusqlite's text (`"SQLite: "` where the message
    /// stands alone in a report).
    pub fn sqlite(e: &rusqlite::Error, prefix: &str) -> SqlError {
        let offset = match e {
            rusqlite::Error::SqlInputError { offset, .. } if *offset >= 0 => Some(*offset as usize),
            _ => None,
        };
        SqlError {
            message: format!("{prefix}{e}"),
            offset,
            code: e.sqlite_error_code().map(Code::Sqlite),
        }
    }

    /// The same error with its offset moved by `by` bytes (a statement sent alone, located
    /// in its file).
    pub fn shifted(mut self, by: usize) -> SqlError {
        self.offset = self.offset.map(|o| o + by);
        self
    }

    fn pg_code(&self) -> Option<&SqlState> {
        match &self.code {
            Some(Code::Postgres(c)) => Some(c),
            _ => None,
        }
    }

    fn sqlite_code(&self) -> Option<rusqlite::ErrorCode> {
        match &self.code {
            Some(Code::Sqlite(c)) => Some(*c),
            _ => None,
        }
    }

    /// PostgreSQL 55P03: a lock was not had within `lock_timeout`.
    pub fn is_lock_timeout(&self) -> bool {
        self.pg_code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
    }

    /// PostgreSQL 57014 (canceled, here by `statement_timeout`); SQLite: interrupted (by
    /// chatdb's timer, SQLite's only statement timeout).
    pub fn is_statement_timeout(&self) -> bool {
        self.pg_code() == Some(&SqlState::QUERY_CANCELED)
            || self.sqlite_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
    }

    /// SQLite: another connection holds the lock (busy or locked).
    pub fn is_busy(&self) -> bool {
        matches!(
            self.sqlite_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }

    /// PostgreSQL: a parameter whose type the SQL alone does not fix (42P18, 42P08).
    pub fn is_undetermined_parameter(&self) -> bool {
        self.pg_code().is_some_and(|c| {
            *c == SqlState::INDETERMINATE_DATATYPE || *c == SqlState::AMBIGUOUS_PARAMETER
        })
    }

    /// The first [`SqlError`] in an error chain.
    pub fn find(err: &anyhow::Error) -> Option<&SqlError> {
        err.chain().find_map(|e| e.downcast_ref::<SqlError>())
    }
}

impl From<postgres::Error> for SqlError {
    fn from(e: postgres::Error) -> SqlError {
        SqlError::postgres(&e, None)
    }
}

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> SqlError {
        SqlError::sqlite(&e, "")
    }
}

/// `.sql()` on a driver result: the error as a [`SqlError`] (then `?` into `anyhow`).
pub trait SqlResult<T> {
    fn sql(self) -> Result<T, SqlError>;
}

impl<T> SqlResult<T> for Result<T, postgres::Error> {
    fn sql(self) -> Result<T, SqlError> {
        self.map_err(SqlError::from)
    }
}

impl<T> SqlResult<T> for Result<T, rusqlite::Error> {
    fn sql(self) -> Result<T, SqlError> {
        self.map_err(SqlError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_answer_the_questions_retries_ask() {
        let pg = |c: SqlState| SqlError {
            code: Some(Code::Postgres(c)),
            ..SqlError::other("x")
        };
        assert!(pg(SqlState::LOCK_NOT_AVAILABLE).is_lock_timeout());
        assert!(!pg(SqlState::LOCK_NOT_AVAILABLE).is_statement_timeout());
        assert!(pg(SqlState::QUERY_CANCELED).is_statement_timeout());
        assert!(pg(SqlState::INDETERMINATE_DATATYPE).is_undetermined_parameter());
        let lite = |c| SqlError {
            code: Some(Code::Sqlite(c)),
            ..SqlError::other("x")
        };
        assert!(lite(rusqlite::ErrorCode::DatabaseBusy).is_busy());
        assert!(lite(rusqlite::ErrorCode::DatabaseLocked).is_busy());
        assert!(lite(rusqlite::ErrorCode::OperationInterrupted).is_statement_timeout());
        assert!(
            !SqlError::other("55P03 57014").is_lock_timeout(),
            "text is not a code"
        );
        let chained = anyhow::Error::new(pg(SqlState::QUERY_CANCELED)).context("deleting");
        assert!(SqlError::find(&chained).is_some_and(SqlError::is_statement_timeout));
    }
}
