//! GrowthBook's own test vectors, case for case: conditions and bucketing must agree with the
//! most used open-source experimentation SDK (see `../shared/conformance/README.md`).
//!
//! The vectors are read from `../shared/conformance/growthbook-cases.json` beside the workspace
//! root, or from the file named by the `TAILOR_CONFORMANCE` environment variable. Every case of
//! `evalCondition`, `hash`, `getBucketRange`, `chooseVariation`, `getEqualWeights` and
//! `inNamespace` runs; the pass count per section is printed and failing cases are listed by name.
//!
//! Conditions use `Condition::parse_lenient`, GrowthBook's behaviour (the vectors expect an unknown
//! operator or an invalid regular expression to make a condition false). As a second check, the
//! strict parse must either reject a vector's condition or agree with it, and the condition's
//! compiled form (what `tailor compile` writes) must read back as the same condition.

use tailor::bucket::{bucket_ranges, choose_variation, equal_weights, hash, in_namespace};
use tailor::condition::Condition;
use tailor::Value;

const DEFAULT_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/growthbook-cases.json"
);

fn load_cases() -> Value {
    let path = std::env::var("TAILOR_CONFORMANCE").unwrap_or_else(|_| DEFAULT_PATH.to_owned());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the GrowthBook conformance vectors at {path}: {e}\n\
             (set TAILOR_CONFORMANCE to the path of growthbook-cases.json to use another file)"
        )
    });
    Value::parse_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Collects results of one section.
struct Section {
    name: &'static str,
    total: usize,
    failures: Vec<String>,
}

impl Section {
    fn new(name: &'static str) -> Self {
        Section {
            name,
            total: 0,
            failures: Vec::new(),
        }
    }

    fn check(&mut self, case: &str, ok: Result<(), String>) {
        self.total += 1;
        if let Err(why) = ok {
            self.failures.push(format!("{} / {case}: {why}", self.name));
        }
    }
}

