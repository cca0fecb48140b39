//! List operations the engine repeats, written once.
//!
//! `remove_where` rather than `Vec::retain` in code that ships to the browser: `retain`'s two
//! phases and drop guard are instantiated per element type and closure; measured with the four
//! uses below, `retain` made the wasm 338 bytes larger (docs/size.md). The lists are short (at most a
//! few hundred entries), so `Vec::remove`'s shifting costs nothing that matters.

use alloc::vec::Vec;

/// Removes, in order, every entry of `list` for which `gone` is true; returns how many.
pub(crate) fn remove_where<T>(list: &mut Vec<T>, mut gone: impl FnMut(&T) -> bool) -> usize {
    let mut removed = 0;
    let mut i = 0;
    while i < list.len() {
        if gone(&list[i]) {
            list.remove(i);
            removed += 1;
        } else {
            i += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_every_match_and_keeps_the_order_of_the_rest() {
        let mut list = vec![1, 2, 3, 2, 2, 4, 2];
        assert_eq!(remove_where(&mut list, |&n| n == 2), 4);
        assert_eq!(list, vec![1, 3, 4]);
        assert_eq!(remove_where(&mut list, |_| false), 0);
        assert_eq!(remove_where(&mut list, |_| true), 3);
        assert!(list.is_empty());
    }
}
