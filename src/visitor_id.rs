//! What a visitor id is, once for the client and the server: 128 random bits written as 32
//! lower-case hex digits. The browser checks ids it reads back from storage with this before
//! it puts one in a URL; the server refuses anything else with a 400.

/// The length of a visitor id in characters.
pub const VISITOR_ID_CHARS: usize = 32;

/// True when `text` is a visitor id as the engine makes it: 32 lower-case hex digits.
pub fn is_visitor_id(text: &str) -> bool {
    text.len() == VISITOR_ID_CHARS && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What to do with a queued erase once the server answered with HTTP `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EraseAnswer {
    /// 2xx or 404: nothing of this visitor is left on the server.
    Done,
    /// Another 4xx: the server refuses this entry and always will; drop it so it stops blocking
    /// the entries behind it.
    Refused,
    /// 0 (network error), 408, 429 or 5xx: try again on a later page.
    Retry,
}

/// The one reading of an erase response's status.
pub fn erase_answer(status: u16) -> EraseAnswer {
    match status {
        200..=299 | 404 => EraseAnswer::Done,
        408 | 429 => EraseAnswer::Retry,
        400..=499 => EraseAnswer::Refused,
        _ => EraseAnswer::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_32_lower_case_hex_digits_are_an_id() {
        assert!(is_visitor_id("0123456789abcdef0123456789abcdef"));
        for bad in [
            "",
            "abc",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdeg",
            "0123456789abcdef0123456789abcdef0",
            "../../../healthz?aaaaaaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!is_visitor_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_refused_erase_is_dropped_and_a_failed_one_retried() {
        assert_eq!(erase_answer(204), EraseAnswer::Done);
        assert_eq!(erase_answer(404), EraseAnswer::Done);
        assert_eq!(erase_answer(400), EraseAnswer::Refused);
        assert_eq!(erase_answer(429), EraseAnswer::Retry);
        assert_eq!(erase_answer(503), EraseAnswer::Retry);
        assert_eq!(erase_answer(0), EraseAnswer::Retry);
    }
}
