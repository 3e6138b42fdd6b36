//! `Display` for statements: SQL that parses back to the same tree.

use core::fmt::{self, Display, Formatter};

use crate::alloc::Allocator;
use crate::record::SortOrder;

use super::display_expr::comma_list;
use super::schema::{
    AlterAction, AlterTable, ColumnConstraint, ColumnConstraintKind, ColumnDef, CreateIndex,
    CreateTable, CreateTrigger, CreateView, DropStmt, ForeignKey, ForeignKeyAction, IndexedColumn,
    TableBody, TableConstraint, TableConstraintKind, TriggerEvent, TriggerTiming,
};
use super::stmt::{
    Assignment, CompoundOp, Conflict, CoreForm, Cte, Delete, FromClause, Indexed, Insert,
    InsertSource, Join, JoinConstraint, JoinKind, NullsOrder, OrderingTerm, Pragma, PragmaValue,
    ResultColumn, Select, SelectBody, Stmt, TableRef, TransactionMode, Update, Upsert,
    UpsertAction,
};

/// ` ASC` or ` DESC` when written.
fn order(order: Option<SortOrder>) -> &'static str {
    match order {
        Some(SortOrder::Asc) => " ASC",
        Some(SortOrder::Desc) => " DESC",
        None => "",
    }
}

/// ` ON CONFLICT x` when written.
struct OnConflict(Option<Conflict>);

impl Display for OnConflict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => write!(f, " ON CONFLICT {}", c.as_str()),
            None => Ok(()),
        }
    }
}

/// ` OR x` when written.
struct OrConflict(Option<Conflict>);

impl Display for OrConflict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => write!(f, " OR {}", c.as_str()),
            None => Ok(()),
        }
    }
}

/// Writes ` WHERE expr` when there is one.
fn where_clause<A: Allocator>(
    f: &mut Formatter<'_>,
    keyword: &str,
    expr: &Option<super::expr::Expr<'_, A>>,
) -> fmt::Result {
    match expr {
        Some(e) => write!(f, " {keyword} {e}"),
        None => Ok(()),
    }
}

/// Writes ` (rows), (rows)` of a `VALUES`.
fn rows<T: Display>(
    f: &mut Formatter<'_>,
    rows: &[crate::alloc::Vec<T, impl Allocator>],
) -> fmt::Result {
    for (i, row) in rows.iter().enumerate() {
        f.write_str(if i == 0 { " (" } else { ", (" })?;
        comma_list(f, row)?;
        f.write_str(")")?;
    }
    Ok(())
}

impl<A: Allocator> Display for Stmt<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::Select(s) => write!(f, "{s}"),
            Stmt::Insert(s) => write!(f, "{s}"),
            Stmt::Update(s) => write!(f, "{s}"),
            Stmt::Delete(s) => write!(f, "{s}"),
            Stmt::CreateTable(s) => write!(f, "{s}"),
            Stmt::CreateIndex(s) => write!(f, "{s}"),
            Stmt::CreateView(s) => write!(f, "{s}"),
            Stmt::CreateTrigger(s) => write!(f, "{s}"),
            Stmt::Drop(s) => write!(f, "{s}"),
            Stmt::AlterTable(s) => write!(f, "{s}"),
            Stmt::Reindex(None) => f.write_str("REINDEX"),
            Stmt::Reindex(Some(name)) => write!(f, "REINDEX {name}"),
            Stmt::Begin(mode) => {
                f.write_str("BEGIN")?;
                f.write_str(match mode {
                    None => "",
                    Some(TransactionMode::Deferred) => " DEFERRED",
                    Some(TransactionMode::Immediate) => " IMMEDIATE",
                    Some(TransactionMode::Exclusive) => " EXCLUSIVE",
                    Some(TransactionMode::Concurrent) => " CONCURRENT",
                })
            }
            Stmt::Commit => f.write_str("COMMIT"),
            Stmt::Rollback { savepoint: None } => f.write_str("ROLLBACK"),
            Stmt::Rollback { savepoint: Some(s) } => write!(f, "ROLLBACK TO {s}"),
            Stmt::Savepoint(s) => write!(f, "SAVEPOINT {s}"),
            Stmt::Release(s) => write!(f, "RELEASE {s}"),
            Stmt::Pragma(p) => write!(f, "{p}"),
            Stmt::Explain { query_plan, stmt } => {
                let plan = if *query_plan { " QUERY PLAN" } else { "" };
                write!(f, "EXPLAIN{plan} {stmt}")
            }
        }
    }
}