fn section<'a>(cases: &'a Value, name: &str) -> &'a [Value] {
    cases
        .get(name)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("conformance file has no `{name}` section"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The vectors compare floats after truncating to 8 decimals.
fn same_8(a: f64, b: f64) -> bool {
    (a * 1e8).trunc() == (b * 1e8).trunc()
}

fn eval_condition(cases: &Value) -> (Section, usize) {
    let mut s = Section::new("evalCondition");
    let mut strict_accepted = 0;
    for case in section(cases, "evalCondition") {
        let name = text(case.at(0));
        let (condition, attributes, expected) = (case.at(1), case.at(2), case.at(3).as_bool());
        let groups = case
            .as_array()
            .and_then(|c| c.get(4))
            .unwrap_or(&Value::Null);
        let lenient = Condition::parse_lenient(condition);
        let got = lenient.matches_with_groups(attributes, groups);
        let mut result = if Some(got) == expected {
            Ok(())
        } else {
            Err(format!("expected {expected:?}, got {got}"))
        };
        // Compiled rules carry the parsed condition (through JSON text, as a page does): it must
        // read back as the same condition and decide the same.
        let text = lenient.compiled().to_json_string();
        match Value::parse_json(&text)
            .ok()
            .and_then(|v| Condition::from_compiled(&v))
        {
            Some(back) if format!("{back:?}") == format!("{lenient:?}") => {
                let back_got = back.matches_with_groups(attributes, groups);
                if back_got != got && result.is_ok() {
                    result = Err(format!("compiled gives {back_got}, parsed {got}"));
                }
            }
            _ if result.is_ok() => {
                result = Err(format!("compiled form does not read back: {text}"))
            }
            _ => {}
        }
        if let Ok(strict) = Condition::parse(condition) {
            strict_accepted += 1;
            let strict_got = strict.matches_with_groups(attributes, groups);
            if strict_got != got && result.is_ok() {
                result = Err(format!("strict parse gives {strict_got}, lenient {got}"));
            }
        }
        s.check(name, result);
    }
    (s, strict_accepted)
}

fn hashes(cases: &Value) -> Section {
    let mut s = Section::new("hash");
    for case in section(cases, "hash") {
        let (seed, value, version) = (text(case.at(0)), text(case.at(1)), num(case.at(2)) as u32);
        let expected = case.at(3).as_f64();
        let got = hash(seed, value, version);
        let name = format!("{seed:?} {value:?} v{version}");
        let ok = match (got, expected) {
            (None, None) => true,
            (Some(g), Some(e)) => same_8(g, e),
            _ => false,
        };
        s.check(
            &name,
            if ok {
                Ok(())
            } else {
                Err(format!("expected {expected:?}, got {got:?}"))
            },
        );
    }
    s
}

fn ranges_of(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .unwrap_or_default()
        .iter()
        .map(|r| (num(r.at(0)), num(r.at(1))))
        .collect()
}

fn bucket_range_cases(cases: &Value) -> Section {
    let mut s = Section::new("getBucketRange");
    for case in section(cases, "getBucketRange") {
        let args = case.at(1);
        let weights: Option<Vec<f64>> = args.at(2).as_array().map(|w| w.iter().map(num).collect());
        let got = bucket_ranges(
            num(args.at(0)) as usize,
            args.at(1).as_f64(),
            weights.as_deref(),
        );
        let expected = ranges_of(case.at(2));
        let ok = got.len() == expected.len()
            && got
                .iter()
                .zip(&expected)
                .all(|(g, e)| same_8(g.0, e.0) && same_8(g.1, e.1));
        let why = format!("expected {expected:?}, got {got:?}");
        s.check(text(case.at(0)), if ok { Ok(()) } else { Err(why) });
    }
    s
}

fn choose_variation_cases(cases: &Value) -> Section {
    let mut s = Section::new("chooseVariation");
    for case in section(cases, "chooseVariation") {
        let got = choose_variation(num(case.at(1)), &ranges_of(case.at(2)));
        let got = got.map_or(-1.0, |i| i as f64);
        let expected = num(case.at(3));
        let why = format!("expected {expected}, got {got}");
        s.check(
            text(case.at(0)),
            if got == expected { Ok(()) } else { Err(why) },
        );
    }
    s
}

fn equal_weight_cases(cases: &Value) -> Section {
    let mut s = Section::new("getEqualWeights");
    for case in section(cases, "getEqualWeights") {
        // GrowthBook returns no weights for n <= 0; a count cannot be negative here.
        let n = num(case.at(0)).max(0.0) as usize;
        let got = equal_weights(n);
        let expected: Vec<f64> = case
            .at(1)
            .as_array()
            .unwrap_or_default()
            .iter()
            .map(num)
            .collect();
        let ok =
            got.len() == expected.len() && got.iter().zip(&expected).all(|(g, e)| same_8(*g, *e));
        let why = format!("expected {expected:?}, got {got:?}");
        s.check(
            &format!("n = {}", num(case.at(0))),
            if ok { Ok(()) } else { Err(why) },
        );
    }
    s
}

fn namespace_cases(cases: &Value) -> Section {
    let mut s = Section::new("inNamespace");
    for case in section(cases, "inNamespace") {
        let ns = case.at(2);
        let got = in_namespace(
            text(case.at(1)),
            text(ns.at(0)),
            num(ns.at(1)),
            num(ns.at(2)),
        );
        let expected = case.at(3).as_bool();
        let why = format!("expected {expected:?}, got {got}");
        s.check(
            text(case.at(0)),
            if Some(got) == expected {
                Ok(())
            } else {
                Err(why)
            },
        );
    }
    s
}

/// Lets `case[i]` read a tuple element, `Null` when out of range.
trait Tuple {
    fn at(&self, i: usize) -> &Value;
}

impl Tuple for Value {
    fn at(&self, i: usize) -> &Value {
        self.as_array()
            .and_then(|a| a.get(i))
            .unwrap_or(&Value::Null)
    }
}

#[test]
fn growthbook_conformance() {
    let cases = load_cases();
    let (conditions, strict_accepted) = eval_condition(&cases);
    let sections = [
        conditions,
        hashes(&cases),
        bucket_range_cases(&cases),
        choose_variation_cases(&cases),
        equal_weight_cases(&cases),
        namespace_cases(&cases),
    ];
    let mut failures = Vec::new();
    // Written to the process's stderr directly rather than with println!/eprintln!, which the
    // test harness captures: the counts show in plain `cargo test` output too.
    let mut report = String::new();
    for s in &sections {
        let passed = s.total - s.failures.len();
        report.push_str(&format!(
            "conformance.{}: {passed}/{} passed\n",
            s.name, s.total
        ));
        failures.extend(s.failures.iter().cloned());
    }
    report.push_str(&format!(
        "conformance.evalCondition.strict_parse_accepted: {strict_accepted}/{}\n",
        sections[0].total
    ));
    let _ = std::io::Write::write_all(&mut std::io::stderr(), report.as_bytes());
    assert!(
        failures.is_empty(),
        "{} conformance case(s) failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
