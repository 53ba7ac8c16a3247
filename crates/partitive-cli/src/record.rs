//! The record of a run, carried by every summary (and model): the tool version, every
//! parameter, the columns used, the rows read and dropped, and the input's SHA-256
//! (FIPS 180-4; the same digest `sha256sum FILE` prints), computed on a second thread while
//! the data are read.

use crate::data::Loaded;
use partitive::Float;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

/// The version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The SHA-256 of an input file, being computed.
pub struct Checksum {
    handle: Option<JoinHandle<Option<String>>>,
}

impl Checksum {
    /// Starts hashing `path` on a thread (nothing for a special file such as a FIFO,
    /// which cannot be read twice).
    pub fn start(path: &Path) -> Checksum {
        let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        if !regular {
            return Checksum { handle: None };
        }
        let p: PathBuf = path.to_path_buf();
        Checksum {
            handle: std::thread::Builder::new()
                .name("sha256".into())
                .spawn(move || sha256_file(&p))
                .ok(),
        }
    }

    /// The hex digest (`None` when the file could not be read).
    pub fn finish(self) -> Option<String> {
        self.handle.and_then(|h| h.join().ok().flatten())
    }
}

/// The lowercase hex SHA-256 of the bytes of `path`.
pub fn sha256_file(path: &Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The record fields of a summary: `partitive_version`, `parameters` (every flag, as
/// given or defaulted), `columns` (the features, in order), `rows` and `input_sha256`.
pub fn record<T: Float>(
    command: &str,
    args: &impl Serialize,
    data: &Loaded<T>,
    sha256: Option<&str>,
) -> serde_json::Map<String, Value> {
    let info = &data.info;
    let mut m = serde_json::Map::new();
    m.insert("partitive_version".into(), json!(VERSION));
    m.insert("command".into(), json!(command));
    m.insert(
        "parameters".into(),
        serde_json::to_value(args).unwrap_or(Value::Null),
    );
    m.insert("columns".into(), json!(data.columns));
    m.insert("columns_named".into(), json!(data.named));
    m.insert("scale".into(), json!(data.scaler.kind.name()));
    m.insert(
        "scaler".into(),
        json!({"center": data.scaler.center, "scale": data.scaler.scale}),
    );
    m.insert(
        "skipped_columns".into(),
        json!(info
            .skipped
            .iter()
            .map(|s| json!({"index": s.index, "name": s.name, "example": s.example}))
            .collect::<Vec<_>>()),
    );
    m.insert(
        "id_column".into(),
        json!(info.ids.as_ref().map(|i| i.name.clone())),
    );
    m.insert(
        "rows".into(),
        json!({
            "in_file": info.n_file_rows,
            "used": data.raw.n_rows(),
            "dropped_missing": info.dropped.len(),
            "dropped_rows": info.dropped.iter().take(1000).map(|r| r.row).collect::<Vec<_>>(),
        }),
    );
    m.insert("input_sha256".into(), json!(sha256));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc.txt");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Checksum::start(&p).finish().as_deref(),
            sha256_file(&p).as_deref()
        );
        assert!(Checksum::start(&dir.path().join("nope")).finish().is_none());
    }
}
