//! Command-line words for every `tailor` subcommand, read one way: `--flag value` or
//! `--flag=value`, switches, plain words.

use std::slice::Iter;

/// Splits `--flag=value` into the flag and its inline value; anything else is returned whole.
pub fn split(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((name, value)) if name.starts_with("--") => (name, Some(value)),
        _ => (arg, None),
    }
}

/// The value of `flag`: given inline, or the next word.
pub fn value(
    flag: &str,
    inline: Option<&str>,
    rest: &mut Iter<'_, String>,
) -> Result<String, String> {
    match inline {
        Some(v) => Ok(v.to_owned()),
        None => rest
            .next()
            .cloned()
            .ok_or_else(|| format!("`{flag}` needs a value")),
    }
}

/// Stores a flag's value in `slot`, refusing a flag given twice.
pub fn set_once(
    slot: &mut Option<String>,
    flag: &str,
    inline: Option<&str>,
    rest: &mut Iter<'_, String>,
) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("`{flag}` given twice"));
    }
    *slot = Some(value(flag, inline, rest)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_take_inline_or_next_values() {
        assert_eq!(split("--port=80"), ("--port", Some("80")));
        assert_eq!(split("--port"), ("--port", None));
        assert_eq!(split("a=b"), ("a=b", None));
        let words: Vec<String> = vec!["9".into()];
        let mut rest = words.iter();
        assert_eq!(value("--n", None, &mut rest).unwrap(), "9");
        assert_eq!(
            value("--n", None, &mut rest).unwrap_err(),
            "`--n` needs a value"
        );
        let mut slot = Some("x".to_owned());
        let err = set_once(&mut slot, "--n", Some("y"), &mut rest).unwrap_err();
        assert_eq!(err, "`--n` given twice");
    }
}