impl Display for Pragma<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "PRAGMA {}", self.name)?;
        let value: &dyn Display = match &self.value {
            None => return Ok(()),
            Some(PragmaValue::Number(n)) => n,
            Some(PragmaValue::Name(n)) => n,
        };
        if self.call_form {
            write!(f, "({value})")
        } else {
            write!(f, " = {value}")
        }
    }
}

/// `WITH name(columns) AS (select), ... `, when `ctes` has any.
fn with<A: Allocator>(f: &mut Formatter<'_>, ctes: &[Cte<'_, A>]) -> fmt::Result {
    for (i, cte) in ctes.iter().enumerate() {
        f.write_str(if i == 0 { "WITH " } else { ", " })?;
        write!(f, "{}", cte.name.raw())?;
        if !cte.columns.is_empty() {
            f.write_str("(")?;
            for (j, c) in cte.columns.iter().enumerate() {
                if j > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(c.raw())?;
            }
            f.write_str(")")?;
        }
        write!(f, " AS ({})", cte.select)?;
        if i + 1 == ctes.len() {
            f.write_str(" ")?;
        }
    }
    Ok(())
}

impl<A: Allocator> Display for Select<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        with(f, &self.with)?;
        write!(f, "{}", self.core)?;
        for (op, core) in self.compound.iter() {
            let op = match op {
                CompoundOp::Union => "UNION",
                CompoundOp::UnionAll => "UNION ALL",
                CompoundOp::Intersect => "INTERSECT",
                CompoundOp::Except => "EXCEPT",
            };
            write!(f, " {op} {core}")?;
        }
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            comma_list(f, &self.order_by)?;
        }
        if let Some(limit) = &self.limit {
            write!(f, " LIMIT {}", limit.limit)?;
            if let Some(offset) = &limit.offset {
                write!(f, " OFFSET {offset}")?;
            }
        }
        Ok(())
    }
}

/// `(a, b)`: a `VALUES` row's terms.
fn values_row<A: Allocator>(f: &mut Formatter<'_>, body: &SelectBody<'_, A>) -> fmt::Result {
    f.write_str("(")?;
    for (i, column) in body.columns.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match column {
            ResultColumn::Expr { expr, .. } => write!(f, "{expr}")?,
            other => write!(f, "{other}")?,
        }
    }
    f.write_str(")")
}

impl<A: Allocator> Display for SelectBody<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.form {
            CoreForm::Select => {}
            CoreForm::Values => {
                f.write_str("VALUES ")?;
                return values_row(f, self);
            }
            CoreForm::ValuesList => {
                if let Some(FromClause {
                    first: TableRef::Subquery { select, .. },
                    ..
                }) = &self.from
                {
                    f.write_str("VALUES ")?;
                    values_row(f, &select.core)?;
                    for (_, row) in select.compound.iter() {
                        f.write_str(", ")?;
                        values_row(f, row)?;
                    }
                    return Ok(());
                }
            }
        }
        f.write_str(if self.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        })?;
        comma_list(f, &self.columns)?;
        if let Some(from) = &self.from {
            write!(f, " FROM {from}")?;
        }
        where_clause(f, "WHERE", &self.where_clause)?;
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            comma_list(f, &self.group_by)?;
        }
        where_clause(f, "HAVING", &self.having)?;
        if !self.windows.is_empty() {
            f.write_str(" WINDOW ")?;
            comma_list(f, &self.windows)?;
        }
        Ok(())
    }
}

impl<A: Allocator> Display for ResultColumn<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ResultColumn::Expr {
                expr, alias: None, ..
            } => write!(f, "{expr}"),
            ResultColumn::Expr {
                expr,
                alias: Some(alias),
                ..
            } => write!(f, "{expr} AS {alias}"),
            ResultColumn::Star => f.write_str("*"),
            ResultColumn::TableStar(t) => write!(f, "{t}.*"),
        }
    }
}

impl<A: Allocator> Display for FromClause<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        write_joins(f, &self.joins)
    }
}

/// The joins of a `FROM` after its first table.
fn write_joins<A: Allocator>(f: &mut Formatter<'_>, joins: &[Join<'_, A>]) -> fmt::Result {
    let mut joins = joins.iter();
    while let Some(join) = joins.next() {
        if join.group == 0 {
            write_join(f, join, None)?;
            continue;
        }
        // A `LEFT JOIN` of a parenthesised join: its tables inside the
        // parentheses, its constraint after them.
        write_join(f, join, Some("("))?;
        for inner in joins.by_ref().take(join.group) {
            write_join(f, inner, None)?;
        }
        f.write_str(")")?;
        write_constraint(f, join)?;
    }
    Ok(())
}

