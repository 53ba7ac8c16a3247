//! # partitive-io — readers and writers for partitive
//!
//! Reads numeric matrices as row-major [`partitive::MatRef`] views over `f32` or `f64`
//! (one generic implementation), from
//!
//! - **delimited text** — `.csv`, `.tsv`, `.txt`, `.dat`, `.data`, optionally gzipped
//!   (`.gz`): delimiter (`,`, tab, `;`, whitespace) and header detected, both overridable
//!   ([`ReadOptions`]); blank lines and `#` comments skipped; quoted fields accepted;
//! - **NumPy `.npy`** — memory-mapped; when the dtype is `T` the data are viewed in place
//!   with no copy ([`Dataset::is_memory_mapped`]), other dtypes are converted;
//! - **Parquet** — `.parquet`, `.pq`: numeric columns, optionally picked by
//!   [`ReadOptions::columns`].
//!
//! [`read_mixed`] reads a table of numeric and text (categorical) columns for Gower's
//! dissimilarity, dictionary-encoding the categories ([`MixedTable`]).
//!
//! [`read_matrix`] loads a whole file; [`for_each_chunk`] streams fixed-size row blocks for
//! data larger than memory; [`NpyRows`], [`ParquetRows`] (by row groups) and [`TextRows`]
//! (by byte spans at line starts) read one contiguous range of rows, as a rank of a
//! distributed job does. Each reader has a `*_from_bytes` form
//! ([`read_matrix_from_bytes`], [`read_table_from_bytes`], [`for_each_chunk_from_bytes`],
//! [`read_mixed_from_bytes`], [`native_float_width_from_bytes`]) reading bytes in memory
//! named like a file, through the same parsing code. Writers ([`write_labels`], [`write_matrix`], [`write_npy`],
//! [`write_json`]) are atomic through [`AtomicFile`]: a failed run leaves no half file.
//! Their `*_into` forms write into a staged [`AtomicFile`] so that a program can put several
//! outputs in place together with [`commit_all`] (all or none: pre-existing outputs are
//! backed up and restored if a later rename fails). Output paths are resolved by
//! [`OutputTarget`]: a symbolic link is written through to its target, special files
//! (`/dev/null`, FIFOs) and standard output (`-`, `/dev/stdout`) are written in place and
//! never replaced; [`FileKey`] tells when an output and an input are one file under two
//! spellings (canonical path, device and inode). [`remove_temp_files_on_signal`] makes
//! `SIGINT`/`SIGTERM` remove the temporary files of outputs in progress.
//!
//! Every error is an [`IoError`] whose `Display` is one line naming the file and, for
//! text, the 1-based line and column: `data.csv:17:3: cannot parse 'abc' as a number`.
//!
//! ```
//! use partitive::Mat;
//! use partitive_io::{read_matrix, write_matrix, ReadOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let csv = dir.path().join("points.csv");
//! std::fs::write(&csv, "x,y\n0.5,1\n2,\"3.25\"\n")?;
//! let data = read_matrix::<f64>(&csv, &ReadOptions::default())?;
//! assert_eq!(data.view().row(1), &[2.0, 3.25]);
//! assert_eq!(data.column_names().unwrap(), &["x", "y"]);
//!
//! // Round trip through a memory-mapped .npy file: no copy when reading.
//! let npy = dir.path().join("points.npy");
//! write_matrix(&npy, data.view())?;
//! let back = read_matrix::<f64>(&npy, &ReadOptions::default())?;
//! assert!(back.is_memory_mapped());
//! assert_eq!(back.view().as_slice(), data.view().as_slice());
//!
//! let bad = dir.path().join("bad.csv");
//! std::fs::write(&bad, "1,2\n3,abc\n")?;
//! let err = read_matrix::<f32>(&bad, &ReadOptions::default()).unwrap_err();
//! assert!(err.to_string().ends_with("bad.csv:2:2: cannot parse 'abc' as a number"));
//! # let _ = Mat::<f64>::filled(1, 1, 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod atomic;
mod chunks;
mod cleanup;
mod columns;
mod commit;
mod contain;
mod dataset;
mod error;
mod fields;
mod format;
mod frame;
mod input;
mod lines;
mod mixed;
mod npy;
mod options;
mod parquet;
mod parquet_check;
mod parquet_pages;
mod read;
mod rows;
mod scalar;
mod source;
mod table;
mod target;
mod text;
mod thrift;
mod write;

pub use atomic::AtomicFile;
pub use chunks::{for_each_chunk, for_each_chunk_from_bytes, ChunkedInfo};
pub use cleanup::remove_temp_files_on_signal;
pub use commit::commit_all;
pub use dataset::Dataset;
pub use error::{IoError, IoErrorKind};
pub use fields::is_decimal_comma;
pub use format::Format;
pub use frame::{check_frame_output, write_frame_into, Column, Frame, Values};
pub use lines::LineCount;
pub use mixed::{read_mixed, read_mixed_from_bytes, CategoricalColumns, MixedTable};
pub use npy::NpyRows;
pub use options::{HeaderMode, MissingPolicy, ReadOptions, CLASSIFY_LINES};
pub use read::{
    native_float_width, native_float_width_from_bytes, read_matrix, read_matrix_from_bytes,
};
pub use rows::{ParquetRows, TextRows};
pub use table::{
    read_table, read_table_from_bytes, DroppedRow, Ids, RowInfo, SkippedColumn, Table,
};
pub use target::{FileId, FileKey, OutputKind, OutputTarget};
pub use write::{
    check_labels_output, check_matrix_output, write_float_values_into, write_json, write_json_into,
    write_label_values_into, write_labels, write_labels_into, write_matrix, write_matrix_into,
    write_matrix_with_names, write_npy, write_npy_into,
};
