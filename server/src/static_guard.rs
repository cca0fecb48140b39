//! What the static file services (site and SDK) may be asked for. `ServeDir` answers 500 when
//! the file system refuses a name (a segment of 256 bytes or more is `ENAMETOOLONG`) and serves
//! dotfiles (`/.env`, `/.git/config`) like any other file. This layer answers 404 for both
//! before the file system is asked, so neither a secret nor an internal error reaches a client.

use crate::error::AppError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The longest segment the file systems we run on accept (`NAME_MAX`, 255 bytes).
const MAX_SEGMENT_BYTES: usize = 255;

/// Refuses with 404 a path with a hidden segment or one longer than a file name can be.
pub async fn only_plain_files(request: Request, next: Next) -> Response {
    if servable(request.uri().path()) {
        next.run(request).await
    } else {
        AppError::not_found("no such file").into_response()
    }
}

/// Whether every segment of `path`, percent-decoded as `ServeDir` decodes it, is a name that may
/// be served: not hidden (no leading '.'; this also covers `.` and `..`) and not too long.
pub fn servable(path: &str) -> bool {
    path.split('/').all(|raw| {
        let segment = percent_decode(raw);
        // A decoded '/' or '\' would split the segment again on some systems: refuse it too.
        !segment.starts_with(b".")
            && segment.len() <= MAX_SEGMENT_BYTES
            && !segment.contains(&b'/')
            && !segment.contains(&b'\\')
            && !segment.contains(&0)
    })
}

fn percent_decode(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::servable;

    #[test]
    fn plain_paths_pass_and_hidden_or_overlong_segments_do_not() {
        assert!(servable("/"));
        assert!(servable("/index.html"));
        assert!(servable("/cats/a.b.html"));
        assert!(!servable("/.env"));
        assert!(!servable("/.git/config"));
        assert!(!servable("/a/%2eenv"));
        assert!(!servable("/a/%2Ehtaccess"));
        assert!(!servable("/a/../b"));
        assert!(!servable("/a%2f..%2fb"));
        assert!(servable(&format!("/{}", "a".repeat(255))));
        assert!(!servable(&format!("/{}", "a".repeat(256))));
        // Decoded length counts: 86 × "%61" is 86 bytes, 258 characters.
        assert!(servable(&format!("/{}", "%61".repeat(86))));
        assert!(!servable(&format!("/{}", "%61".repeat(256))));
    }
}