/// ` JOIN table ON ...`: one join of a `FROM`; with `open`, the
/// parenthesis before its table and no constraint (written after the
/// parenthesised join it opens).
fn write_join<A: Allocator>(
    f: &mut Formatter<'_>,
    join: &Join<'_, A>,
    open: Option<&str>,
) -> fmt::Result {
    let natural = if join.op.natural { " NATURAL" } else { "" };
    let kind = match join.op.kind {
        JoinKind::Comma => ",",
        JoinKind::Inner => " JOIN",
        JoinKind::Cross => " CROSS JOIN",
        JoinKind::Left => " LEFT JOIN",
        JoinKind::Right => " RIGHT JOIN",
        JoinKind::Full => " FULL JOIN",
    };
    match open {
        Some(open) => return write!(f, "{natural}{kind} {open}{}", join.table),
        None => write!(f, "{natural}{kind} {}", join.table)?,
    }
    write_constraint(f, join)
}

/// ` ON ...` or ` USING (...)` of `join`, if it has one.
fn write_constraint<A: Allocator>(f: &mut Formatter<'_>, join: &Join<'_, A>) -> fmt::Result {
    match &join.constraint {
        None => Ok(()),
        Some(JoinConstraint::On(e)) => write!(f, " ON {e}"),
        Some(JoinConstraint::Using(columns)) => {
            f.write_str(" USING (")?;
            comma_list(f, columns.as_slice())?;
            f.write_str(")")
        }
    }
}

/// Writes ` AS alias` and an index hint.
fn alias_and_hint(
    f: &mut Formatter<'_>,
    alias: &Option<super::name::Ident<'_>>,
    indexed: &Option<Indexed<'_>>,
) -> fmt::Result {
    if let Some(alias) = alias {
        write!(f, " AS {alias}")?;
    }
    match indexed {
        Some(Indexed::By(index)) => write!(f, " INDEXED BY {index}"),
        Some(Indexed::Not) => f.write_str(" NOT INDEXED"),
        None => Ok(()),
    }
}

impl<A: Allocator> Display for TableRef<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TableRef::Table {
                name,
                alias,
                indexed,
            } => {
                write!(f, "{name}")?;
                alias_and_hint(f, alias, indexed)
            }
            TableRef::Subquery { select, alias } => {
                write!(f, "({select})")?;
                alias_and_hint(f, alias, &None)
            }
            TableRef::Function {
                name, args, alias, ..
            } => {
                write!(f, "{name}(")?;
                comma_list(f, args)?;
                f.write_str(")")?;
                alias_and_hint(f, alias, &None)
            }
        }
    }
}

impl<A: Allocator> Display for OrderingTerm<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.expr, order(self.order))?;
        match self.nulls {
            Some(NullsOrder::First) => f.write_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

impl<A: Allocator> Display for Insert<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        with(f, &self.with)?;
        if self.replace_keyword {
            f.write_str("REPLACE")?;
        } else {
            write!(f, "INSERT{}", OrConflict(self.conflict))?;
        }
        write!(f, " INTO {}", self.table)?;
        if let Some(alias) = self.alias {
            write!(f, " AS {alias}")?;
        }
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_str(")")?;
        }
        match &self.source {
            InsertSource::Values(values) => {
                f.write_str(" VALUES")?;
                rows(f, values)
            }
            InsertSource::Select(select) => write!(f, " {select}"),
            InsertSource::DefaultValues => f.write_str(" DEFAULT VALUES"),
        }?;
        for clause in self.upsert.iter() {
            write!(f, " {clause}")?;
        }
        returning(f, &self.returning)
    }
}

/// ` RETURNING columns`, when there are any.
fn returning<A: Allocator>(f: &mut Formatter<'_>, columns: &[ResultColumn<'_, A>]) -> fmt::Result {
    if columns.is_empty() {
        return Ok(());
    }
    f.write_str(" RETURNING ")?;
    comma_list(f, columns)
}

