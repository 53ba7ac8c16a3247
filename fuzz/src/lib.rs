//! The harness shared by the reader fuzz targets.
//!
//! Each reader target gets bytes whose first two bytes are a [`Config`] (reading options,
//! chunk size) and whose rest is the content of a file. The content is read from memory,
//! under a file name whose extension picks the format, through the in-memory form of every
//! public entry point of `partitive-io` — the file readers open their file and then run the
//! same code: `read_matrix` as `f64` and `f32` (the memory-mapped path for `.npy`, over an
//! anonymous map), `for_each_chunk` (the streaming path, several chunks),
//! `native_float_width` and `read_mixed`. (Before these entry points existed each input was
//! written to a file and read back six times: 850–2,400 executions/s for text.)
//!
//! Besides "no panic, no hang, no huge allocation", the harness checks properties that
//! must hold for any input:
//!
//! - a successful read has at least one row and one column, `n_rows × n_cols` values,
//!   all finite, and one name per column when it has names;
//! - streaming agrees with the whole-file read: both succeed with the same values (bit
//!   for bit) and names, or both fail with the same message;
//! - every chunk but the last has exactly the chunk size;
//! - an error's message is one non-empty line;
//! - a file that cannot be read as `f64` cannot be read as `f32` either.
//!
//! A global allocator ([`Guard`]) aborts on any single allocation above
//! `PARTITIVE_FUZZ_ALLOC_LIMIT_MB` (default 512 MiB): libFuzzer's `-malloc_limit_mb` needs
//! a sanitizer's malloc hooks, and an untouched huge reservation (`Vec::with_capacity`
//! sized from a header's claim) never shows in the RSS. Inputs are at most a few MiB, so
//! such an allocation is a header believed before it was checked.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use partitive_io::{
    for_each_chunk_from_bytes, native_float_width_from_bytes, read_matrix_from_bytes,
    read_mixed_from_bytes, CategoricalColumns, HeaderMode, IoError, ReadOptions,
};

/// The allocator of the fuzz targets: the system allocator, aborting on any single
/// allocation larger than the limit.
pub struct Guard;

/// The limit in bytes (0 = not read from the environment yet).
static LIMIT: AtomicUsize = AtomicUsize::new(0);

fn limit() -> usize {
    match LIMIT.load(Ordering::Relaxed) {
        0 => {
            // Set before reading the environment, which allocates.
            LIMIT.store(usize::MAX, Ordering::Relaxed);
            let mb = std::env::var("PARTITIVE_FUZZ_ALLOC_LIMIT_MB")
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(512);
            let l = mb.saturating_mul(1 << 20).max(1);
            LIMIT.store(l, Ordering::Relaxed);
            l
        }
        l => l,
    }
}

