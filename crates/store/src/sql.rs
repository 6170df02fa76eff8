//! Statements that run on either backend. A [`Statement`] is one SQL text
//! (written once, in the portable subset the crate uses) with its bound
//! values; it runs on a [`Tx`] (a write transaction) or a [`Reader`] (a
//! read connection) of whichever backend the store was opened on. Every
//! database flow of the crate is an ordinary function over `&mut Tx` or
//! `&mut Reader`, so a reader, a debugger or a refactoring tool follows
//! every call.

use crate::{Placeholders, Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, FromRow, PgConnection, Postgres, SqlSafeStr, SqlStr, Sqlite, SqliteConnection};
use std::borrow::Cow;
use std::marker::PhantomData;

/// A value bound to a statement. The variants are the column types the
/// schema uses; an absent value keeps its type, which PostgreSQL needs.
#[derive(Debug, Clone)]
pub(crate) enum Value<'q> {
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Text(Option<Cow<'q, str>>),
    Bytes(Option<Cow<'q, [u8]>>),
}

impl From<&i64> for Value<'_> {
    fn from(value: &i64) -> Self {
        Value::Int(Some(*value))
    }
}

impl<'q> From<&&'q String> for Value<'q> {
    fn from(value: &&'q String) -> Self {
        Value::Text(Some(Cow::Borrowed(value.as_str())))
    }
}

impl From<i64> for Value<'_> {
    fn from(value: i64) -> Self {
        Value::Int(Some(value))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(value: Option<i64>) -> Self {
        Value::Int(value)
    }
}

impl From<i32> for Value<'_> {
    fn from(value: i32) -> Self {
        Value::Int(Some(i64::from(value)))
    }
}

impl From<u32> for Value<'_> {
    fn from(value: u32) -> Self {
        Value::Int(Some(i64::from(value)))
    }
}

impl From<f64> for Value<'_> {
    fn from(value: f64) -> Self {
        Value::Real(Some(value))
    }
}

impl From<Option<f64>> for Value<'_> {
    fn from(value: Option<f64>) -> Self {
        Value::Real(value)
    }
}

impl From<bool> for Value<'_> {
    fn from(value: bool) -> Self {
        Value::Bool(Some(value))
    }
}

impl From<Option<bool>> for Value<'_> {
    fn from(value: Option<bool>) -> Self {
        Value::Bool(value)
    }
}

impl<'q> From<&'q str> for Value<'q> {
    fn from(value: &'q str) -> Self {
        Value::Text(Some(Cow::Borrowed(value)))
    }
}

impl<'q> From<&'q String> for Value<'q> {
    fn from(value: &'q String) -> Self {
        Value::Text(Some(Cow::Borrowed(value.as_str())))
    }
}

impl From<String> for Value<'_> {
    fn from(value: String) -> Self {
        Value::Text(Some(Cow::Owned(value)))
    }
}

impl<'q> From<Option<&'q str>> for Value<'q> {
    fn from(value: Option<&'q str>) -> Self {
        Value::Text(value.map(Cow::Borrowed))
    }
}

impl<'q> From<&'q Option<String>> for Value<'q> {
    fn from(value: &'q Option<String>) -> Self {
        Value::Text(value.as_deref().map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Value<'_> {
    fn from(value: Option<String>) -> Self {
        Value::Text(value.map(Cow::Owned))
    }
}

impl<'q> From<&'q [u8]> for Value<'q> {
    fn from(value: &'q [u8]) -> Self {
        Value::Bytes(Some(Cow::Borrowed(value)))
    }
}

impl<'q> From<&'q Vec<u8>> for Value<'q> {
    fn from(value: &'q Vec<u8>) -> Self {
        Value::Bytes(Some(Cow::Borrowed(value.as_slice())))
    }
}

impl From<Vec<u8>> for Value<'_> {
    fn from(value: Vec<u8>) -> Self {
        Value::Bytes(Some(Cow::Owned(value)))
    }
}

impl From<Option<Vec<u8>>> for Value<'_> {
    fn from(value: Option<Vec<u8>>) -> Self {
        Value::Bytes(value.map(Cow::Owned))
    }
}

impl<'q> From<&'q Option<Vec<u8>>> for Value<'q> {
    fn from(value: &'q Option<Vec<u8>>) -> Self {
        Value::Bytes(value.as_deref().map(Cow::Borrowed))
    }
}

fn encode_error(error: sqlx::error::BoxDynError) -> StoreError {
    StoreError::Database(sqlx::Error::Encode(error))
}

fn sqlite_arguments(values: Vec<Value<'_>>) -> Result<SqliteArguments> {
    let mut arguments = SqliteArguments::default();
    arguments.reserve(values.len(), 0);
    for value in values {
        match value {
            Value::Int(v) => arguments.add(v),
            Value::Real(v) => arguments.add(v),
            Value::Bool(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v.map(Cow::into_owned)),
            Value::Bytes(v) => arguments.add(v.map(Cow::into_owned)),
        }
        .map_err(encode_error)?;
    }
    Ok(arguments)
}