impl<A: Allocator> Display for Upsert<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("ON CONFLICT")?;
        if let Some(target) = &self.target {
            f.write_str(" (")?;
            comma_list(f, &target.columns)?;
            f.write_str(")")?;
            if let Some(clause) = &target.where_clause {
                write!(f, " WHERE {clause}")?;
            }
        }
        match &self.action {
            UpsertAction::Nothing => f.write_str(" DO NOTHING"),
            UpsertAction::Update {
                assignments,
                where_clause,
            } => {
                f.write_str(" DO UPDATE SET ")?;
                comma_list(f, assignments)?;
                match where_clause {
                    Some(clause) => write!(f, " WHERE {clause}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl<A: Allocator> Display for Assignment<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.columns.as_slice() {
            [column] => write!(f, "{column} = {}", self.value),
            columns => {
                f.write_str("(")?;
                comma_list(f, columns)?;
                write!(f, ") = {}", self.value)
            }
        }
    }
}

impl<A: Allocator> Display for Update<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        with(f, &self.with)?;
        write!(f, "UPDATE{} {}", OrConflict(self.conflict), self.table)?;
        alias_and_hint(f, &self.alias, &self.indexed)?;
        f.write_str(" SET ")?;
        comma_list(f, &self.assignments)?;
        if let Some(FromClause { joins, .. }) = self.from.as_ref().and_then(|b| b.from.as_ref()) {
            // The first join is the table updated's to the first written.
            if let Some((first, rest)) = joins.split_first() {
                write!(f, " FROM {}", first.table)?;
                write_joins(f, rest)?;
            }
        }
        let clause = self
            .from
            .as_ref()
            .map_or(&self.where_clause, |b| &b.where_clause);
        where_clause(f, "WHERE", clause)?;
        returning(f, &self.returning)
    }
}

impl<A: Allocator> Display for Delete<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        with(f, &self.with)?;
        write!(f, "DELETE FROM {}", self.table)?;
        alias_and_hint(f, &self.alias, &self.indexed)?;
        where_clause(f, "WHERE", &self.where_clause)?;
        returning(f, &self.returning)
    }
}

/// `TEMP ` when `temp`.
fn temp(temp: bool) -> &'static str {
    if temp { "TEMP " } else { "" }
}

/// `IF NOT EXISTS ` when set.
fn if_not_exists(set: bool) -> &'static str {
    if set { "IF NOT EXISTS " } else { "" }
}

impl<A: Allocator> Display for CreateTable<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {}TABLE {}{}",
            temp(self.temp),
            if_not_exists(self.if_not_exists),
            self.name
        )?;
        match &self.body {
            TableBody::AsSelect(select) => write!(f, " AS {select}"),
            TableBody::Columns {
                columns,
                constraints,
                without_rowid,
                strict,
            } => {
                f.write_str(" (")?;
                comma_list(f, columns)?;
                for constraint in constraints.iter() {
                    write!(f, ", {constraint}")?;
                }
                f.write_str(")")?;
                match (without_rowid, strict) {
                    (true, true) => f.write_str(" WITHOUT ROWID, STRICT"),
                    (true, false) => f.write_str(" WITHOUT ROWID"),
                    (false, true) => f.write_str(" STRICT"),
                    (false, false) => Ok(()),
                }
            }
        }
    }
}

impl<A: Allocator> Display for ColumnDef<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if let Some(t) = &self.type_name {
            write!(f, " {t}")?;
        }
        for constraint in self.constraints.iter() {
            write!(f, " {constraint}")?;
        }
        Ok(())
    }
}

impl<A: Allocator> Display for ColumnConstraint<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(name) = self.name {
            write!(f, "CONSTRAINT {name} ")?;
        }
        match &self.kind {
            ColumnConstraintKind::PrimaryKey {
                order: o,
                conflict,
                autoincrement,
            } => {
                let auto = if *autoincrement { " AUTOINCREMENT" } else { "" };
                write!(f, "PRIMARY KEY{}{}{auto}", order(*o), OnConflict(*conflict))
            }
            ColumnConstraintKind::NotNull { conflict } => {
                write!(f, "NOT NULL{}", OnConflict(*conflict))
            }
            ColumnConstraintKind::Null => f.write_str("NULL"),
            ColumnConstraintKind::Unique { conflict } => {
                write!(f, "UNIQUE{}", OnConflict(*conflict))
            }
            ColumnConstraintKind::Check(c) => write!(f, "CHECK ({})", c.expr),
            // The text as written: a bare name there is a string, which
            // the tree alone would display as a column.
            ColumnConstraintKind::Default(d) => write!(f, "DEFAULT {}", d.text),
            ColumnConstraintKind::Collate(c) => write!(f, "COLLATE {c}"),
            ColumnConstraintKind::References(fk) => write!(f, "{fk}"),
            ColumnConstraintKind::Generated { expr, stored } => {
                let kind = if *stored { " STORED" } else { "" };
                write!(f, "AS ({expr}){kind}")
            }
        }
    }
}

