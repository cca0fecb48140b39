//! `tailor check` and `tailor decide` as a user runs them: the real binary, with the rule files
//! of `schema/examples/` and the fixtures in `tests/fixtures/`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    path(&["tests", "fixtures", name])
}

fn example(name: &str) -> String {
    path(&["..", "schema", "examples", name])
}

fn path(parts: &[&str]) -> String {
    let mut p = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    p.extend(parts);
    p.to_string_lossy().into_owned()
}

fn tailor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tailor"))
        .args(args)
        .output()
        .expect("the tailor binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_example_passes_the_schema_and_the_engine() {
    let dir = PathBuf::from(path(&["..", "schema", "examples"]));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let out = tailor(&["check", "--strict", file.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stdout(&out).contains(", 0 errors, 0 warnings"),
            "{}",
            stdout(&out)
        );
        seen += 1;
    }
    assert!(seen >= 2);
}

#[test]
fn the_example_fits_its_page() {
    let out = tailor(&[
        "check",
        &example("pet-store.json"),
        "--page",
        &fixture("pet-store-page.html"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("9 rules, 0 errors, 0 warnings\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn selectors_missing_from_a_page_are_errors() {
    let out = tailor(&[
        "check",
        &example("pet-store.json"),
        "--page=".to_owned().as_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an empty --page= cannot be read"
    );

    let page = fixture("page-without-hero.html");
    let out = tailor(&["check", &example("pet-store.json"), "--page", &page]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: rule \"hero-cat\" - selector `#hero img` matches nothing in"),
        "{text}"
    );
    assert!(
        text.contains("error: rule \"summer-south\" - no <template id=\"banner-summer\"> in"),
        "{text}"
    );
    assert!(
        text.contains(
            "warning: rule \"recommend-by-topic\" - selector `.recommendation` has 3 items but matches 1 element in"
        ),
        "{text}"
    );
    assert!(!text.contains("rule \"greeting-named\""), "{text}");
}

#[test]
fn bad_rules_are_reported_with_rule_and_path() {
    let out = tailor(&["check", &fixture("rules-bad.json")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for expected in [
        "error: rule \"evil\" at rules[2].actions[0].attributes.href - URL refused",
        "error: rule \"evil\" at rules[2].actions[0].attributes.onclick - event handler attributes (on*) are never allowed",
        "error: rule \"cat-hero\" - unreachable: rule \"everyone-hero\" applies to everyone in slot \"hero\" with priority 5",
        "error: rule \"evil\" - invalid CSS selector `div[`",
        "warning: rule \"cat-hero\" - reads attribute \"pets\"",
        "3 rules, 4 errors, 1 warning",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // Errors before warnings.
    let first_warning = text.find("warning:").unwrap();
    assert!(text.rfind("error:").unwrap() < first_warning, "{text}");
    // --strict turns the unknown attribute into an error.
    let out = tailor(&["check", "--strict", &fixture("rules-bad.json")]);
    assert!(
        stdout(&out).contains("3 rules, 5 errors, 0 warnings"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn structural_errors_and_invalid_json() {
    let out = tailor(&["check", &fixture("rules-broken.json")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: rule \"a\" at rules[0].holdout - holdout must be a share"),
        "{text}"
    );
    assert!(
        text.contains("error: rule \"b\" at rules[1].condition.visits.$gte"),
        "{text}"
    );
    assert!(
        !text.contains("schema:"),
        "the engine's messages are enough: {text}"
    );

    let out = tailor(&["check", &fixture("pet-store-page.html")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("error: - not valid JSON"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check"][..],
        &["check", "--bogus", "x.json"],
        &["check", "a.json", "b.json"],
        &["check", "/nonexistent/rules.json"],
        &["decide", "--rules", "x.json"],
        &["decide", "--profile", "x.json", "--rules"],
        &[
            "decide",
            "--rules",
            "/nonexistent.json",
            "--profile",
            "/nonexistent.json",
        ],
    ] {
        let out = tailor(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
}

fn decide(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["decide"];
    all.extend_from_slice(args);
    let out = tailor(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("decide prints JSON")
}

fn outcome<'a>(d: &'a serde_json::Value, rule: &str) -> (&'a str, &'a str) {
    let r = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap();
    (
        r["outcome"].as_str().unwrap(),
        r["reason"].as_str().unwrap(),
    )
}

#[test]
fn decide_with_a_stored_profile_uses_its_history() {
    let d = decide(&[
        "--rules",
        &example("pet-store.json"),
        "--profile",
        &fixture("profile-stored.json"),
        "--url",
        "https://shop.example/cats/toys",
        "--now",
        "2024-12-24T10:00:00Z",
    ]);
    assert_eq!(d["profile"], "stored profile");
    assert_eq!(d["visitor"], "0123456789abcdef0123456789abcdef");
    let winners: Vec<_> = d["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        winners,
        ["hero-cat", "greeting-named", "recommend-by-topic"]
    );
    assert_eq!(
        outcome(&d, "winter-hokkaido"),
        ("capped", "capped: 1 of 1 this session")
    );
    assert_eq!(
        outcome(&d, "greeting-returning"),
        (
            "lost-slot",
            "matched: visits >= 2; lost slot greeting to rule greeting-named (priority 10 > 5)"
        )
    );
    let greeting = &d["decisions"][1]["actions"][0];
    assert_eq!(greeting["change"], "text");
    assert_eq!(greeting["text"], "Welcome back, Hana!");
    let recs = &d["decisions"][2]["actions"];
    assert_eq!(recs[2]["index"], 1);
    assert_eq!(recs[2]["text"], "Catnip mice");

    // A new session the next day: the cap has room again.
    let d = decide(&[
        "--rules",
        &example("pet-store.json"),
        "--profile",
        &fixture("profile-stored.json"),
        "--url",
        "/",
        "--now",
        "2024-12-25T10:00:00Z",
    ]);
    // The stored session is long over, but a new one starts only when the page view is
    // recorded; decide sees the stored history as it is.
    assert_eq!(outcome(&d, "winter-hokkaido").0, "capped");
}

#[test]
fn decide_reads_the_documented_profile_export_and_says_which_form() {
    // `JSON.stringify(tailor.profile())`: the stored profile under "profile", with consent.
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("profile-stored.json")).unwrap())
            .unwrap();
    let export = serde_json::json!({
        "profile": stored,
        "consent": { "mode": "opt-out", "gpc": false },
        "persisted": true,
    });
    let file = std::env::temp_dir().join(format!("tailor-export-{}.json", std::process::id()));
    std::fs::write(&file, export.to_string()).unwrap();
    let file = file.to_string_lossy().into_owned();
    let common = [
        "--rules",
        &example("pet-store.json"),
        "--url",
        "https://shop.example/cats/toys",
        "--now",
        "2024-12-24T10:00:00Z",
    ];
    let run = |profile: &str| {
        let mut all = vec!["decide", "--profile", profile];
        all.extend_from_slice(&common);
        tailor(&all)
    };
    let out = run(&file);
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("profile export"), "{}", stderr(&out));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["profile"], "profile export");
    assert_eq!(d["visitor"], "0123456789abcdef0123456789abcdef");
    let direct: serde_json::Value =
        serde_json::from_slice(&run(&fixture("profile-stored.json")).stdout).unwrap();
    assert!(!d["decisions"].as_array().unwrap().is_empty());
    assert_eq!(d["decisions"], direct["decisions"]);
    assert_eq!(d["rules"], direct["rules"]);

    let out = run(&fixture("profile-stored.json"));
    assert!(
        stderr(&out).contains("as a stored profile"),
        "{}",
        stderr(&out)
    );
    let out = run(&fixture("attributes.json"));
    assert!(
        stderr(&out).contains("as plain attributes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn decide_with_plain_attributes_keeps_hostile_values_as_text() {
    let d = decide(&[
        "--rules",
        &fixture("rules-hostile.json"),
        "--profile",
        &fixture("attributes.json"),
        "--url",
        "https://shop.example/login?next=javascript:alert(1)",
        "--now",
        "1735034400000",
    ]);
    assert_eq!(d["profile"], "attributes");
    assert_eq!(d["visitor"], "visitor-42");
    assert_eq!(d["attributes"]["path"], "/login");
    let actions = d["decisions"][0]["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "the javascript: href is refused");
    assert_eq!(
        actions[0]["text"],
        "Welcome back, <img src=x onerror=alert(1)>!"
    );
    assert!(outcome(&d, "greet")
        .1
        .contains("action 1 refused: URL refused"));
}

#[test]
fn decide_refuses_invalid_rules() {
    let out = tailor(&[
        "decide",
        "--rules",
        &fixture("rules-broken.json"),
        "--profile",
        &fixture("attributes.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid rules: rule \"a\" at rules[0].holdout"),
        "{}",
        stderr(&out)
    );
}

/// A scratch directory of this test's own, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tailor-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn compiled_rules_decide_exactly_as_the_json_rules_they_came_from() {
    let dir = scratch("compile");
    for (rules, profile, url) in [
        (
            example("pet-store.json"),
            fixture("profile-stored.json"),
            "https://shop.example/cats/toys",
        ),
        (example("pet-store.json"), fixture("attributes.json"), "/"),
        (
            path(&["..", "demo-site", "rules.json"]),
            fixture("profile-stored.json"),
            "/cats.html",
        ),
    ] {
        let out_file = dir.join("rules.compiled.json");
        let out_path = out_file.to_string_lossy().into_owned();
        let out = tailor(&["compile", &rules, "--out", &out_path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains(" rules -> "), "{}", stderr(&out));
        let from = |r: &str| {
            let args = ["--rules", r, "--profile", &profile, "--url", url];
            decide(&[&args[..], &["--now", "2024-12-24T10:00:00Z"]].concat())
        };
        assert_eq!(
            from(&out_path),
            from(&rules),
            "{rules} for {profile} at {url}"
        );
        // The loader reads the selectors to pre-hide from the compiled file alone.
        let compiled: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
        assert_eq!(compiled["format"], "tailor-compiled/1");
        assert!(!compiled["selectors"].as_array().unwrap().is_empty());
    }
}

#[test]
fn compile_writes_beside_the_input_or_prints_and_refuses_bad_rules() {
    let dir = scratch("compile-out");
    let input = dir.join("rules.json");
    std::fs::copy(example("minimal.json"), &input).unwrap();
    let input = input.to_string_lossy().into_owned();
    let out = tailor(&["compile", &input]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.join("rules.compiled.json")).unwrap();
    let printed = tailor(&["compile", &input, "--out", "-"]);
    assert_eq!(stdout(&printed), written);
    assert_eq!(
        written.lines().count(),
        1,
        "one line, for a page's script block"
    );

    // What `tailor check` calls an error stops the compile, and nothing is written.
    let bad_out = dir.join("bad.compiled.json");
    let out = tailor(&[
        "compile",
        &fixture("rules-bad.json"),
        "--out",
        &bad_out.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nothing written"), "{}", stderr(&out));
    assert!(!bad_out.exists());
    // The page check runs too.
    let out = tailor(&[
        "compile",
        &example("pet-store.json"),
        "--out",
        "-",
        "--page",
        &fixture("page-without-hero.html"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    // A compiled file is not checked as JSON rules: check says what to check instead.
    let out = tailor(&["check", &dir.join("rules.compiled.json").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("these are compiled rules"),
        "{}",
        stdout(&out)
    );
    assert_eq!(tailor(&["compile"]).status.code(), Some(2));
    assert_eq!(
        tailor(&["compile", "/nonexistent/rules.json"])
            .status
            .code(),
        Some(2)
    );
}
