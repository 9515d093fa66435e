//! What every part of the list query shares: the boxed query and expression types, `lower()`,
//! LIKE escaping, and the operand conversions, written once.

use diesel::expression::expression_types::NotSelectable;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use orgbase_domain::{Error, Filter, Operand};

use crate::connection::AnyConnection;
use crate::schema::organizations;

pub type Backend = <AnyConnection as Connection>::Backend;
pub type BoxedOrganizations = organizations::BoxedQuery<'static, Backend>;
pub type BoxedCondition =
    Box<dyn BoxableExpression<organizations::table, Backend, SqlType = Nullable<Bool>>>;
pub type BoxedOrder =
    Box<dyn BoxableExpression<organizations::table, Backend, SqlType = NotSelectable>>;

diesel::define_sql_function!(fn lower(x: Nullable<Text>) -> Nullable<Text>);

/// Which database a query is written for, where the two index differently (search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(conn: &AnyConnection) -> Self {
        match conn {
            AnyConnection::Sqlite(_) => Dialect::Sqlite,
            AnyConnection::Postgresql(_) => Dialect::Postgres,
        }
    }
}

pub fn mismatch(filter: &Filter) -> Error {
    Error::Backend(format!("operand does not fit the field in {filter:?}"))
}

/// `%`, `_` and `\` match themselves in a LIKE pattern escaped with `\`.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn text(operand: &Operand) -> Option<String> {
    match operand {
        Operand::Text(t) => Some(t.clone()),
        _ => None,
    }
}

pub fn integer(operand: &Operand) -> Option<i64> {
    match operand {
        Operand::Integer(n) => Some(*n),
        _ => None,
    }
}

pub fn datetime(operand: &Operand) -> Option<chrono::NaiveDateTime> {
    match operand {
        Operand::DateTime(t) => Some(t.naive_utc()),
        _ => None,
    }
}

pub fn id(operand: &Operand) -> Option<String> {
    match operand {
        Operand::Id(id) => Some(id.hyphenated().to_string()),
        _ => None,
    }
}

pub fn number(operand: &Operand) -> Option<f64> {
    match operand {
        Operand::Number(n) => Some(*n),
        _ => None,
    }
}

pub fn boolean(operand: &Operand) -> Option<bool> {
    match operand {
        Operand::Boolean(b) => Some(*b),
        _ => None,
    }
}

/// A condition SQLite must not serve from an index: `+(condition)`, its documented way to
/// disqualify a term. Used when the order's index is walked instead (SQLite picks an
/// equality's index whatever the order costs after it, even with `ANALYZE` statistics).
pub struct Unindexed(pub BoxedCondition);

impl diesel::expression::Expression for Unindexed {
    type SqlType = Nullable<Bool>;
}

impl diesel::query_builder::QueryFragment<Backend> for Unindexed {
    fn walk_ast<'b>(
        &'b self,
        mut pass: diesel::query_builder::AstPass<'_, 'b, Backend>,
    ) -> QueryResult<()> {
        pass.push_sql("+(");
        self.0.walk_ast(pass.reborrow())?;
        pass.push_sql(")");
        Ok(())
    }
}

impl diesel::query_builder::QueryId for Unindexed {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::expression::ValidGrouping<()> for Unindexed {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl diesel::expression::AppearsOnTable<organizations::table> for Unindexed {}

impl diesel::expression::SelectableExpression<organizations::table> for Unindexed {}

/// Folded text of a column, as the reference semantics compare it.
macro_rules! folded {
    ($column:expr) => {
        $crate::organizations::query::sql::lower($column.nullable())
    };
}
pub(crate) use folded;
