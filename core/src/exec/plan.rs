//! The access plan of a statement over one table: which rows its `WHERE`
//! clause can possibly keep.
//!
//! - `rowid = expr` (or the rowid alias) seeks the one row;
//! - `rowid > expr`, `>=`, `<`, `<=` and `BETWEEN` seek the first row of
//!   the range and stop after its last;
//! - `column = expr` on the first column of an index seeks the index and
//!   reads each row its entries name (preferred to a rowid range, not to
//!   a rowid equality);
//! - `column > expr`, `>=`, `<`, `<=` and `BETWEEN` on the first column
//!   of an index seek the first entry of the range and stop after its
//!   last (only when neither of the above applies: a rowid range is
//!   read without a second lookup per row);
//! - anything else scans the table.
//!
//! Only terms joined by `AND` at the top of the clause are used, and only
//! when the other side reads no column and its value is an integer after
//! the comparison's numeric affinity (a NULL bound selects nothing; a
//! text or fractional bound falls back to a scan).
//!
//! An index is used only when its entries compare as the clause would:
//! `expr` must be a literal or parameter (no affinity, no collation of
//! its own), its value is given the column's affinity as the comparison
//! gives it, and the index's collation on that column must be the
//! column's own. A NULL key or bound selects nothing. Of several range
//! terms on the column, the first lower and the first upper bound are
//! used; the clause applies the others.
//!
//! A partial index is sought only when the clause implies its `WHERE`
//! (`index_where::implied`): its entries hold only the rows that keeps.
//! An index whose first key column is an expression is sought by
//! `expr = bound` when `expr` is that expression as written, has neither
//! affinity nor collation, and the bound is a literal or parameter (see
//! [`expression_index`]).
//!
//! Invariant: a plan only narrows the rows visited. The executor
//! evaluates the whole clause on every row it visits, except what the
//! plan proves ([`Access::proven`]), as SQLite omits such terms: every
//! term, when the plan is a rowid equality or range built from all of
//! them; the one term an index equality seeks, when its entries compare
//! as the term does (the key given the comparison's affinity, the
//! column's values left as they are, the column's own collation), so the
//! rows the seek visits are exactly those the term keeps.

use core::fmt;

use crate::alloc::{Allocator, Vec};
use crate::record::{Collation, SortOrder, ValueRef, compare_values};
use crate::schema::ColumnSource;
use crate::sql::eval::affinity::{
    apply_comparison_affinity, comparison_affinity, numeric_affinity,
};
use crate::sql::eval::{EvalContext, explicit_collation};
use crate::sql::eval::{Value, evaluate, evaluate_condition, evaluate_then};
use crate::sql::{
    Affinity, Between, Binary, BinaryOp, ColumnPos, ColumnRef, Expr, Ident, Indexed, Stmt, UnaryOp,
};
use crate::{Result, RowId};

use super::context::{RowContext, resolve};
use super::index_where;
use super::scope::Tables;
use crate::schema::parse_stored;
use crate::table::TableInfo;

/// One end of a rowid range: the bound and whether it is included.
pub(crate) type Bound = Option<(RowId, bool)>;

/// How a statement visits its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Every row, in rowid order.
    Scan,
    /// The row with this rowid, if any.
    RowidEq(RowId),
    /// The rows whose rowids are held beside the plan (see [`Access`]),
    /// in ascending order: `rowid IN (list)`.
    RowidIn,
    /// The rows whose rowid lies between the bounds.
    RowidRange {
        /// The lower end, if any.
        low: Bound,
        /// The upper end, if any.
        high: Bound,
    },
    /// No row can match.
    Empty,
    /// The rows whose entry in the table's index number `index` starts
    /// with the key held beside the plan (see [`Access`]).
    IndexEq {
        /// The position of the index in the table's list.
        index: usize,
    },
    /// The rows whose entry in the table's index number `index` starts
    /// with one of the keys held beside the plan (see [`Access`]):
    /// `column IN (list)`.
    IndexIn {
        /// The position of the index in the table's list.
        index: usize,
    },
    /// The rows whose entry in the table's index number `index` has a
    /// first column between the bounds held beside the plan (see
    /// [`Access`]); each end, if any, says whether it is included.
    IndexRange {
        /// The position of the index in the table's list.
        index: usize,
        /// Whether the lower bound is included, if there is one.
        low: Option<bool>,
        /// Whether the upper bound is included, if there is one.
        high: Option<bool>,
    },
    /// The rows whose value in column `column` equals the key held
    /// beside the plan (see [`Access`]), found through an automatic
    /// index the statement built on that column (see `auto_index`).
    AutoEq {
        /// The column's position in the table.
        column: usize,
    },
}

/// A plan with the value an index seek looks for.
pub(crate) struct Access<A: Allocator> {
    /// How the table is visited.
    pub plan: Plan,
    /// For [`Plan::IndexEq`], the key; for [`Plan::IndexRange`], the
    /// lower bound; with the column's affinity given.
    pub key: Option<Value<A>>,
    /// For [`Plan::IndexRange`], the upper bound, with the column's
    /// affinity given.
    pub high: Option<Value<A>>,
    /// For [`Plan::RowidIn`], the rowids, ascending, each once.
    pub rowids: Option<Vec<RowId, A>>,
    /// For [`Plan::IndexIn`], the keys, in the index's order, each once,
    /// with the column's affinity given.
    pub keys: Option<Vec<Value<A>, A>>,
    /// What of the clause every row the plan visits passes, so it need
    /// not be evaluated on them.
    pub proven: Proven,
}

/// What of a clause the rows a plan visits are known to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proven {
    /// Nothing: the whole clause is evaluated on every row.
    Nothing,
    /// The term at this position among the `AND` terms at the top of
    /// the clause (in [`split_and`]'s order): the index equality sought.
    Term(usize),
    /// Every term: each a rowid comparison with an integer bound, all
    /// folded into the plan, or the clause is an `IN` list sought.
    Clause,
}

/// Visits the terms `AND` joins at the top of `expr`, left to right.
pub(crate) fn split_and<'e, 'a, A: Allocator>(
    expr: &'e Expr<'a, A>,
    visit: &mut dyn FnMut(&'e Expr<'a, A>),
) {
    match expr {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            split_and(&b.lhs, visit);
            split_and(&b.rhs, visit);
        }
        _ => visit(expr),
    }
}

/// The position of `term` among the `AND` terms at the top of `clause`
/// (the node itself, not an equal one), if it is one of them.
pub(crate) fn term_position<A: Allocator>(
    clause: &Expr<'_, A>,
    term: &Expr<'_, A>,
) -> Option<usize> {
    let (mut n, mut found) = (0, None);
    split_and(clause, &mut |t| {
        if core::ptr::eq(t, term) {
            found = Some(n);
        }
        n += 1;
    });
    found
}

