//! Targeting conditions: GrowthBook's MongoDB-style language, parsed once, evaluated per visitor.
//!
//! A condition is a JSON object over visitor attributes, e.g.
//! `{"pet": "cat", "geo.country": {"$in": ["JP", "KR"]}, "visits": {"$gte": 3}}`. Every
//! operator of GrowthBook's `evalCondition` is supported — `$and $or $nor $not`, `$eq $ne $gt $gte
//! $lt $lte`, `$in $nin $ini $nini`, `$all $alli`, `$exists $type $size $elemMatch`, `$regex
//! $regexi`, `$veq $vne $vgt $vgte $vlt $vlte`, `$inGroup $notInGroup` — with GrowthBook's
//! JavaScript semantics (loose comparisons, UTF-16 string order, `null` for missing attributes),
//! so that a condition means the same here as in GrowthBook; `tests/conformance.rs` checks this
//! against GrowthBook's own test vectors.
//!
//! Two ways to parse:
//! - [`Condition::parse`] is **strict**, for authoring and checking rules: an unknown operator, an
//!   operand of the wrong type, an invalid regular expression, or a construct that GrowthBook
//!   accepts but that cannot be meant (`{"$eq": [1]}` is never true) is a [`ConditionError`]
//!   naming where it is (`$and.1.age.$gte`).
//! - [`Condition::parse_lenient`] is **GrowthBook's behaviour**, for running rules: it never fails;
//!   a clause GrowthBook cannot evaluate (unknown operator, invalid regular expression, `$in`
//!   without an array, a non-object condition) is simply never true. The conformance vectors
//!   need this mode (`"unknown operator"`, `"$regex invalid"`, `"$in - not array"`).
//!   Where a strict parse succeeds, both parses evaluate identically.
//!
//! Evaluation never panics and never fails. This module owns the meaning of conditions only; it
//! never reads the page, the profile store or the clock — attributes arrive as a [`Value`].
//!
//! Known differences from GrowthBook's JavaScript, all on inputs no real rule uses: a non-array
//! operand of `$and`/`$or`/`$nor`, a non-object item in them, a non-object `$not` or
//! `$elemMatch` operand, and a non-object condition are "never true" here, where JavaScript
//! would iterate over the characters of a string or throw; conditions nested deeper than 64
//! levels are invalid.

use crate::prelude::*;
mod compiled;
mod eval;
mod js;
mod parse;
mod version;

use crate::Value;
use core::fmt;

/// A problem in a condition, with the dot path to where it is (`$and.1.age.$gte`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionError {
    /// Where in the condition the problem is, as a dot path (`$and.0.visits.$gte`); empty for
    /// the condition itself. Array items appear as their index.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "condition at `{}`: {}", self.path, self.message)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for ConditionError {}

/// A parsed targeting condition. Parse once, evaluate against many attribute objects.
#[derive(Debug, Clone)]
pub struct Condition {
    root: eval::Clauses,
}

