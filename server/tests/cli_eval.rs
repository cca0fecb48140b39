//! `tailor eval` as a user runs it: the real binary, its stdout, stderr and exit code.

use std::process::{Command, Output};

fn tailor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tailor"))
        .arg("eval")
        .args(args)
        .output()
        .expect("the tailor binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn prints_true_when_the_condition_matches() {
    let out = tailor(&[
        "--condition",
        r#"{"pet":"cat","geo.country":{"$in":["JP","KR"]},"visits":{"$gte":3}}"#,
        "--attributes",
        r#"{"pet":"cat","geo":{"country":"JP"},"visits":4}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "true");
}

#[test]
fn prints_false_when_it_does_not() {
    let out = tailor(&[
        "--condition",
        r#"{"pet":"cat"}"#,
        "--attributes",
        r#"{"pet":"dog"}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "false");
}

#[test]
fn uses_saved_groups() {
    let out = tailor(&[
        "--condition",
        r#"{"geo.region":{"$inGroup":"snowy"}}"#,
        "--attributes",
        r#"{"geo":{"region":"JP-01"}}"#,
        "--groups",
        r#"{"snowy":["JP-01","JP-02"]}"#,
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "true".to_owned())
    );
}

#[test]
fn invalid_json_exits_2_with_a_message() {
    let out = tailor(&["--condition", "{pet:cat}", "--attributes", "{}"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("--condition is not valid JSON"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn invalid_condition_exits_2_naming_the_place() {
    let out = tailor(&[
        "--condition",
        r#"{"$and":[{"pet":"cat"},{"age":{"$gte":true}}]}"#,
        "--attributes",
        "{}",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`$and.1.age.$gte`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lenient_evaluates_like_growthbook_and_warns() {
    let out = tailor(&[
        "--lenient",
        "--condition",
        r#"{"name":{"$regx":"hello"}}"#,
        "--attributes",
        r#"{"name":"hello"}"#,
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "false".to_owned())
    );
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["--attributes", "{}"][..],
        &["--frobnicate"],
        &["--condition"],
    ] {
        let out = tailor(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).starts_with("tailor eval: "),
            "{}",
            stderr(&out)
        );
    }
}