/// Whether the row of `ctx` passes `clause`, of which a plan proved
/// `proven` for every row it visits: the other `AND` terms evaluated left
/// to right as the whole clause would be (a false term ends it, a NULL
/// one does not), so a row passes, fails or errs as it would on the whole.
pub(crate) fn passes<A: Allocator + Clone>(
    clause: Option<&Expr<'_, A>>,
    proven: Proven,
    ctx: &RowContext<'_, '_, A>,
) -> Result<bool> {
    let skipped = match (clause, proven) {
        (None, _) | (_, Proven::Clause) => return Ok(true),
        (Some(clause), Proven::Nothing) => {
            return Ok(evaluate_condition(clause, ctx)? == Some(true));
        }
        (Some(_), Proven::Term(n)) => n,
    };
    let Some(clause) = clause else {
        return Ok(true);
    };
    let (mut n, mut outcome) = (0, Ok(Some(true)));
    split_and(clause, &mut |term| {
        let at = n;
        n += 1;
        if at == skipped || matches!(outcome, Ok(Some(false)) | Err(_)) {
            return;
        }
        outcome = match evaluate_condition(term, ctx) {
            // A true term leaves the outcome as the terms before made it.
            Ok(Some(true)) => return,
            other => other,
        };
    });
    Ok(outcome? == Some(true))
}

impl<A: Allocator> Access<A> {
    /// Every row, in rowid order, `WHERE` evaluated on each.
    pub const fn scan() -> Self {
        Access {
            plan: Plan::Scan,
            key: None,
            high: None,
            rowids: None,
            keys: None,
            proven: Proven::Nothing,
        }
    }
}

impl Plan {
    /// The line `EXPLAIN QUERY PLAN` shows for this plan on `table`,
    /// called `alias` in the statement, if it is (as SQLite names it).
    pub fn describe<'t, A: Allocator>(
        &self,
        table: &'t TableInfo<A>,
        alias: Option<&'t str>,
    ) -> Describe<'t, A> {
        Describe {
            plan: *self,
            table,
            alias,
        }
    }
}

/// `EXPLAIN QUERY PLAN`'s wording of a plan, as SQLite words it.
pub(crate) struct Describe<'t, A: Allocator> {
    plan: Plan,
    table: &'t TableInfo<A>,
    alias: Option<&'t str>,
}

