//! A parsed condition as compiled rules carry it (`rules::compiled`): the evaluable form of
//! `eval.rs`, written as positional JSON, so that the lean engine needs no condition parser.
//!
//! Each node is an array whose first item is a small number naming its kind (numbers, not names:
//! the reader matches them without comparing strings):
//! - a condition (`Clauses`) is an array of clauses; a clause is `[0, [conditions]]` (`$and`),
//!   `[1, [conditions]]` (`$or`), `[2, [conditions]]` (`$nor`), `[3, condition]` (`$not`),
//!   `[4, [path parts], test]` (an attribute) or `[5]` (never true);
//! - a test is `[0, text]`, `[1, folded text]`, `[2, number]`, `[3, bool]`, `[4]` (null),
//!   `[5, literal]`, `[6, [operators]]` or `[7]` (never);
//! - an operator is `[0, value]` (`$eq`), `[1, value]` (`$ne`), `[2, relation, text or number]`
//!   (`$lt`...), `[3, bool]` (`$exists`), `[4, [items], fold, negate]` (`$in`...), `[5, group,
//!   negate]`, `[6, test]` (`$not`), `[7, test]` (`$size`), `[8, test]` / `[9, condition]`
//!   (`$elemMatch`), `[10, [tests]]` (`$all`), `[11, source, caseInsensitive]` (`$regex`),
//!   `[12, type]`, `[13, relation, padded version]` or `[14]` (never);
//! - a relation is 0 to 5: `=`, `!=`, `<`, `<=`, `>`, `>=`.
//!
//! Everything the parser decides once (operators resolved, paths split, operands lowercased or
//! padded) is written as it decided it, so reading is building, never deciding again; a regular
//! expression is compiled again from its source. A node of the wrong shape makes the read fail.

use super::eval::{Clause, Clauses, Operator, Relation, Test};
use super::js::Primitive;
use crate::pattern::Pattern;
use crate::prelude::*;
use crate::Value;
use alloc::borrow::Cow;

const RELATIONS: [Relation; 6] = [
    Relation::Eq,
    Relation::Ne,
    Relation::Lt,
    Relation::Lte,
    Relation::Gt,
    Relation::Gte,
];

fn node(kind: u8, rest: impl IntoIterator<Item = Value>) -> Value {
    let mut items = vec![Value::Number(f64::from(kind))];
    items.extend(rest);
    Value::Array(items)
}

fn relation_number(r: Relation) -> Value {
    let at = RELATIONS.iter().position(|&x| x == r).unwrap_or(0);
    Value::Number(at as f64)
}

pub(super) fn write_clauses(clauses: &Clauses) -> Value {
    Value::Array(clauses.0.iter().map(write_clause).collect())
}

fn write_list(list: &[Clauses]) -> Value {
    Value::Array(list.iter().map(write_clauses).collect())
}

fn write_clause(clause: &Clause) -> Value {
    match clause {
        Clause::And(list) => node(0, [write_list(list)]),
        Clause::Or(list) => node(1, [write_list(list)]),
        Clause::Nor(list) => node(2, [write_list(list)]),
        Clause::Not(inner) => node(3, [write_clauses(inner)]),
        Clause::Field { path, test } => {
            let parts = path.iter().map(|p| Value::from(p.as_str())).collect();
            node(4, [Value::Array(parts), write_test(test)])
        }
        Clause::Never => node(5, []),
    }
}

fn write_test(test: &Test) -> Value {
    match test {
        Test::Text(s) => node(0, [Value::from(s.as_str())]),
        Test::TextFolded(s) => node(1, [Value::from(s.as_str())]),
        Test::Number(n) => node(2, [Value::Number(*n)]),
        Test::Bool(b) => node(3, [Value::Bool(*b)]),
        Test::Null => node(4, []),
        Test::Literal(v) => node(5, [v.clone()]),
        Test::Operators(ops) => node(6, [Value::Array(ops.iter().map(write_operator).collect())]),
        Test::Never => node(7, []),
    }
}

fn write_operator(op: &Operator) -> Value {
    match op {
        Operator::Eq(v) => node(0, [v.clone()]),
        Operator::Ne(v) => node(1, [v.clone()]),
        Operator::Compare(r, p) => {
            let operand = match p {
                Primitive::Text(t) => Value::from(t.as_ref()),
                Primitive::Number(n) => Value::Number(*n),
            };
            node(2, [relation_number(*r), operand])
        }
        Operator::Exists(b) => node(3, [Value::Bool(*b)]),
        Operator::In {
            items,
            fold,
            negate,
        } => node(
            4,
            [
                Value::Array(items.clone()),
                Value::Bool(*fold),
                Value::Bool(*negate),
            ],
        ),
        Operator::InGroup { group, negate } => {
            node(5, [Value::from(group.as_str()), Value::Bool(*negate)])
        }
        Operator::Not(t) => node(6, [write_test(t)]),
        Operator::Size(t) => node(7, [write_test(t)]),
        Operator::ElemMatchValue(t) => node(8, [write_test(t)]),
        Operator::ElemMatchCondition(c) => node(9, [write_clauses(c)]),
        Operator::All(tests) => node(10, [Value::Array(tests.iter().map(write_test).collect())]),
        Operator::Regex(p) => node(
            11,
            [
                Value::from(p.source()),
                Value::Bool(p.is_case_insensitive()),
            ],
        ),
        Operator::Type(t) => node(12, [Value::from(t.as_str())]),
        Operator::Version(r, padded) => {
            node(13, [relation_number(*r), Value::from(padded.as_str())])
        }
        Operator::Never => node(14, []),
    }
}