#[inline]
fn check(size: usize) {
    if size > limit() {
        // No allocation from here on: a fixed message, then abort (libFuzzer keeps the input).
        let _ = std::io::stderr().write_all(b"partitive-fuzz: single allocation above the limit\n");
        std::process::abort();
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the guard only aborts first.
unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Guard = Guard;

/// Reading options decoded from one byte.
#[derive(Debug, Clone)]
pub struct Config {
    /// The options passed to every reader.
    pub opts: ReadOptions,
    /// Rows per chunk for `for_each_chunk`.
    pub chunk_rows: usize,
}

impl Config {
    /// Bytes of the config prefix.
    pub const LEN: usize = 2;

    /// From the first two input bytes. Byte 0: bits 0–1 header (auto, present, absent,
    /// auto); bits 2–3 delimiter (detected, `,`, whitespace, byte 1 — any byte: tab, `;`,
    /// a quote, a non-ASCII byte); bit 4 select columns — bit 7 picks `["x", "1"]` (a
    /// name, then an index) or `["1", "0"]`; bits 5–6 chunk rows 1, 3, 64 or 5000.
    pub fn from_bytes(b: u8, custom: u8) -> Config {
        let mut opts = ReadOptions::default();
        opts.header = match b & 3 {
            1 => HeaderMode::Present,
            2 => HeaderMode::Absent,
            _ => HeaderMode::Auto,
        };
        opts.delimiter = match (b >> 2) & 3 {
            1 => Some(b','),
            2 => Some(b' '),
            3 => Some(custom),
            _ => None,
        };
        if b & 0x10 != 0 {
            let spec: &[&str] = if b & 0x80 != 0 {
                &["x", "1"]
            } else {
                &["1", "0"]
            };
            opts.columns = Some(spec.iter().map(|s| s.to_string()).collect());
        }
        let chunk_rows = [1, 3, 64, 5000][((b >> 5) & 3) as usize];
        Config { opts, chunk_rows }
    }
}

thread_local! {
    /// A rayon pool whose one worker is the fuzzing thread itself (`use_current_thread`):
    /// the readers' parallel loops run inline, with no hand-off to another thread per read
    /// (which costs a scheduler round trip per input on a loaded machine). Results do not
    /// depend on the thread count (the readers' tests check that).
    static POOL: rayon::ThreadPool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .expect("thread pool");
}

/// Asserts that `e` displays as one non-empty line.
fn one_line(e: &IoError) -> String {
    let s = e.to_string();
    assert!(!s.trim().is_empty(), "empty error message: {e:?}");
    assert!(!s.contains('\n'), "multi-line error message: {s:?}");
    s
}

/// The fuzz input `data` (config bytes + file content) read every way as a file named `name`.
pub fn exercise(name: &str, data: &[u8]) {
    if data.len() < Config::LEN {
        return;
    }
    let (head, content) = data.split_at(Config::LEN);
    let cfg = Config::from_bytes(head[0], head[1]);
    POOL.with(|p| p.install(|| read_all(Path::new(name), content, &cfg)));
}

fn read_all(path: &Path, bytes: &[u8], cfg: &Config) {
    let opts = &cfg.opts;
    let whole = read_matrix_from_bytes::<f64>(path, bytes, opts);
    match &whole {
        Ok(d) => {
            let (n, m) = (d.n_rows(), d.n_cols());
            assert!(n > 0 && m > 0, "an empty matrix was returned: {n} x {m}");
            assert_eq!(d.view().as_slice().len(), n * m);
            assert!(d.view().as_slice().iter().all(|v| v.is_finite()));
            if let Some(names) = d.column_names() {
                assert_eq!(names.len(), m);
            }
        }
        Err(e) => {
            one_line(e);
        }
    }

    // Streaming agrees with the whole-file read.
    let chunk = cfg.chunk_rows;
    let mut streamed: Vec<f64> = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    let info = for_each_chunk_from_bytes::<f64>(path, bytes, opts, chunk, |m| {
        assert!(m.n_rows() > 0 && m.n_rows() <= chunk);
        sizes.push(m.n_rows());
        streamed.extend_from_slice(m.as_slice());
        Ok(())
    });
    match (&whole, &info) {
        (Ok(d), Ok(info)) => {
            assert_eq!((info.n_rows, info.n_cols), (d.n_rows(), d.n_cols()));
            assert_eq!(info.column_names.as_deref(), d.column_names());
            let a: Vec<u64> = d.view().as_slice().iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = streamed.iter().map(|v| v.to_bits()).collect();
            assert!(a == b, "streamed values differ from the whole-file read");
            if let Some((_, full)) = sizes.split_last() {
                assert!(full.iter().all(|&s| s == chunk), "short chunk: {sizes:?}");
            }
        }
        (Err(a), Err(b)) => {
            let (a, b) = (one_line(a), one_line(b));
            // A corrupt compressed Parquet page is reported by the parquet crate's decoder,
            // whose words depend on how much of the page a batch size made it decode
            // ("checksum" vs "failed to fill whole buffer"): both must be malformed-file
            // errors of the same file. Every other error must read the same.
            const MALFORMED: &str = ": malformed file: ";
            match (a.find(MALFORMED), b.find(MALFORMED)) {
                (Some(i), Some(j)) => assert_eq!(a[..i], b[..j], "streaming fails differently"),
                _ => assert_eq!(a, b, "streaming fails differently"),
            }
        }
        (Ok(_), Err(e)) => panic!("the whole file reads but streaming fails: {e}"),
        (Err(e), Ok(_)) => panic!("streaming reads but the whole file fails: {e}"),
    }

    // f32: never succeeds where f64 fails (f32's range is narrower).
    match read_matrix_from_bytes::<f32>(path, bytes, opts) {
        Ok(d) => {
            assert!(whole.is_ok(), "f32 reads a file f64 cannot");
            assert!(d.view().as_slice().iter().all(|v| v.is_finite()));
            assert_eq!(d.view().as_slice().len(), d.n_rows() * d.n_cols());
        }
        Err(e) => {
            one_line(&e);
        }
    }

    match native_float_width_from_bytes(path, bytes) {
        Ok(w) => assert!(matches!(w, None | Some(4) | Some(8))),
        Err(e) => {
            one_line(&e);
        }
    }

    for cat in [
        CategoricalColumns::Auto,
        CategoricalColumns::Exactly(vec!["0".to_string()]),
    ] {
        match read_mixed_from_bytes(path, bytes, opts, &cat) {
            Ok(t) => {
                assert!(t.n_rows() > 0 && t.n_cols() > 0);
                assert_eq!(t.view().as_slice().len(), t.n_rows() * t.n_cols());
                assert!(t.view().as_slice().iter().all(|v| v.is_finite()));
                if let Some(names) = t.column_names() {
                    assert_eq!(names.len(), t.n_cols());
                }
            }
            Err(e) => {
                one_line(&e);
            }
        }
    }
}