impl<A: Allocator> fmt::Display for Describe<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.alias.unwrap_or(&self.table.name);
        if let Some(function) = self.table.function {
            return write!(f, "SCAN {name} VIRTUAL TABLE INDEX {}:", function.plan);
        }
        match self.plan {
            Plan::Scan | Plan::Empty => write!(f, "SCAN {name}"),
            Plan::AutoEq { column } => {
                let column = self
                    .table
                    .columns
                    .columns
                    .get(column)
                    .map_or("?", |c| &*c.name);
                write!(
                    f,
                    "SEARCH {name} USING AUTOMATIC COVERING INDEX ({column}=?)"
                )
            }
            Plan::RowidEq(_) | Plan::RowidIn => {
                write!(f, "SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)")
            }
            Plan::IndexEq { index } | Plan::IndexIn { index } => {
                let (kind, index, column) = self.index_names(index);
                write!(f, "SEARCH {name} USING {kind}{index} ({column}=?)")
            }
            Plan::IndexRange { index, low, high } => {
                let (kind, index, column) = self.index_names(index);
                write!(f, "SEARCH {name} USING {kind}{index} (")?;
                // SQLite words `>=` as `>` and `<=` as `<`.
                if low.is_some() {
                    write!(f, "{column}>?")?;
                }
                if low.is_some() && high.is_some() {
                    f.write_str(" AND ")?;
                }
                if high.is_some() {
                    write!(f, "{column}<?")?;
                }
                f.write_str(")")
            }
            Plan::RowidRange { low, high } => {
                write!(f, "SEARCH {name} USING INTEGER PRIMARY KEY (")?;
                if low.is_some() {
                    f.write_str("rowid>?")?;
                }
                if low.is_some() && high.is_some() {
                    f.write_str(" AND ")?;
                }
                if high.is_some() {
                    f.write_str("rowid<?")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl<'t, A: Allocator> Describe<'t, A> {
    /// How SQLite words the table's index number `index` (`INDEX ` and
    /// its name, or a `WITHOUT ROWID` table's `PRIMARY KEY`) and the name
    /// of its first column (`?` for what is not there).
    fn index_names(&self, n: usize) -> (&'static str, &'t str, &'t str) {
        let table = self.table;
        let index = table.seekable().get(n);
        let column = index
            .and_then(|i| i.columns.columns.first())
            .and_then(|c| match c.source {
                ColumnSource::Column(i) => table.columns.columns.get(i),
                ColumnSource::Expression => None,
            })
            .map_or("?", |c| &*c.name);
        let kind = match table.seekable().is_primary(n) {
            true => "",
            false => "INDEX ",
        };
        (kind, index.map_or("?", |i| &*i.name), column)
    }
}

/// The table a plan is for, as a statement's names see it: called
/// `alias`, at `level` of its `FROM`. The tables of `outer` are the
/// outer loops of a join: their columns are bounds here, known when the
/// plan is chosen.
pub(crate) struct Here<'t, 'n, A: Allocator> {
    /// The table.
    pub table: &'t TableInfo<A>,
    /// Its alias.
    pub alias: Option<&'n Ident<'n>>,
    /// Its level.
    pub level: usize,
    /// The tables whose loops are outside its own.
    pub outer: Tables,
}

// By hand: a derive would ask `A: Copy`, but only references are copied.
impl<A: Allocator> Clone for Here<'_, '_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: Allocator> Copy for Here<'_, '_, A> {}

impl<A: Allocator> Here<'_, '_, A> {
    /// Where `column` points in the table, if it names one of its
    /// columns: as the name check bound it, else by name.
    fn pos(&self, column: &ColumnRef<'_>) -> Option<ColumnPos> {
        match column.binding.get() {
            Some((level, pos)) => (level == self.level).then_some(pos),
            None => resolve(self.table, self.alias, column),
        }
    }

    /// Whether `expr` has one value for every row of the table: it reads
    /// no column but those of outer loops (and calls no function, whose
    /// value might change from row to row, as `random()` does).
    fn fixed<B: Allocator>(&self, expr: &Expr<'_, B>) -> bool {
        match expr {
            Expr::Literal(_) | Expr::Param(_) => true,
            Expr::Column(c) => self.outer(c),
            Expr::Unary(_, inner) => self.fixed(inner),
            Expr::Binary(b) => self.fixed(&b.lhs) && self.fixed(&b.rhs),
            Expr::Cast(c) => self.fixed(&c.expr),
            _ => false,
        }
    }

    /// Whether `column` is fixed while the table is read: bound to a
    /// table of an outer loop, or left unbound by the name check (a
    /// column of the row a subquery runs against, which stays the same
    /// for the whole run).
    fn outer(&self, column: &ColumnRef<'_>) -> bool {
        match column.binding.get() {
            Some((level, _)) => self.outer.has(level),
            None => resolve(self.table, self.alias, column).is_none(),
        }
    }
}

/// A comparison of the rowid with a bound.
#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Which of a table's indexes a plan may seek, as `FROM t INDEXED BY i`
/// and `FROM t NOT INDEXED` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Indexes {
    /// Any of them (no hint).
    Any,
    /// Only the one at this position (`INDEXED BY`).
    Only(usize),
    /// None (`NOT INDEXED`); rowid seeks remain.
    No,
}

impl Indexes {
    /// The indexes `hint` allows on `table`; an `INDEXED BY` naming no
    /// index of the table is SQLite's `no such index`.
    pub fn of<A: Allocator>(hint: Option<&Indexed<'_>>, table: &TableInfo<A>) -> Result<Self> {
        match hint {
            None => Ok(Indexes::Any),
            Some(Indexed::Not) => Ok(Indexes::No),
            Some(Indexed::By(name)) => {
                let trees = table.seekable();
                trees
                    .iter()
                    .enumerate()
                    .position(|(n, i)| !trees.is_primary(n) && name.eq_ignore_ascii_case(&i.name))
                    .map(Indexes::Only)
                    .ok_or(crate::Error::Sql("no such index"))
            }
        }
    }

    /// Whether the index at position `n` may be sought.
    fn allows(self, n: usize) -> bool {
        match self {
            Indexes::Any => true,
            Indexes::Only(only) => only == n,
            Indexes::No => false,
        }
    }
}

/// The indexes a plan over one clause may seek: those its hint allows,
/// less the partial ones the clause does not imply (see
/// `index_where::implied`).
#[derive(Debug, Clone, Copy)]
struct Seekable {
    hint: Indexes,
    /// Bit `n` set: the partial index at position `n` holds every row
    /// the clause keeps (only the first 64 indexes are ever so).
    implied: u64,
}

impl Seekable {
    /// The indexes of `table` that `hint` allows and a plan for `clause`
    /// may seek.
    fn new<A: Allocator + Clone>(
        hint: Indexes,
        table: &TableInfo<A>,
        clause: Option<&Expr<'_, A>>,
    ) -> Result<Self> {
        let mut implied = 0u64;
        if clause.is_some() && hint != Indexes::No {
            for (n, index) in table.seekable().iter().enumerate().take(64) {
                let Some(sql) = index.sql.as_deref().filter(|_| index.columns.partial) else {
                    continue;
                };
                if !hint.allows(n) {
                    continue;
                }
                let parsed = parse_stored(sql, table.name.allocator().clone())?;
                let index_clause = match &parsed.stmt {
                    Stmt::CreateIndex(create) => create.where_clause.as_ref(),
                    _ => None,
                };
                if index_clause.is_some_and(|c| index_where::implied(clause, c)) {
                    implied |= 1 << n;
                }
            }
        }
        Ok(Seekable { hint, implied })
    }

    /// Whether the index at position `n` of `table` may be sought.
    fn allows<A: Allocator>(self, table: &TableInfo<A>, n: usize) -> bool {
        let whole = table.seekable().get(n).is_some_and(|i| !i.columns.partial);
        self.hint.allows(n) && (whole || (n < 64 && self.implied & (1 << n) != 0))
    }
}

/// SQLite's `no query solution` for a statement over one table whose
/// `INDEXED BY` names a partial index that `where_clause` does not imply
/// (the index may lack rows the statement reads).
pub(crate) fn solvable<A: Allocator + Clone>(
    where_clause: Option<&Expr<'_, A>>,
    table: &TableInfo<A>,
    hint: Indexes,
) -> Result<()> {
    let Indexes::Only(n) = hint else {
        return Ok(());
    };
    if !table.seekable().get(n).is_some_and(|i| i.columns.partial) {
        return Ok(());
    }
    match Seekable::new(hint, table, where_clause)?.allows(table, n) {
        true => Ok(()),
        false => Err(crate::Error::Sql("no query solution")),
    }
}

/// The plan for `where_clause` over the table `here`, evaluating bounds
/// in `ctx`.
pub(crate) fn choose<A: Allocator + Clone>(
    where_clause: Option<&Expr<'_, A>>,
    here: Here<'_, '_, A>,
    indexes: Indexes,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Access<A>> {
    let table = here.table;
    let indexes = Seekable::new(indexes, table, where_clause)?;
    let mut plan = Plan::Scan;
    let mut key = None;
    let mut high = None;
    let mut folded = where_clause.is_none();
    let mut rowids = None;
    let mut keys = None;
    let mut in_exact = false;
    let mut sought = None;
    if let Some(clause) = where_clause {
        folded = narrow(clause, here, Some(ctx), &mut plan, &mut rowids)?;
        if matches!(plan, Plan::Scan | Plan::RowidRange { .. }) {
            if let Some(found) = index_term(clause, here, indexes, Some(ctx)) {
                match seek_key(found.bound, table, found.index, ctx)? {
                    Some(value) => {
                        key = Some(value);
                        plan = Plan::IndexEq { index: found.index };
                        sought = term_position(clause, found.term);
                    }
                    None => plan = Plan::Empty,
                }
            }
        }
        if plan == Plan::Scan {
            if let Some((index, list)) = index_in_term(clause, here, indexes) {
                let found = in_keys(list, table, index, ctx)?;
                plan = match found.is_empty() {
                    true => Plan::Empty,
                    false => Plan::IndexIn { index },
                };
                // The list alone: each row the seeks find passes it.
                in_exact = matches!(clause, Expr::InList(_));
                keys = Some(found);
            }
        }
        if plan == Plan::Scan {
            if let Some(term) = range_term(clause, here, indexes) {
                let bound = |end: Option<(&Expr<'_, A>, bool)>| match end {
                    Some((expr, inclusive)) => Ok::<_, crate::Error>(Some((
                        seek_key(expr, table, term.index, ctx)?,
                        inclusive,
                    ))),
                    None => Ok(None),
                };
                let low = bound(term.low)?;
                let upper = bound(term.high)?;
                if matches!(low, Some((None, _))) || matches!(upper, Some((None, _))) {
                    plan = Plan::Empty;
                } else {
                    plan = Plan::IndexRange {
                        index: term.index,
                        low: low.as_ref().map(|(_, inclusive)| *inclusive),
                        high: upper.as_ref().map(|(_, inclusive)| *inclusive),
                    };
                    key = low.and_then(|(value, _)| value);
                    high = upper.and_then(|(value, _)| value);
                }
            }
        }
    }
    let whole = in_exact
        || folded
            && matches!(
                plan,
                Plan::RowidEq(_) | Plan::RowidRange { .. } | Plan::RowidIn
            );
    let proven = match (whole, plan, sought) {
        (true, _, _) => Proven::Clause,
        (false, Plan::IndexEq { .. }, Some(n)) => Proven::Term(n),
        _ => Proven::Nothing,
    };
    Ok(Access {
        plan,
        key,
        high,
        rowids,
        keys,
        proven,
    })
}

/// What a source keeps of its plan from one run of its statement to the
/// next: the choices no bound's value decides, made once, so that a
/// correlated subquery, run once per outer row, only evaluates its key.
///
/// Invariant: [`Chosen::IndexEq`] is kept only for a clause with no
/// rowid term (whose plans follow the values of their bounds), where
/// [`choose`] takes the index equality [`index_term`] finds whatever the
/// key's value; that term and index depend on the clause, the table's
/// schema, the hint and the affinities and collations of the columns
/// named, all fixed for a source (rebuilt when the schema changes) read
/// by one statement's subquery or body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Chosen {
    /// Nothing chosen yet: the next run chooses in full and keeps what
    /// holds.
    #[default]
    Unknown,
    /// The plan depends on more than the value of one key: every run
    /// chooses in full.
    EachRun,
    /// The index equality on the table's index number `index`, by the
    /// `AND` term at position `term` of the clause; its key is the
    /// term's right side (`right`) or left, given `affinity`.
    IndexEq {
        /// The position of the index in the table's list.
        index: usize,
        /// The position of the term among the clause's `AND` terms.
        term: usize,
        /// Whether the key is the term's right side.
        right: bool,
        /// The affinity the key is given.
        affinity: Option<Affinity>,
    },
}

/// [`choose`] for a source that keeps `chosen` between runs: what was
/// chosen once is taken again, only the key evaluated.
pub(crate) fn choose_kept<A: Allocator + Clone>(
    chosen: &mut Chosen,
    where_clause: Option<&Expr<'_, A>>,
    here: Here<'_, '_, A>,
    indexes: Indexes,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Access<A>> {
    if *chosen == Chosen::Unknown {
        *chosen = keepable(where_clause, here, indexes, ctx)?;
    }
    let (
        clause,
        Chosen::IndexEq {
            index,
            term,
            right,
            affinity,
        },
    ) = (where_clause, *chosen)
    else {
        return choose(where_clause, here, indexes, ctx);
    };
    let Some(Expr::Binary(b)) = clause.and_then(|c| nth_term(c, term)) else {
        return Err(crate::Error::Misuse("a kept plan without its term"));
    };
    let bound = if right { &b.rhs } else { &b.lhs };
    let alloc = ctx.allocator();
    let key = evaluate_then(bound, ctx, |value| {
        let value = apply_comparison_affinity(value, affinity);
        if value.as_ref().is_null() {
            return Ok(None);
        }
        Ok(Some(Value::try_from_ref(value.as_ref(), alloc)?))
    })?;
    let (plan, proven) = match key {
        Some(_) => (Plan::IndexEq { index }, Proven::Term(term)),
        None => (Plan::Empty, Proven::Nothing),
    };
    Ok(Access {
        plan,
        key,
        high: None,
        rowids: None,
        keys: None,
        proven,
    })
}

/// What of the plan for `where_clause` a source may keep (see
/// [`Chosen`]).
fn keepable<A: Allocator + Clone>(
    where_clause: Option<&Expr<'_, A>>,
    here: Here<'_, '_, A>,
    indexes: Indexes,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Chosen> {
    let Some(clause) = where_clause else {
        return Ok(Chosen::EachRun);
    };
    // Without a context a rowid term still shapes the plan: any leaves
    // the plan to the values of its bounds.
    let mut plan = Plan::Scan;
    if narrow(clause, here, None, &mut plan, &mut None)? || plan != Plan::Scan {
        return Ok(Chosen::EachRun);
    }
    let seekable = Seekable::new(indexes, here.table, where_clause)?;
    let Some(found) = index_term(clause, here, seekable, Some(ctx)) else {
        return Ok(Chosen::EachRun);
    };
    let (Some(term), Expr::Binary(b)) = (term_position(clause, found.term), found.term) else {
        return Ok(Chosen::EachRun);
    };
    let mut affinity = column_affinity(here.table, found.index);
    if let Some(c) = found.bound.as_column() {
        affinity = comparison_affinity(affinity, ctx.column_affinity(c));
    }
    Ok(Chosen::IndexEq {
        index: found.index,
        term,
        right: core::ptr::eq(found.bound, &b.rhs),
        affinity,
    })
}

/// The `AND` term at position `n` at the top of `clause`.
fn nth_term<'e, 'a, A: Allocator>(clause: &'e Expr<'a, A>, n: usize) -> Option<&'e Expr<'a, A>> {
    let (mut at, mut found) = (0, None);
    split_and(clause, &mut |t| {
        if at == n {
            found = Some(t);
        }
        at += 1;
    });
    found
}

/// The value `bound` seeks in the table's index number `index`: with the
/// affinity of the index's first column given as the comparison gives it;
/// `None` when it is NULL.
fn seek_key<A: Allocator + Clone>(
    bound: &Expr<'_, A>,
    table: &TableInfo<A>,
    index: usize,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Option<Value<A>>> {
    key_for(bound, column_affinity(table, index), ctx)
}

/// The key a seek of a column of affinity `affinity` looks for to find
/// the rows `column = bound` keeps: `bound`'s value with the
/// comparison's affinity given; `None` when it is NULL (no row).
fn key_for<A: Allocator + Clone>(
    bound: &Expr<'_, A>,
    mut affinity: Option<Affinity>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Option<Value<A>>> {
    if let Some(c) = bound.as_column() {
        affinity = comparison_affinity(affinity, ctx.column_affinity(c));
    }
    let alloc = ctx.allocator();
    // Borrowed until coerced, so the key is copied once.
    evaluate_then(bound, ctx, |value| {
        let value = apply_comparison_affinity(value, affinity);
        if value.as_ref().is_null() {
            return Ok(None);
        }
        Ok(Some(Value::try_from_ref(value.as_ref(), alloc)?))
    })
}

/// The shape of the plan for `where_clause`, whatever its bounds turn out
/// to be (what `EXPLAIN QUERY PLAN` shows before parameters are bound).
pub(crate) fn shape<A: Allocator + Clone>(
    where_clause: Option<&Expr<'_, A>>,
    here: Here<'_, '_, A>,
    indexes: Indexes,
) -> Result<Plan> {
    let indexes = Seekable::new(indexes, here.table, where_clause)?;
    let mut plan = Plan::Scan;
    if let Some(clause) = where_clause {
        narrow(clause, here, None, &mut plan, &mut None)?;
        if matches!(plan, Plan::Scan | Plan::RowidRange { .. }) {
            if let Some(found) = index_term(clause, here, indexes, None) {
                plan = Plan::IndexEq { index: found.index };
            }
        }
        if plan == Plan::Scan {
            if let Some((index, _)) = index_in_term(clause, here, indexes) {
                plan = Plan::IndexIn { index };
            }
        }
        if plan == Plan::Scan {
            if let Some(term) = range_term(clause, here, indexes) {
                plan = Plan::IndexRange {
                    index: term.index,
                    low: term.low.map(|(_, inclusive)| inclusive),
                    high: term.high.map(|(_, inclusive)| inclusive),
                };
            }
        }
    }
    Ok(plan)
}

/// The range terms on one indexed column: the index they seek and the
/// first lower and upper bound found, each with whether it is included.
struct RangeTerm<'e, 'a, A: Allocator> {
    index: usize,
    column: usize,
    low: Option<(&'e Expr<'a, A>, bool)>,
    high: Option<(&'e Expr<'a, A>, bool)>,
}

/// The range terms among the `AND` terms of `expr` on the first column
/// (of those an index can seek) that has one: `column op bound` (either
/// way round) with `op` one of `<`, `<=`, `>`, `>=`, and `column BETWEEN
/// bound AND bound`.
fn range_term<'e, 'a, A: Allocator>(
    expr: &'e Expr<'a, A>,
    here: Here<'_, '_, A>,
    indexes: Seekable,
) -> Option<RangeTerm<'e, 'a, A>> {
    let mut found = None;
    collect_range(expr, here, indexes, &mut found);
    found
}

/// Adds the range terms among the `AND` terms of `expr` to `found`.
fn collect_range<'e, 'a, A: Allocator>(
    expr: &'e Expr<'a, A>,
    here: Here<'_, '_, A>,
    indexes: Seekable,
    found: &mut Option<RangeTerm<'e, 'a, A>>,
) {
    let table = here.table;
    type End<'e, 'a, A> = Option<(&'e Expr<'a, A>, bool)>;
    let (column, low, high): (_, End<'e, 'a, A>, End<'e, 'a, A>) = match expr {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            collect_range(&b.lhs, here, indexes, found);
            collect_range(&b.rhs, here, indexes, found);
            return;
        }
        Expr::Binary(b) => {
            let op = match b.op {
                BinaryOp::Lt => Op::Lt,
                BinaryOp::Le => Op::Le,
                BinaryOp::Gt => Op::Gt,
                BinaryOp::Ge => Op::Ge,
                _ => return,
            };
            let (column, bound, op) = if is_plain_bound(&b.rhs) {
                (&b.lhs, &b.rhs, op)
            } else if is_plain_bound(&b.lhs) {
                (&b.rhs, &b.lhs, flip(op))
            } else {
                return;
            };
            match op {
                Op::Gt => (column, Some((bound, false)), None),
                Op::Ge => (column, Some((bound, true)), None),
                Op::Lt => (column, None, Some((bound, false))),
                Op::Le => (column, None, Some((bound, true))),
                Op::Eq => return,
            }
        }
        Expr::Between(between) => {
            let Between {
                negated,
                expr,
                low,
                high,
            } = &**between;
            if *negated || !is_plain_bound(low) || !is_plain_bound(high) {
                return;
            }
            (expr, Some((low, true)), Some((high, true)))
        }
        _ => return,
    };
    let Some(ColumnPos::Column(i)) = column.as_column().and_then(|c| here.pos(c)) else {
        return;
    };
    match found {
        Some(term) if term.column == i => {
            term.low = term.low.or(low);
            term.high = term.high.or(high);
        }
        Some(_) => {}
        None => {
            if let Some(index) = seekable_index(table, i, indexes) {
                *found = Some(RangeTerm {
                    index,
                    column: i,
                    low,
                    high,
                });
            }
        }
    }
}

/// The index that can seek the table's column number `i`: one whose
/// first column is `i` with the column's own collation, a unique one if
/// there is any (it finds at most one row per key).
fn seekable_index<A: Allocator>(
    table: &TableInfo<A>,
    i: usize,
    indexes: Seekable,
) -> Option<usize> {
    let collation = table.columns.columns.get(i)?.collation?;
    let seekable =
        |index: &crate::table::IndexInfo<A>| {
            index.columns.columns.first().is_some_and(|c| {
                c.source == ColumnSource::Column(i) && c.collation == Some(collation)
            }) && index.keys.first().is_some_and(|k| k.collation == collation)
        };
    let mut found = None;
    for (n, index) in table.seekable().iter().enumerate() {
        if indexes.allows(table, n) && seekable(index) && (found.is_none() || index.columns.unique)
        {
            found = Some(n);
            if index.columns.unique {
                break;
            }
        }
    }
    found
}

/// The first `AND` term of `expr` that an index can seek: `column =
/// bound` (either way round) on the first column of an index whose
/// collation there is the column's; the index's position and the bound.
/// Unique indexes are preferred, as they find at most one row.
fn index_term<'e, 'a, A: Allocator + Clone>(
    expr: &'e Expr<'a, A>,
    here: Here<'_, '_, A>,
    indexes: Seekable,
    ctx: Option<&RowContext<'_, '_, A>>,
) -> Option<IndexTerm<'e, 'a, A>> {
    let table = here.table;
    match expr {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            let left = index_term(&b.lhs, here, indexes, ctx);
            let right = index_term(&b.rhs, here, indexes, ctx);
            let unique = |t: &Option<IndexTerm<'_, '_, A>>| {
                t.as_ref()
                    .and_then(|t| table.seekable().get(t.index))
                    .is_some_and(|i| i.columns.unique)
            };
            if unique(&right) && !unique(&left) {
                right
            } else {
                left.or(right)
            }
        }
        Expr::Binary(b) if b.op == BinaryOp::Eq => {
            let (column, bound, left) = split_eq(b, here)?;
            let Some(named) = column.as_column() else {
                return match is_plain_bound(bound) {
                    true => expression_index(table, column, indexes).map(|index| IndexTerm {
                        index,
                        bound,
                        term: expr,
                    }),
                    false => None,
                };
            };
            let ColumnPos::Column(i) = here.pos(named)? else {
                return None;
            };
            let index = seekable_index(table, i, indexes)?;
            match outer_column(bound, here) {
                Some(outer) if !outer_bound_seeks(table, i, outer, left, ctx) => None,
                _ => Some(IndexTerm {
                    index,
                    bound,
                    term: expr,
                }),
            }
        }
        _ => None,
    }
}

/// The sides of `column = bound` (written either way round, `left`
/// when the column is on the left) when one side is a bound an index
/// seek can look for: fixed for the table's loop, and a literal, a
/// parameter, an outer loop's column, or a value with neither affinity
/// nor collation.
fn split_eq<'e, 'a, A: Allocator + Clone>(
    b: &'e Binary<'a, A>,
    here: Here<'_, '_, A>,
) -> Option<(&'e Expr<'a, A>, &'e Expr<'a, A>, bool)> {
    let bound = |e: &Expr<'_, A>| {
        is_plain_bound(e)
            || outer_column(e, here).is_some()
            || (here.fixed(e) && without_affinity(e))
    };
    if bound(&b.rhs) {
        Some((&b.lhs, &b.rhs, true))
    } else if bound(&b.lhs) {
        Some((&b.rhs, &b.lhs, false))
    } else {
        None
    }
}

/// An `AND` term of `expr` an automatic index on one column of `here`'s
/// table can seek: `column = bound` where an index on that column alone,
/// in the comparison's collation, would be sought (see [`index_term`]).
/// The index's entries then compare as the term does, so a seek with
/// the key [`auto_key`] gives finds exactly the rows the term keeps.
pub(crate) fn auto_term<'e, 'a, A: Allocator + Clone>(
    expr: &'e Expr<'a, A>,
    here: Here<'_, '_, A>,
    ctx: Option<&RowContext<'_, '_, A>>,
) -> Option<AutoTerm<'e, 'a, A>> {
    let table = here.table;
    match expr {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            auto_term(&b.lhs, here, ctx).or_else(|| auto_term(&b.rhs, here, ctx))
        }
        Expr::Binary(b) if b.op == BinaryOp::Eq => {
            let (column, bound, left) = split_eq(b, here)?;
            let ColumnPos::Column(i) = here.pos(column.as_column()?)? else {
                return None;
            };
            let own = table.columns.columns.get(i)?;
            // The rowid alias is sought as the rowid; a virtual column
            // has no stored value to read (it is computed per row, which
            // an index built once could not follow if it called a
            // function whose value changes).
            if table.columns.rowid_alias == Some(i) || own.storage.is_none() {
                return None;
            }
            // The index is built in the comparison's collation: the
            // left operand's column's, else the column's own.
            let collation = match (outer_column(bound, here), ctx) {
                (Some(outer), Some(ctx)) => {
                    if !converts_only_key(table, i, outer, ctx) {
                        return None;
                    }
                    match left {
                        true => own.collation?,
                        false => ctx.column_collation(outer),
                    }
                }
                _ => own.collation?,
            };
            Some(AutoTerm {
                column: i,
                collation,
                bound,
            })
        }
        _ => None,
    }
}

/// A term an automatic index can seek (see [`auto_term`]).
pub(crate) struct AutoTerm<'e, 'a, A: Allocator> {
    /// The column's position in the table.
    pub column: usize,
    /// The comparison's collation, which the index's entries are ordered
    /// by.
    pub collation: Collation,
    bound: &'e Expr<'a, A>,
}

/// The key an automatic index on `term`'s column of `table` is sought
/// by for the current outer rows; `None` when it is NULL, which no row
/// equals.
pub(crate) fn auto_key<A: Allocator + Clone>(
    term: &AutoTerm<'_, '_, A>,
    table: &TableInfo<A>,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Option<Value<A>>> {
    key_for(term.bound, compared_affinity(table, term.column), ctx)
}

/// An `AND` term an index can seek: the index's position, the bound it
/// seeks, and the term itself.
struct IndexTerm<'e, 'a, A: Allocator> {
    index: usize,
    bound: &'e Expr<'a, A>,
    term: &'e Expr<'a, A>,
}

/// The index of `table` whose first key column is `expr` as written, to
/// seek by a value with neither affinity nor collation (a literal or
/// parameter), as SQLite seeks an index on expressions: `expr` must be a
/// call or an operator (which have no affinity, so the comparison
/// converts neither side) without a `COLLATE` (so it compares in BINARY,
/// as the key column must). A unique index is preferred.
fn expression_index<A: Allocator + Clone>(
    table: &TableInfo<A>,
    expr: &Expr<'_, A>,
    indexes: Seekable,
) -> Option<usize> {
    let computed = match expr {
        Expr::Function(_) => true,
        Expr::Binary(b) => b.op != BinaryOp::And && b.op != BinaryOp::Or,
        _ => false,
    };
    if !computed || !matches!(explicit_collation(expr), Ok(None)) {
        return None;
    }
    let mut found = None;
    for (n, index) in table.seekable().iter().enumerate() {
        let first = index.columns.columns.first();
        let candidate = indexes.allows(table, n)
            && first.is_some_and(|c| {
                c.source == ColumnSource::Expression && c.collation == Some(Collation::Binary)
            })
            && index
                .keys
                .first()
                .is_some_and(|k| k.collation == Collation::Binary)
            && (found.is_none() || index.columns.unique);
        let Some(sql) = index.sql.as_deref().filter(|_| candidate) else {
            continue;
        };
        // Planning goes on without the index when its text cannot be
        // read here: it is only not sought.
        let Ok(parsed) = parse_stored(sql, table.name.allocator().clone()) else {
            continue;
        };
        let Stmt::CreateIndex(create) = &parsed.stmt else {
            continue;
        };
        let item = create.columns.first();
        if item.is_some_and(|item| item.collate.is_none() && index_where::same(&item.expr, expr)) {
            found = Some(n);
            if index.columns.unique {
                break;
            }
        }
    }
    found
}

/// Whether `expr` is a computed value with neither affinity nor
/// collation of its own (arithmetic, concatenation, a negation), so a
/// comparison with a column compares as with a literal.
fn without_affinity<A: Allocator + Clone>(expr: &Expr<'_, A>) -> bool {
    let computed = match expr {
        Expr::Binary(_) | Expr::Literal(_) | Expr::Param(_) => true,
        Expr::Unary(op, _) => *op != UnaryOp::Plus,
        _ => false,
    };
    // A `COLLATE` inside carries up to the comparison.
    computed && matches!(explicit_collation(expr), Ok(None))
}

/// The column of an outer loop `expr` is, if it is one.
fn outer_column<'e, 'a, A: Allocator>(
    expr: &'e Expr<'a, A>,
    here: Here<'_, '_, A>,
) -> Option<&'e ColumnRef<'a>> {
    expr.as_column().filter(|c| here.outer(c))
}

/// Whether the index on the table's column `i` finds the rows of
/// `column = outer` (`left`: the indexed column is written on the left)
/// as the comparison keeps them, as SQLite's `sqlite3IndexAffinityOk`
/// and collation rules decide: the comparison must not convert the
/// column's values (only the key), and must compare with the column's
/// own collation. Without a context (the plan's shape alone) both are
/// taken to hold.
fn outer_bound_seeks<A: Allocator + Clone>(
    table: &TableInfo<A>,
    i: usize,
    outer: &ColumnRef<'_>,
    left: bool,
    ctx: Option<&RowContext<'_, '_, A>>,
) -> bool {
    let Some(ctx) = ctx else {
        return true;
    };
    let own_collation = table
        .columns
        .columns
        .get(i)
        .and_then(|c| c.collation)
        .unwrap_or_default();
    converts_only_key(table, i, outer, ctx)
        && (left || ctx.column_collation(outer) == own_collation)
}

/// Whether `column = outer` (or the other way round) on the table's
/// column `i` converts only `outer`'s value, never the column's, as
/// SQLite's `sqlite3IndexAffinityOk` decides.
fn converts_only_key<A: Allocator + Clone>(
    table: &TableInfo<A>,
    i: usize,
    outer: &ColumnRef<'_>,
    ctx: &RowContext<'_, '_, A>,
) -> bool {
    let own = compared_affinity(table, i);
    match comparison_affinity(own, ctx.column_affinity(outer)) {
        None | Some(Affinity::Blob) => true,
        Some(Affinity::Text) => own == Some(Affinity::Text),
        Some(_) => matches!(
            own,
            Some(Affinity::Integer | Affinity::Real | Affinity::Numeric)
        ),
    }
}

/// The affinity a comparison sees column `i` of `table` with (`None`: a
/// subquery's column computed by an expression that has none).
fn compared_affinity<A: Allocator>(table: &TableInfo<A>, i: usize) -> Option<Affinity> {
    match table.meta.get(i) {
        Some(m) if m.compared => Some(m.affinity),
        Some(_) => None,
        None => Some(Affinity::Blob),
    }
}

/// Whether `expr` is a value with neither affinity nor collation of its
/// own: a literal or parameter, perhaps signed.
fn is_plain_bound<A: Allocator>(expr: &Expr<'_, A>) -> bool {
    match expr {
        Expr::Literal(_) | Expr::Param(_) => true,
        Expr::Unary(_, inner) => matches!(&**inner, Expr::Literal(_) | Expr::Param(_)),
        _ => false,
    }
}

/// The affinity of the first column of the table's index number `index`.
fn column_affinity<A: Allocator>(
    table: &TableInfo<A>,
    index: usize,
) -> Option<crate::sql::Affinity> {
    let column = table.seekable().get(index)?.columns.columns.first()?;
    match column.source {
        ColumnSource::Column(i) => table.meta.get(i).map(|m| m.affinity),
        ColumnSource::Expression => None,
    }
}

/// Narrows `plan` by the `AND` terms of `expr`.
fn narrow<A: Allocator + Clone>(
    expr: &Expr<'_, A>,
    here: Here<'_, '_, A>,
    ctx: Option<&RowContext<'_, '_, A>>,
    plan: &mut Plan,
    rowids: &mut Option<Vec<RowId, A>>,
) -> Result<bool> {
    let is_rowid = |e: &Expr<'_, A>| {
        e.as_column()
            .is_some_and(|c| here.pos(c) == Some(ColumnPos::Rowid))
    };
    let is_constant = |e: &Expr<'_, A>| here.fixed(e);
    match expr {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            let lhs = narrow(&b.lhs, here, ctx, plan, rowids)?;
            let rhs = narrow(&b.rhs, here, ctx, plan, rowids)?;
            Ok(lhs && rhs)
        }
        Expr::InList(l)
            if !l.negated
                && *plan == Plan::Scan
                && is_rowid(&l.expr)
                && l.list.iter().all(is_constant) =>
        {
            *plan = Plan::RowidIn;
            if let Some(ctx) = ctx {
                let found = rowids_of(&l.list, ctx)?;
                if found.is_empty() {
                    *plan = Plan::Empty;
                }
                *rowids = Some(found);
            }
            Ok(true)
        }
        Expr::Binary(b) => {
            let op = match b.op {
                BinaryOp::Eq => Op::Eq,
                BinaryOp::Lt => Op::Lt,
                BinaryOp::Le => Op::Le,
                BinaryOp::Gt => Op::Gt,
                BinaryOp::Ge => Op::Ge,
                _ => return Ok(false),
            };
            if is_rowid(&b.lhs) && is_constant(&b.rhs) {
                apply(op, &b.rhs, ctx, plan)
            } else if is_rowid(&b.rhs) && is_constant(&b.lhs) {
                apply(flip(op), &b.lhs, ctx, plan)
            } else {
                Ok(false)
            }
        }
        Expr::Between(between) => {
            let Between {
                negated,
                expr,
                low,
                high,
            } = &**between;
            if !negated && is_rowid(expr) && is_constant(low) && is_constant(high) {
                let low = apply(Op::Ge, low, ctx, plan)?;
                let high = apply(Op::Le, high, ctx, plan)?;
                Ok(low && high)
            } else {
                Ok(false)
            }
        }
        _ => Ok(false),
    }
}

/// The first `AND` term of `expr` that is `column IN (list)` (not
/// negated, every item a literal or parameter) on the first column of an
/// index whose collation there is the column's: the index and the list.
fn index_in_term<'e, 'a, A: Allocator + Clone>(
    expr: &'e Expr<'a, A>,
    here: Here<'_, '_, A>,
    indexes: Seekable,
) -> Option<(usize, &'e [Expr<'a, A>])> {
    match expr {
        Expr::Binary(b) if b.op == BinaryOp::And => {
            index_in_term(&b.lhs, here, indexes).or_else(|| index_in_term(&b.rhs, here, indexes))
        }
        Expr::InList(l) if !l.negated && l.list.iter().all(is_plain_bound) => {
            let ColumnPos::Column(i) = here.pos(l.expr.as_column()?)? else {
                return None;
            };
            let n = seekable_index(here.table, i, indexes)?;
            Some((n, &l.list))
        }
        _ => None,
    }
}