impl Condition {
    /// Strict parse: the first problem found is an error. See the module documentation.
    pub fn parse(condition: &Value) -> Result<Condition, ConditionError> {
        let mut parser = parse::Parser::new();
        let root = parser.condition(condition, 0);
        match parser.problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(Condition { root }),
        }
    }

    /// Lenient parse with GrowthBook's behaviour: never fails; clauses GrowthBook cannot
    /// evaluate are never true. See the module documentation.
    pub fn parse_lenient(condition: &Value) -> Condition {
        Condition {
            root: parse::Parser::new().condition(condition, 0),
        }
    }

    /// The parsed form as compiled rules carry it (positional JSON: `compiled.rs`).
    pub fn compiled(&self) -> Value {
        compiled::write_clauses(&self.root)
    }

    /// Reads what [`Condition::compiled`] wrote; `None` for anything of another shape.
    pub fn from_compiled(value: &Value) -> Option<Condition> {
        Some(Condition {
            root: compiled::read_clauses(value)?,
        })
    }

    /// Every problem a strict parse would see (it reports only the first), in document order.
    /// Empty when [`Condition::parse`] succeeds.
    pub fn problems(condition: &Value) -> Vec<ConditionError> {
        let mut parser = parse::Parser::new();
        parser.condition(condition, 0);
        parser.problems
    }

    /// Whether `attributes` (an object; dot paths reach into nested objects) meets the
    /// condition. `$inGroup` sees no saved groups.
    pub fn matches(&self, attributes: &Value) -> bool {
        self.root.eval(attributes, &Value::Null)
    }

    /// As [`Condition::matches`], with `saved_groups` an object from group id to an array of
    /// member values, for `$inGroup` and `$notInGroup`.
    pub fn matches_with_groups(&self, attributes: &Value, saved_groups: &Value) -> bool {
        self.root.eval(attributes, saved_groups)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        Value::parse_json(text).unwrap()
    }

    fn error(condition: &str) -> ConditionError {
        Condition::parse(&json(condition)).expect_err(condition)
    }

    fn matches(condition: &str, attributes: &str) -> bool {
        Condition::parse(&json(condition))
            .unwrap()
            .matches(&json(attributes))
    }

    #[test]
    fn errors_name_the_place_inside_the_condition() {
        let e = error(r#"{"$and":[{"pet":"cat"},{"age":{"$gte":true}}]}"#);
        assert_eq!(e.path, "$and.1.age.$gte");
        assert_eq!(e.message, "expects a number or a string");

        let e = error(r#"{"geo.country":{"$in":"JP"}}"#);
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            ("geo.country.$in", "expects an array")
        );

        let e = error(r#"{"name":{"$regx":"x"}}"#);
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            ("name.$regx", "unknown operator")
        );

        let e = error(r#"{"$or":[{"tags":{"$all":["a",{"$regex":"("}]}}]}"#);
        assert_eq!(e.path, "$or.0.tags.$all.1.$regex");
        assert!(
            e.message.starts_with("invalid regular expression"),
            "{}",
            e.message
        );

        assert_eq!(error("[1]").path, "");
        assert_eq!(error(r#"{"$or":{"a":1}}"#).path, "$or");
        assert_eq!(error(r#"{"$not":[]}"#).path, "$not");
        assert_eq!(error(r#"{"$in":[1]}"#).path, "$in");
        assert_eq!(error(r#"{"a":{"$gt":1,"b":2}}"#).path, "a");
        assert_eq!(error(r#"{"a":{"$type":"date"}}"#).path, "a.$type");
        assert_eq!(error(r#"{"a":{"$elemMatch":3}}"#).path, "a.$elemMatch");
        assert!(error(r#"{"a":{"$eq":[1]}}"#)
            .to_string()
            .starts_with("condition at `a.$eq`"));
    }

    #[test]
    fn problems_lists_every_problem_in_order() {
        let all = Condition::problems(&json(r#"{"a":{"$foo":1},"b":{"$in":2}}"#));
        let paths: Vec<&str> = all.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a.$foo", "b.$in"]);
        assert!(Condition::problems(&json(r#"{"a":1}"#)).is_empty());
    }

    #[test]
    fn lenient_parse_makes_invalid_clauses_false_not_errors() {
        let c = Condition::parse_lenient(&json(r#"{"$or":[{"a":{"$regex":"["}},{"b":1}]}"#));
        assert!(c.matches(&json(r#"{"b":1}"#)));
        assert!(!c.matches(&json(r#"{"a":"["}"#)));
        assert!(!Condition::parse_lenient(&json(r#""cat""#)).matches(&json("{}")));
        // `$nor` of a never-true clause holds.
        let c = Condition::parse_lenient(&json(r#"{"$nor":[{"a":{"$bogus":1}}]}"#));
        assert!(c.matches(&json(r#"{"a":1}"#)));
    }

    #[test]
    fn pet_store_conditions() {
        let visitor = r#"{"pet":"cat","geo":{"country":"JP","region":"JP-01"},
            "topics":{"cat-toys":3.5},"visits":4,"stage":"consideration",
            "url":"https://shop.example/cats/toys?utm_source=mail","lang":"ja-JP"}"#;
        assert!(matches(
            r#"{"pet":"cat","geo.country":{"$in":["JP","KR"]}}"#,
            visitor
        ));
        assert!(matches(
            r#"{"topics.cat-toys":{"$gte":2},"visits":{"$gt":3}}"#,
            visitor
        ));
        assert!(matches(
            r#"{"url":{"$regex":"/cats/"},"lang":{"$regex":"^ja"}}"#,
            visitor
        ));
        assert!(!matches(
            r#"{"stage":{"$in":["purchase","loyalty"]}}"#,
            visitor
        ));
        assert!(matches(r#"{"$not":{"pet":"dog"}}"#, visitor));
        assert!(matches(r#"{"topics.dog-food":{"$exists":false}}"#, visitor));
    }

    #[test]
    fn saved_groups_are_looked_up_at_evaluation() {
        let c = Condition::parse(&json(r#"{"geo.region":{"$inGroup":"snowy"}}"#)).unwrap();
        let visitor = json(r#"{"geo":{"region":"JP-01"}}"#);
        assert!(c.matches_with_groups(&visitor, &json(r#"{"snowy":["JP-01","JP-02"]}"#)));
        assert!(!c.matches_with_groups(&visitor, &json(r#"{"snowy":"JP-01"}"#)));
        assert!(!c.matches(&visitor));
    }

    #[test]
    fn string_order_is_javascripts() {
        // "🐶" (0xD83D…) sorts before "～" (0xFF5E) in JavaScript, after it by code point.
        assert!(matches(r#"{"s":{"$lt":"～"}}"#, r#"{"s":"🐶"}"#));
        assert!(matches(r#"{"s":{"$gt":"Z"}}"#, r#"{"s":"a"}"#));
    }

    #[test]
    fn loose_javascript_equality_is_kept() {
        // GrowthBook compares `value + ""` with a string and `value * 1` with a number.
        assert!(matches(r#"{"n":"8"}"#, r#"{"n":8}"#));
        assert!(matches(r#"{"n":8}"#, r#"{"n":"8"}"#));
        assert!(matches(r#"{"n":0}"#, r#"{}"#));
        assert!(matches(r#"{"tags":"a,b"}"#, r#"{"tags":["a","b"]}"#));
        assert!(matches(r#"{"n":{"$regex":"^1\\.5$"}}"#, r#"{"n":1.5}"#));
    }

    #[test]
    fn elem_match_skips_falsy_elements_as_javascript_does() {
        assert!(!matches(
            r#"{"a":{"$elemMatch":{"$eq":0}}}"#,
            r#"{"a":[0]}"#
        ));
        assert!(matches(
            r#"{"a":{"$elemMatch":{"$eq":1}}}"#,
            r#"{"a":[0,1]}"#
        ));
    }

    #[test]
    fn absurd_nesting_is_invalid_not_a_stack_overflow() {
        // Below serde_json's own limit of 128, above ours of 64.
        let mut text = String::from("true");
        for _ in 0..70 {
            text = format!(r#"{{"$not":{text}}}"#);
        }
        let text = format!(r#"{{"a":{text}}}"#);
        let value = json(&text);
        assert!(error(&text).message.contains("nested too deeply"));
        assert!(!Condition::parse_lenient(&value).matches(&json("{}")));
    }
}