fn postgres_arguments(values: Vec<Value<'_>>) -> Result<PgArguments> {
    let mut arguments = PgArguments::default();
    arguments.reserve(values.len(), values.len() * 8);
    for value in values {
        match value {
            Value::Int(v) => arguments.add(v),
            Value::Real(v) => arguments.add(v),
            Value::Bool(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v.as_deref()),
            Value::Bytes(v) => arguments.add(v.as_deref()),
        }
        .map_err(encode_error)?;
    }
    Ok(arguments)
}

/// A connection of either backend, as a statement runs on it.
pub(crate) enum Raw<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Something a statement runs on: a transaction or a read connection.
pub(crate) trait Connection: Send {
    fn raw(&mut self) -> Raw<'_>;
}

impl<C: Connection + ?Sized> Connection for &mut C {
    fn raw(&mut self) -> Raw<'_> {
        (**self).raw()
    }
}

/// A write transaction (or a savepoint inside one). Dropping it without
/// [`Tx::commit`] rolls it back, so an early `?` leaves nothing written.
pub(crate) enum Tx<'c> {
    Sqlite(sqlx::Transaction<'c, Sqlite>),
    Postgres(sqlx::Transaction<'c, Postgres>),
}

impl Connection for Tx<'_> {
    fn raw(&mut self) -> Raw<'_> {
        match self {
            Tx::Sqlite(tx) => Raw::Sqlite(tx),
            Tx::Postgres(tx) => Raw::Postgres(tx),
        }
    }
}

impl Tx<'_> {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// A savepoint: committing it keeps its writes in this transaction,
    /// dropping or rolling it back undoes them only.
    pub async fn savepoint(&mut self) -> Result<Tx<'_>> {
        Ok(match self {
            Tx::Sqlite(tx) => Tx::Sqlite(sqlx::Connection::begin(&mut **tx).await?),
            Tx::Postgres(tx) => Tx::Postgres(sqlx::Connection::begin(&mut **tx).await?),
        })
    }

    /// How generated multi-row statements name their parameters here.
    pub fn placeholders(&self) -> Placeholders {
        match self {
            Tx::Sqlite(_) => Placeholders::Anonymous,
            Tx::Postgres(_) => Placeholders::Numbered,
        }
    }

    /// What a `SELECT` appends to lock the rows it reads until the
    /// transaction ends: PostgreSQL locks rows; SQLite's `BEGIN IMMEDIATE`
    /// already excludes every other writer.
    pub fn row_lock(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }

    /// What a `SELECT` of work to claim appends: PostgreSQL locks the rows
    /// it reads and passes over rows another transaction holds, so that
    /// two processes claim different jobs; on SQLite `BEGIN IMMEDIATE`
    /// already makes the claiming transaction the only writer.
    pub fn claim_lock(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Draws `count` ids for new rows of `table`, so that multi-row inserts
    /// name their ids instead of returning them (on SQLite every returned
    /// row is one more message from sqlx's worker thread). SQLite: the ids
    /// after the largest, which an `INTEGER PRIMARY KEY` would pick too;
    /// `BEGIN IMMEDIATE` makes this the only writer until it commits.
    /// PostgreSQL: values of the table's identity sequence.
    pub async fn reserve_ids(&mut self, table: &'static str, count: usize) -> Result<Vec<i64>> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        match self {
            Tx::Sqlite(_) => {
                let first: i64 = query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"
                )))
                .fetch_one(self)
                .await?;
                Ok((first..first + count).collect())
            }
            Tx::Postgres(_) => {
                query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT nextval('{table}_id_seq') FROM generate_series(1, $1)"
                )))
                .bind(count)
                .fetch_all(self)
                .await
            }
        }
    }
}

/// A read connection from the readers' pool (SQLite) or the pool (PostgreSQL).
pub(crate) enum Reader {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Connection for Reader {
    fn raw(&mut self) -> Raw<'_> {
        match self {
            Reader::Sqlite(conn) => Raw::Sqlite(conn),
            Reader::Postgres(conn) => Raw::Postgres(conn),
        }
    }
}

/// What a statement that returns no rows did.
pub(crate) struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A row type both backends can decode (a `sqlx::FromRow` struct or a tuple).
pub(crate) trait FromEitherRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> FromEitherRow for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// One SQL text and its values, run for its effect.
pub(crate) struct Statement<'q> {
    sql: SqlStr,
    values: Vec<Value<'q>>,
    /// Whether the backend keeps the statement prepared for the next run
    /// (the default); off for texts that seldom repeat.
    persistent: bool,
}

/// A statement that returns rows of `T`.
pub(crate) struct RowsOf<'q, T> {
    statement: Statement<'q>,
    row: PhantomData<fn() -> T>,
}

/// A statement that returns one column of `T` per row.
pub(crate) struct ScalarsOf<'q, T> {
    rows: RowsOf<'q, (T,)>,
}

