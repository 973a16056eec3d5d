//! The shape of a statement from sqlparser's PostgreSQL AST: the primary reader. Names are
//! folded as PostgreSQL folds them (unquoted to lower case, quoted kept).

use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, DataType, GeneratedAs,
    GeneratedExpressionMode, ObjectName, ObjectType, TableConstraint,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::{classify_default, Action, AddColumn, ConstraintKind, CreateIndex, Shape};
use crate::sqltext;

/// The statement `text` (one statement, as [`crate::sqltext::split`] cuts it) parsed by
/// sqlparser, or `None` when it does not parse as exactly one statement.
pub fn parse(text: &str) -> Option<ast::Statement> {
    let mut statements = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .ok()?
        .parse_statements()
        .ok()?;
    (statements.len() == 1).then(|| statements.remove(0))
}

/// The shape of `text`, or `None` when sqlparser cannot parse it.
pub fn shape(text: &str) -> Option<Shape> {
    Some(of(&parse(text)?))
}

fn ident(i: &ast::Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_ascii_lowercase(),
    }
}

/// The last part of a possibly qualified name.
fn last(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(ident)
        .unwrap_or_default()
}

fn of(s: &ast::Statement) -> Shape {
    use ast::Statement as S;
    match s {
        S::CreateTable(c) => Shape::CreateTable {
            table: last(&c.name),
        },
        S::CreateIndex(c) => Shape::CreateIndex(CreateIndex {
            name: c.name.as_ref().map(last),
            table: last(&c.table_name),
            concurrently: c.concurrently,
            if_not_exists: c.if_not_exists,
        }),
        S::Drop {
            object_type: ObjectType::Index,
            if_exists,
            names,
            ..
        } => Shape::DropIndex {
            names: names.iter().map(last).collect(),
            // sqlparser 0.64 does not parse DROP INDEX CONCURRENTLY: the token reader does.
            concurrently: false,
            if_exists: *if_exists,
        },
        S::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => Shape::DropTable {
            tables: names.iter().map(last).collect(),
        },
        S::Truncate(t) => Shape::Truncate {
            tables: t.table_names.iter().map(|n| last(&n.name)).collect(),
            cascade: matches!(t.cascade, Some(ast::CascadeOption::Cascade)),
        },
        S::AlterTable(a) => Shape::AlterTable {
            table: last(&a.name),
            actions: a.operations.iter().flat_map(action).collect(),
        },
        S::StartTransaction { begin, .. } => Shape::Transaction {
            keyword: if *begin { "BEGIN" } else { "START TRANSACTION" },
        },
        S::Commit { end, .. } => Shape::Transaction {
            keyword: if *end { "END" } else { "COMMIT" },
        },
        S::Rollback { .. } => Shape::Transaction {
            keyword: "ROLLBACK",
        },
        S::Savepoint { .. } => Shape::Transaction {
            keyword: "SAVEPOINT",
        },
        S::ReleaseSavepoint { .. } => Shape::Transaction { keyword: "RELEASE" },
        _ => Shape::Other,
    }
}

fn action(op: &AlterTableOperation) -> Vec<Action> {
    use AlterTableOperation as O;
    let one = match op {
        O::AddColumn { column_def, .. } => Action::AddColumn(add_column(column_def)),
        O::AddConstraint {
            constraint,
            not_valid,
        } => {
            let (name, kind) = constraint_kind(constraint);
            Action::AddConstraint {
                name,
                kind,
                not_valid: *not_valid,
            }
        }
        O::ValidateConstraint { name } => Action::ValidateConstraint { name: ident(name) },
        O::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetNotNull => Action::SetNotNull {
                column: ident(column_name),
            },
            AlterColumnOperation::SetDataType { data_type, .. } => Action::SetType {
                column: ident(column_name),
                new_type: data_type.to_string().to_uppercase(),
            },
            _ => Action::Other,
        },
        O::DropColumn { column_names, .. } => {
            return column_names
                .iter()
                .map(|c| Action::DropColumn { column: ident(c) })
                .collect()
        }
        O::RenameColumn {
            old_column_name, ..
        } => Action::RenameColumn {
            column: ident(old_column_name),
        },
        O::RenameTable { .. } => Action::RenameTable,
        _ => Action::Other,
    };
    vec![one]
}

fn constraint_kind(c: &TableConstraint) -> (Option<String>, ConstraintKind) {
    let name = |n: &Option<ast::Ident>| n.as_ref().map(ident);
    match c {
        TableConstraint::Check(k) => (name(&k.name), ConstraintKind::Check),
        TableConstraint::Unique(k) => {
            (name(&k.name), ConstraintKind::Unique { using_index: false })
        }
        TableConstraint::PrimaryKey(k) => (
            name(&k.name),
            ConstraintKind::PrimaryKey { using_index: false },
        ),
        TableConstraint::ForeignKey(k) => (
            name(&k.name),
            ConstraintKind::ForeignKey {
                references: last(&k.foreign_table),
            },
        ),
        TableConstraint::UniqueUsingIndex(k) => {
            (name(&k.name), ConstraintKind::Unique { using_index: true })
        }
        TableConstraint::PrimaryKeyUsingIndex(k) => (
            name(&k.name),
            ConstraintKind::PrimaryKey { using_index: true },
        ),
        TableConstraint::Exclude(k) => (name(&k.name), ConstraintKind::Exclude),
        _ => (None, ConstraintKind::Other),
    }
}

fn add_column(c: &ast::ColumnDef) -> AddColumn {
    let mut out = AddColumn {
        column: ident(&c.name),
        ..AddColumn::default()
    };
    if let DataType::Custom(name, _) = &c.data_type {
        out.serial = matches!(
            last(name).as_str(),
            "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
        );
    }
    for o in &c.options {
        match &o.option {
            ColumnOption::NotNull => out.not_null = true,
            ColumnOption::PrimaryKey(_) => out.primary_key = true,
            ColumnOption::Unique(_) => out.unique = true,
            ColumnOption::Default(e) => {
                out.default = Some(classify_default(&sqltext::tokens(&e.to_string())));
            }
            ColumnOption::ForeignKey(k) => out.references = Some(last(&k.foreign_table)),
            ColumnOption::Generated {
                generated_as,
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                if generation_expr.is_none()
                    && matches!(generated_as, GeneratedAs::Always | GeneratedAs::ByDefault)
                {
                    out.identity = true;
                }
                if matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored)) {
                    out.generated_stored = true;
                }
            }
            _ => {}
        }
    }
    out
}
