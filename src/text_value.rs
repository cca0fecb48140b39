//! What a visitor's text value may hold, once for the client and the server. The client
//! normalizes every value it stores ([`clean_text`]); the server accepts exactly what that
//! produces ([`is_clean_text`]), so a value typed into a form or a page's meta tag can never
//! make a batch the server refuses.

use crate::prelude::*;
/// Tab, line feed and carriage return become a space; every other control character (C0, DEL,
/// C1) is dropped; the result is trimmed and cut to `max` characters (whole characters).
pub fn clean_text(raw: &str, max: usize) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    let trimmed = out.trim();
    match trimmed.char_indices().nth(max) {
        // `get`, not indexing: the panic path of a slice pulls formatting into the wasm.
        Some((end, _)) => trimmed.get(..end).unwrap_or(trimmed).trim_end().to_owned(),
        None => trimmed.to_owned(),
    }
}

/// True when `value` is what [`clean_text`] makes of some input: 1 to `max` characters, no
/// control character, no leading or trailing white space.
pub fn is_clean_text(value: &str, max: usize) -> bool {
    let chars = value.chars().count();
    chars > 0 && chars <= max && !value.chars().any(char::is_control) && value.trim() == value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped_and_white_space_trimmed() {
        assert_eq!(clean_text("ca\u{7}t", 32), "cat");
        assert_eq!(clean_text("do\u{7f}g", 32), "dog");
        assert_eq!(clean_text("news\u{8}", 32), "news");
        assert_eq!(clean_text(" a\tb\u{85}c\u{9f} ", 32), "a bc");
        assert_eq!(clean_text("\u{0}\u{1b}", 32), "");
        assert_eq!(clean_text("abcdef", 3), "abc");
        assert_eq!(clean_text("ab cd", 3), "ab");
        assert_eq!(clean_text("ねこねこ", 2), "ねこ");
    }

    #[test]
    fn what_the_client_makes_the_server_accepts() {
        let inputs = [
            "ca\u{7}t",
            "do\u{7f}g",
            " news\u{8}",
            "a\u{0}\u{9f}b",
            "\t\tx\r\n",
            "ねこ\u{1}ねこ",
            "aaaaaaaaaa aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ];
        for raw in inputs {
            let clean = clean_text(raw, 32);
            assert!(is_clean_text(&clean, 32), "{raw:?} -> {clean:?}");
        }
        assert!(!is_clean_text("ca\u{7}t", 32));
        assert!(!is_clean_text("", 32));
        assert!(!is_clean_text(" cat", 32));
        assert!(!is_clean_text("cats", 3));
    }
}