/// The node's kind and the items after it.
fn split(value: &Value) -> Option<(u8, &[Value])> {
    let (kind, rest) = value.as_array()?.split_first()?;
    match kind {
        Value::Number(n) if *n >= 0.0 && *n <= 14.0 && *n as u8 as f64 == *n => {
            Some((*n as u8, rest))
        }
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn relation(value: &Value) -> Option<Relation> {
    let n = value.as_f64()?;
    if n < 0.0 || n as usize as f64 != n {
        return None;
    }
    RELATIONS.get(n as usize).copied()
}

pub(super) fn read_clauses(value: &Value) -> Option<Clauses> {
    let mut out = Vec::new();
    for clause in value.as_array()? {
        out.push(read_clause(clause)?);
    }
    Some(Clauses(out))
}

fn read_list(value: &Value) -> Option<Vec<Clauses>> {
    let mut out = Vec::new();
    for item in value.as_array()? {
        out.push(read_clauses(item)?);
    }
    Some(out)
}

fn read_clause(value: &Value) -> Option<Clause> {
    Some(match split(value)? {
        (0, [list]) => Clause::And(read_list(list)?),
        (1, [list]) => Clause::Or(read_list(list)?),
        (2, [list]) => Clause::Nor(read_list(list)?),
        (3, [inner]) => Clause::Not(Box::new(read_clauses(inner)?)),
        (4, [parts, test]) => {
            let mut path = Vec::new();
            for part in parts.as_array()? {
                path.push(text(part)?);
            }
            Clause::Field {
                path,
                test: read_test(test)?,
            }
        }
        (5, []) => Clause::Never,
        _ => return None,
    })
}

fn read_test(value: &Value) -> Option<Test> {
    Some(match split(value)? {
        (0, [s]) => Test::Text(text(s)?),
        (1, [s]) => Test::TextFolded(text(s)?),
        (2, [Value::Number(n)]) => Test::Number(*n),
        (3, [Value::Bool(b)]) => Test::Bool(*b),
        (4, []) => Test::Null,
        (5, [literal]) => Test::Literal(literal.clone()),
        (6, [ops]) => {
            let mut out = Vec::new();
            for op in ops.as_array()? {
                out.push(read_operator(op)?);
            }
            Test::Operators(out)
        }
        (7, []) => Test::Never,
        _ => return None,
    })
}

fn read_operator(value: &Value) -> Option<Operator> {
    Some(match split(value)? {
        (0, [v]) => Operator::Eq(v.clone()),
        (1, [v]) => Operator::Ne(v.clone()),
        (2, [r, operand]) => {
            let p = match operand {
                Value::String(s) => Primitive::Text(Cow::Owned(s.clone())),
                Value::Number(n) => Primitive::Number(*n),
                _ => return None,
            };
            Operator::Compare(relation(r)?, p)
        }
        (3, [Value::Bool(b)]) => Operator::Exists(*b),
        (4, [items, Value::Bool(fold), Value::Bool(negate)]) => Operator::In {
            items: items.as_array()?.to_vec(),
            fold: *fold,
            negate: *negate,
        },
        (5, [group, Value::Bool(negate)]) => Operator::InGroup {
            group: text(group)?,
            negate: *negate,
        },
        (6, [t]) => Operator::Not(Box::new(read_test(t)?)),
        (7, [t]) => Operator::Size(Box::new(read_test(t)?)),
        (8, [t]) => Operator::ElemMatchValue(Box::new(read_test(t)?)),
        (9, [c]) => Operator::ElemMatchCondition(Box::new(read_clauses(c)?)),
        (10, [tests]) => {
            let mut out = Vec::new();
            for t in tests.as_array()? {
                out.push(read_test(t)?);
            }
            Operator::All(out)
        }
        (11, [source, Value::Bool(ci)]) => {
            Operator::Regex(Pattern::new(source.as_str()?, *ci).ok()?)
        }
        (12, [t]) => Operator::Type(text(t)?),
        (13, [r, padded]) => Operator::Version(relation(r)?, text(padded)?),
        (14, []) => Operator::Never,
        _ => return None,
    })
}