impl<A: Allocator> Display for TableConstraint<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(name) = self.name {
            write!(f, "CONSTRAINT {name} ")?;
        }
        match &self.kind {
            TableConstraintKind::PrimaryKey {
                columns,
                conflict,
                autoincrement,
            } => {
                f.write_str("PRIMARY KEY (")?;
                comma_list(f, columns)?;
                let auto = if *autoincrement { " AUTOINCREMENT" } else { "" };
                write!(f, "{auto}){}", OnConflict(*conflict))
            }
            TableConstraintKind::Unique { columns, conflict } => {
                f.write_str("UNIQUE (")?;
                comma_list(f, columns)?;
                write!(f, "){}", OnConflict(*conflict))
            }
            TableConstraintKind::Check(c) => write!(f, "CHECK ({})", c.expr),
            TableConstraintKind::ForeignKey {
                columns,
                references,
            } => {
                f.write_str("FOREIGN KEY (")?;
                comma_list(f, columns)?;
                write!(f, ") {references}")
            }
        }
    }
}

impl<A: Allocator> Display for ForeignKey<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "REFERENCES {}", self.table)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_str(")")?;
        }
        let action = |a: ForeignKeyAction| match a {
            ForeignKeyAction::SetNull => "SET NULL",
            ForeignKeyAction::SetDefault => "SET DEFAULT",
            ForeignKeyAction::Cascade => "CASCADE",
            ForeignKeyAction::Restrict => "RESTRICT",
            ForeignKeyAction::NoAction => "NO ACTION",
        };
        if let Some(a) = self.on_delete {
            write!(f, " ON DELETE {}", action(a))?;
        }
        if let Some(a) = self.on_update {
            write!(f, " ON UPDATE {}", action(a))?;
        }
        if self.deferred {
            f.write_str(" DEFERRABLE INITIALLY DEFERRED")?;
        }
        Ok(())
    }
}

impl<A: Allocator> Display for IndexedColumn<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(c) = self.collate {
            write!(f, " COLLATE {c}")?;
        }
        f.write_str(order(self.order))
    }
}

impl<A: Allocator> Display for CreateIndex<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let unique = if self.unique { "UNIQUE " } else { "" };
        write!(
            f,
            "CREATE {unique}INDEX {}{} ON {} (",
            if_not_exists(self.if_not_exists),
            self.name,
            self.table
        )?;
        comma_list(f, &self.columns)?;
        f.write_str(")")?;
        where_clause(f, "WHERE", &self.where_clause)
    }
}

impl<A: Allocator> Display for CreateView<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {}VIEW {}{}",
            temp(self.temp),
            if_not_exists(self.if_not_exists),
            self.name
        )?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_str(")")?;
        }
        write!(f, " AS {}", self.select)
    }
}

impl<A: Allocator> Display for CreateTrigger<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CREATE {}TRIGGER {}{}",
            temp(self.temp),
            if_not_exists(self.if_not_exists),
            self.name
        )?;
        f.write_str(match self.timing {
            Some(TriggerTiming::Before) => " BEFORE",
            Some(TriggerTiming::After) => " AFTER",
            Some(TriggerTiming::InsteadOf) => " INSTEAD OF",
            None => "",
        })?;
        match &self.event {
            TriggerEvent::Delete => f.write_str(" DELETE")?,
            TriggerEvent::Insert => f.write_str(" INSERT")?,
            TriggerEvent::Update(columns) if columns.is_empty() => f.write_str(" UPDATE")?,
            TriggerEvent::Update(columns) => {
                f.write_str(" UPDATE OF ")?;
                comma_list(f, columns)?;
            }
        }
        write!(f, " ON {}", self.table)?;
        if self.for_each_row {
            f.write_str(" FOR EACH ROW")?;
        }
        where_clause(f, "WHEN", &self.when)?;
        f.write_str(" BEGIN")?;
        for stmt in self.body.iter() {
            write!(f, " {stmt};")?;
        }
        f.write_str(" END")
    }
}

impl Display for DropStmt<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let if_exists = if self.if_exists { "IF EXISTS " } else { "" };
        write!(f, "DROP {} {if_exists}{}", self.kind.as_str(), self.name)
    }
}

impl<A: Allocator> Display for AlterTable<'_, A> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "ALTER TABLE {} ", self.table)?;
        match &self.action {
            AlterAction::RenameTable(name) => write!(f, "RENAME TO {name}"),
            AlterAction::RenameColumn { old, new } => write!(f, "RENAME COLUMN {old} TO {new}"),
            AlterAction::AddColumn { column, .. } => write!(f, "ADD COLUMN {column}"),
            AlterAction::DropColumn(name) => write!(f, "DROP COLUMN {name}"),
        }
    }
}
