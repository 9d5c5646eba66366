//! Reads a text file that is meant to be small, but never more than a limit: a path such as
//! `/dev/zero`, or a pipe that never ends, gives an error instead of a read that never does.

use std::io::Read;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum BoundedReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("holds more than {limit} bytes")]
    TooLarge { limit: u64 },
}

/// The whole text of `path` if it holds at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<String, BoundedReadError> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(BoundedReadError::TooLarge { limit });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_within_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("small");
        std::fs::write(&path, "12345").expect("write");
        assert_eq!(read_bounded(&path, 5).expect("read"), "12345");
        assert!(matches!(
            read_bounded(&path, 4),
            Err(BoundedReadError::TooLarge { limit: 4 })
        ));
    }

    #[test]
    fn an_endless_file_stops_at_the_limit() {
        assert!(matches!(
            read_bounded(Path::new("/dev/zero"), 1024),
            Err(BoundedReadError::TooLarge { limit: 1024 })
        ));
    }
}
