//! The shell's JSON text bridge (`js_json::parse_text`, `to_text`) against the browser's own
//! `JSON.parse` + `from_js` and `JSON.stringify` + `to_js`, in headless Chromium: they must agree
//! on every text and value, including the corners where JavaScript's object model shows.
#![cfg(target_arch = "wasm32")]

use js_sys::JSON;
use tailor::browser::js_json;
use tailor::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// What the shell did before: the browser parses, the engine walks the result.
fn browser_parse(text: &str) -> Option<Value> {
    JSON::parse(text).ok().map(|v| js_json::from_js(&v))
}

fn browser_print(value: &Value) -> String {
    JSON::stringify(&js_json::to_js(value))
        .unwrap()
        .as_string()
        .unwrap()
}

fn assert_same_parse(text: &str) {
    let ours = js_json::parse_text(text);
    assert_eq!(ours, browser_parse(text), "{text:?}");
    // Equal numbers may still differ in sign (-0): compare the printed text too.
    if let Some(value) = ours {
        assert_eq!(js_json::to_text(&value), browser_print(&value), "{text:?}");
    }
}

#[wasm_bindgen_test]
fn documents_parse_and_print_as_the_browser_does() {
    for text in [
        r#"{"b":1.5,"a":[true,null,"猫 🐱"],"c":{"z":-2,"y":{}},"d":[]}"#,
        r#"{"v":2,"topics":{"topic-1":3.47,"topic-2":0.01},"events":{"e":[25,1778272000000]}}"#,
        r#"  [ 1 , { } , [ ] , "" ]  "#,
        r#""top-level string""#,
        "true",
        "null",
        "-0",
    ] {
        assert_same_parse(text);
    }
}

#[wasm_bindgen_test]
fn numbers_agree_with_the_browser() {
    for text in [
        "0",
        "-0",
        "1",
        "-1",
        "0.1",
        "0.2",
        "0.30000000000000004",
        "3.47",
        "0.97",
        "1e21",
        "1e-7",
        "0.000001",
        "123e-2",
        "1E+2",
        "5e-324",
        "1.7976931348623157e308",
        "9007199254740993",
        "12345678901234567890",
        "0.1234567890123456789",
        "1e22",
        "1e23",
        "4.35",
        "2.5e-3",
        "1e400",
        "-1e400",
        "1e-400",
        "1778412400000",
        "1e999999999999999999",
        "0.00000000000000000000000000000000000001",
    ] {
        assert_same_parse(text);
        assert_same_parse(&["[", text, "]"].concat());
    }
    // Values built by the engine, printed.
    for n in [
        0.97,
        1.0 / 3.0,
        -0.0,
        1e21,
        1e-7,
        123.456,
        1e15,
        1e15 + 0.5,
        f64::NAN,
    ] {
        let value = Value::Array(vec![Value::Number(n)]);
        assert_eq!(js_json::to_text(&value), browser_print(&value), "{n}");
    }
}

#[wasm_bindgen_test]
fn strings_and_unicode_agree_with_the_browser() {
    for text in [
        r#""q\" b\\ s\/ \b\f\n\r\t \u0001\u001F\u007f é\u00e9 \ud83d\udc31 \u2028 ©""#,
        r#""\ud800 \udc00 \ud800\ud800\udc00 \ud800\u0041 \uDBFF\uDFFF""#,
        r#"{"\u0000":"\u001f","ключ":"значение","🐱":"\u00e9"}"#,
    ] {
        assert_same_parse(text);
    }
    let built = Value::Object(vec![(
        "k\u{1}\"\\\u{7f}".into(),
        "\u{0}\u{8}\u{c}\u{1b}\u{2028}🐕".into(),
    )]);
    assert_eq!(js_json::to_text(&built), browser_print(&built));
}

#[wasm_bindgen_test]
fn object_key_order_and_repeats_agree_with_the_browser() {
    for text in [
        r#"{"b":1,"10":2,"a":3,"2":4,"01":5,"-1":6,"4294967295":7,"4294967294":8,"0":9}"#,
        r#"{"a":1,"b":2,"a":3,"__proto__":4,"constructor":5}"#,
        r#"{"x":{"y":1,"y":{"z":2}},"x":[1]}"#,
        r#"{"__proto__":{"x":1},"y":2}"#,
        r#"{"__proto__":null}"#,
    ] {
        assert_same_parse(text);
    }
    let built = Value::Object(vec![
        ("z".into(), Value::Null),
        ("7".into(), Value::Null),
        ("z".into(), true.into()),
    ]);
    assert_eq!(js_json::to_text(&built), browser_print(&built));
    let many = Value::Object(
        (0..300)
            .map(|i| {
                (
                    ["key-", &i.to_string()].concat(),
                    Value::Number(f64::from(i)),
                )
            })
            .collect(),
    );
    assert_eq!(js_json::to_text(&many), browser_print(&many));
    assert_same_parse(&browser_print(&many));
}

#[wasm_bindgen_test]
fn invalid_text_is_rejected_where_json_parse_throws() {
    for text in [
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{'a':1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[+1]",
        "[1e]",
        "[-]",
        "[0x10]",
        "NaN",
        "[Infinity]",
        "tru",
        "\"a",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\t\"",
        "[1] 2",
        "{\"a\" 1}",
        "{1:2}",
        "\u{feff}1",
        "[1\u{a0}]",
        "[\"a\"\"b\"]",
        "[1\u{b}]",
    ] {
        assert_eq!(js_json::parse_text(text), None, "accepted {text:?}");
        assert_eq!(browser_parse(text), None, "the browser accepted {text:?}");
    }
}

#[wasm_bindgen_test]
fn nesting_deeper_than_the_limit_becomes_null_as_from_js_cuts_it() {
    for depth in [63, 64, 65, 66, 200] {
        let text = "[".repeat(depth) + "{\"a\":1}" + &"]".repeat(depth);
        assert_same_parse(&text);
    }
    // Far deeper than any stack would take: no overflow, the same result as the browser's.
    let text = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_same_parse(&text);
}