/// A statement run for its effect.
pub(crate) fn query<'q>(sql: impl SqlSafeStr) -> Statement<'q> {
    Statement {
        sql: sql.into_sql_str(),
        values: Vec::new(),
        persistent: true,
    }
}

/// A statement whose rows are decoded as `T`.
pub(crate) fn query_as<'q, T: FromEitherRow>(sql: impl SqlSafeStr) -> RowsOf<'q, T> {
    RowsOf {
        statement: query(sql),
        row: PhantomData,
    }
}

/// A statement whose rows are one column, decoded as `T`.
pub(crate) fn query_scalar<'q, T>(sql: impl SqlSafeStr) -> ScalarsOf<'q, T>
where
    (T,): FromEitherRow,
{
    ScalarsOf { rows: query_as(sql) }
}

impl<'q> Statement<'q> {
    pub fn bind(mut self, value: impl Into<Value<'q>>) -> Self {
        self.values.push(value.into());
        self
    }

    pub async fn execute(self, conn: &mut (impl Connection + ?Sized)) -> Result<Done> {
        let Statement {
            sql,
            values,
            persistent,
        } = self;
        let rows_affected = match conn.raw() {
            Raw::Sqlite(conn) => sqlx::query_with(sql, sqlite_arguments(values)?)
                .persistent(persistent)
                .execute(conn)
                .await?
                .rows_affected(),
            Raw::Postgres(conn) => sqlx::query_with(sql, postgres_arguments(values)?)
                .persistent(persistent)
                .execute(conn)
                .await?
                .rows_affected(),
        };
        Ok(Done { rows_affected })
    }
}

impl<'q, T: FromEitherRow> RowsOf<'q, T> {
    pub fn bind(mut self, value: impl Into<Value<'q>>) -> Self {
        self.statement.values.push(value.into());
        self
    }

    pub fn persistent(mut self, persistent: bool) -> Self {
        self.statement.persistent = persistent;
        self
    }

    pub async fn fetch_all(self, conn: &mut (impl Connection + ?Sized)) -> Result<Vec<T>> {
        let Statement {
            sql,
            values,
            persistent,
        } = self.statement;
        Ok(match conn.raw() {
            Raw::Sqlite(conn) => {
                sqlx::query_as_with::<Sqlite, T, _>(sql, sqlite_arguments(values)?)
                    .persistent(persistent)
                    .fetch_all(conn)
                    .await?
            }
            Raw::Postgres(conn) => {
                sqlx::query_as_with::<Postgres, T, _>(sql, postgres_arguments(values)?)
                    .persistent(persistent)
                    .fetch_all(conn)
                    .await?
            }
        })
    }

    pub async fn fetch_optional(self, conn: &mut (impl Connection + ?Sized)) -> Result<Option<T>> {
        let Statement {
            sql,
            values,
            persistent,
        } = self.statement;
        Ok(match conn.raw() {
            Raw::Sqlite(conn) => {
                sqlx::query_as_with::<Sqlite, T, _>(sql, sqlite_arguments(values)?)
                    .persistent(persistent)
                    .fetch_optional(conn)
                    .await?
            }
            Raw::Postgres(conn) => {
                sqlx::query_as_with::<Postgres, T, _>(sql, postgres_arguments(values)?)
                    .persistent(persistent)
                    .fetch_optional(conn)
                    .await?
            }
        })
    }

    pub async fn fetch_one(self, conn: &mut (impl Connection + ?Sized)) -> Result<T> {
        let Statement {
            sql,
            values,
            persistent,
        } = self.statement;
        Ok(match conn.raw() {
            Raw::Sqlite(conn) => {
                sqlx::query_as_with::<Sqlite, T, _>(sql, sqlite_arguments(values)?)
                    .persistent(persistent)
                    .fetch_one(conn)
                    .await?
            }
            Raw::Postgres(conn) => {
                sqlx::query_as_with::<Postgres, T, _>(sql, postgres_arguments(values)?)
                    .persistent(persistent)
                    .fetch_one(conn)
                    .await?
            }
        })
    }
}

impl<'q, T> ScalarsOf<'q, T>
where
    (T,): FromEitherRow,
{
    pub fn bind(mut self, value: impl Into<Value<'q>>) -> Self {
        self.rows = self.rows.bind(value);
        self
    }

    pub fn persistent(mut self, persistent: bool) -> Self {
        self.rows = self.rows.persistent(persistent);
        self
    }

    pub async fn fetch_all(self, conn: &mut (impl Connection + ?Sized)) -> Result<Vec<T>> {
        Ok(self
            .rows
            .fetch_all(conn)
            .await?
            .into_iter()
            .map(|(value,)| value)
            .collect())
    }

    pub async fn fetch_optional(self, conn: &mut (impl Connection + ?Sized)) -> Result<Option<T>> {
        Ok(self.rows.fetch_optional(conn).await?.map(|(value,)| value))
    }

    pub async fn fetch_one(self, conn: &mut (impl Connection + ?Sized)) -> Result<T> {
        Ok(self.rows.fetch_one(conn).await?.0)
    }
}