/// The keys `column IN (list)` seeks in the table's index number
/// `index`: each item with the column's affinity given, NULLs left out,
/// sorted as the index's first column sorts, each once.
fn in_keys<A: Allocator + Clone>(
    list: &[Expr<'_, A>],
    table: &TableInfo<A>,
    index: usize,
    ctx: &RowContext<'_, '_, A>,
) -> Result<Vec<Value<A>, A>> {
    let mut keys = Vec::try_with_capacity_in(list.len(), ctx.allocator())?;
    for item in list {
        if let Some(key) = seek_key(item, table, index, ctx)? {
            keys.try_push(key)?;
        }
    }
    let column = table
        .seekable()
        .get(index)
        .and_then(|i| i.keys.first().copied())
        .unwrap_or_default();
    let order = |a: &Value<A>, b: &Value<A>| {
        let ordering = compare_values(&a.as_ref(), &b.as_ref(), column.collation);
        match column.order {
            SortOrder::Asc => ordering,
            SortOrder::Desc => ordering.reverse(),
        }
    };
    keys.sort_unstable_by(order);
    // Equal keys are next to each other once sorted: the first of each
    // run is moved down in place, the rest cut off.
    let mut kept = 0;
    for i in 1..keys.len() {
        let new = match (keys.get(kept), keys.get(i)) {
            (Some(last), Some(key)) => !order(last, key).is_eq(),
            _ => false,
        };
        if new {
            kept += 1;
            keys.swap(kept, i);
        }
    }
    keys.truncate(kept + 1);
    Ok(keys)
}

/// The rowids `rowid IN (list)` can match, ascending, each once: the
/// integers the list's values are under the rowid's (numeric) affinity
/// (a whole real the integer it equals); a NULL, text or fractional
/// value matches none.
fn rowids_of<A: Allocator + Clone>(
    list: &[Expr<'_, A>],
    ctx: &RowContext<'_, '_, A>,
) -> Result<Vec<RowId, A>> {
    let mut rowids = Vec::try_with_capacity_in(list.len(), ctx.allocator())?;
    for item in list {
        let value = evaluate(item, ctx)?;
        let n = match numeric_affinity(value.as_ref(), false) {
            ValueRef::Integer(n) => n,
            // A whole real equals the integer rowid of its value.
            ValueRef::Real(r) if (-9.2e18..9.2e18).contains(&r) && (r as i64) as f64 == r => {
                r as i64
            }
            _ => continue,
        };
        rowids.try_push(RowId::new(n))?;
    }
    rowids.sort_unstable();
    rowids.dedup();
    Ok(rowids)
}

/// `a op b` as `b op' a`.
fn flip(op: Op) -> Op {
    match op {
        Op::Eq => Op::Eq,
        Op::Lt => Op::Gt,
        Op::Le => Op::Ge,
        Op::Gt => Op::Lt,
        Op::Ge => Op::Le,
    }
}

/// Narrows `plan` by `rowid op bound`; without a context every bound
/// stands for some integer. Returns whether the term is folded into the
/// plan exactly (an integer or NULL bound).
fn apply<A: Allocator + Clone>(
    op: Op,
    bound: &Expr<'_, A>,
    ctx: Option<&RowContext<'_, '_, A>>,
    plan: &mut Plan,
) -> Result<bool> {
    let value = match ctx {
        Some(ctx) => evaluate(bound, ctx)?,
        None => Value::Integer(0),
    };
    let n = match numeric_affinity(value.as_ref(), false) {
        ValueRef::Integer(n) => RowId::new(n),
        ValueRef::Null => {
            *plan = Plan::Empty;
            return Ok(true);
        }
        // A fractional or text bound: the scan and the clause decide.
        _ => return Ok(false),
    };
    // Without a context the bounds are stand-ins: only the plan's kind
    // means anything, so no stand-in may empty it.
    let known = ctx.is_some();
    *plan = match (*plan, op) {
        (Plan::Empty, _) => Plan::Empty,
        (Plan::RowidIn, _) => return Ok(false),
        (
            Plan::IndexEq { .. }
            | Plan::IndexIn { .. }
            | Plan::IndexRange { .. }
            | Plan::AutoEq { .. },
            _,
        ) => {
            return Ok(false);
        }
        (Plan::RowidEq(m), op) if known && !holds(m, op, n) => Plan::Empty,
        (Plan::RowidEq(m), _) => Plan::RowidEq(m),
        (Plan::RowidRange { low, high }, Op::Eq) if known && !within(n, low, high) => Plan::Empty,
        (_, Op::Eq) => Plan::RowidEq(n),
        (Plan::Scan, op) => range(None, None, op, n),
        (Plan::RowidRange { low, high }, op) => range(low, high, op, n),
    };
    Ok(true)
}

/// Whether `m op n`.
fn holds(m: RowId, op: Op, n: RowId) -> bool {
    match op {
        Op::Eq => m == n,
        Op::Lt => m < n,
        Op::Le => m <= n,
        Op::Gt => m > n,
        Op::Ge => m >= n,
    }
}

/// Whether `n` lies between the ends of a rowid range.
fn within(n: RowId, low: Bound, high: Bound) -> bool {
    let above =
        low.is_none_or(|(l, inclusive)| holds(n, if inclusive { Op::Ge } else { Op::Gt }, l));
    let below =
        high.is_none_or(|(h, inclusive)| holds(n, if inclusive { Op::Le } else { Op::Lt }, h));
    above && below
}

/// The range `low..high` narrowed by `rowid op n`.
fn range(low: Bound, high: Bound, op: Op, n: RowId) -> Plan {
    let tighter_low = |old: Bound, new: (RowId, bool)| match old {
        Some(o) if o.0 > new.0 || (o.0 == new.0 && !o.1) => Some(o),
        _ => Some(new),
    };
    let tighter_high = |old: Bound, new: (RowId, bool)| match old {
        Some(o) if o.0 < new.0 || (o.0 == new.0 && !o.1) => Some(o),
        _ => Some(new),
    };
    let (low, high) = match op {
        Op::Gt => (tighter_low(low, (n, false)), high),
        Op::Ge => (tighter_low(low, (n, true)), high),
        Op::Lt => (low, tighter_high(high, (n, false))),
        Op::Le => (low, tighter_high(high, (n, true))),
        Op::Eq => return Plan::RowidEq(n),
    };
    Plan::RowidRange { low, high }
}
