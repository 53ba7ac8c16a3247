//! Checks of a Parquet file's claims that the `parquet` crate trusts, made before it
//! decodes anything: a corrupt footer or page header must be refused as a malformed file,
//! not allocate gigabytes, loop or panic. In order: [`check_footer`] (before the crate
//! parses the footer), [`check_layout`], the page headers (`parquet_pages.rs`),
//! [`check_dictionaries`].

use std::path::Path;

use parquet::basic::Type as Physical;
use parquet::column::page::Page;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::{ChunkReader, FileReader};
use parquet::file::serialized_reader::SerializedFileReader;

use crate::contain::contain;
use crate::error::IoError;
use crate::thrift::{Stop, Thrift};

/// Deepest nesting accepted in a footer (`FileMetaData`, the outer struct, is depth 0; the
/// deepest of parquet-format, a column chunk's statistics or size histograms, is about 8).
const FOOTER_DEPTH: usize = 32;

/// Reads the footer (the Thrift `FileMetaData` before the closing length and `PAR1` of the
/// `file_len` bytes of `r`) with the bounded reader of `thrift.rs`, before the `parquet`
/// crate parses it: the crate's skipping of unknown fields loops over as many booleans as a
/// container claims (a 1.4 kB file whose footer held a map claiming 2³¹ − 1 pairs of
/// booleans took 14.6 s to open). Only that is refused here, as a malformed file: the
/// crate reads the footer from memory and fails at its end on any other container claiming
/// too much, and this reader reads the known fields by their wire types, the crate by
/// their declared types (the same for any footer of the specification, not for a corrupt
/// one, which is left to the crate and the later checks).
pub(crate) fn check_footer<R: ChunkReader>(
    path: &Path,
    r: &R,
    file_len: u64,
) -> Result<(), IoError> {
    let read = |at: u64, len: usize| {
        r.get_bytes(at, len)
            .map_err(|e| IoError::malformed(path, e.to_string()))
    };
    let Some(at) = file_len.checked_sub(8) else {
        return Ok(());
    };
    let tail = read(at, 8)?;
    // (A reader handing back fewer bytes than asked leaves the footer to the crate.)
    if tail.len() != 8 || tail[4..] != *b"PAR1" {
        return Ok(());
    }
    let len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let Some(start) = at.checked_sub(u64::from(len)) else {
        return Ok(());
    };
    let meta = read(start, len as usize)?;
    let mut t = Thrift::new(&meta, meta.len(), FOOTER_DEPTH, "the footer", "footer");
    match t.fields(0, |t, ty, _, depth| t.skip(ty, depth)) {
        Err(Stop::Loop(why)) => Err(IoError::malformed(path, why)),
        _ => Ok(()),
    }
}

/// Checks the row groups' row counts and column chunks' byte ranges of `meta` against the
/// file's length `file_len`: the `parquet` crate trusts them (a negative offset or size
/// panics in `ColumnChunkMetaData::byte_range`, a negative row count becomes a huge
/// `usize`), so a corrupt footer must be refused here, as a malformed file.
pub(crate) fn check_layout(
    path: &Path,
    meta: &ParquetMetaData,
    file_len: u64,
) -> Result<(), IoError> {
    for (g, rg) in meta.row_groups().iter().enumerate() {
        if rg.num_rows() < 0 {
            return Err(IoError::malformed(
                path,
                format!("row group {g} has a negative row count ({})", rg.num_rows()),
            ));
        }
        for c in rg.columns() {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            let len = c.compressed_size();
            let inside = u64::try_from(start)
                .ok()
                .zip(u64::try_from(len).ok())
                .and_then(|(s, l)| s.checked_add(l))
                .is_some_and(|end| end <= file_len);
            if !inside {
                return Err(IoError::malformed(
                    path,
                    format!(
                        "row group {g}: column '{}' claims {len} bytes at offset {start}, outside the file ({file_len} bytes)",
                        c.column_path()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Checks the dictionary page (if any) of every column chunk of every row group of the
/// file `r`: the `parquet` crate sizes a dictionary by its page header's value count and
/// fills it before decoding (`Vec::resize`), so a 3.5 kB file claiming 2³¹ values made it
/// write 8 GiB (found by fuzzing). A plain-encoded dictionary of `n` values needs at least
/// `n` × the type's width in bytes (4 bytes of length for each byte array, 1 bit a
/// boolean); a page claiming more values than its bytes can hold is refused, before any
/// row is read (as [`check_layout`] refuses a corrupt footer: the first error in row
/// order is reported among the rows' own errors). The check stops at the first other
/// problem (an unreadable page header), which the reader reports at its row. Every row group
/// is checked, also for a range read, so that every way of reading a file fails alike.
/// Costs one more decoding of the dictionary pages (each chunk's first page, when it is
/// one).
pub(crate) fn check_dictionaries<R: ChunkReader + 'static>(
    path: &Path,
    r: R,
) -> Result<(), IoError> {
    let over = contain(|| -> Option<String> {
        let file = SerializedFileReader::new(r).ok()?;
        for g in 0..file.num_row_groups() {
            let Ok(rg) = file.get_row_group(g) else {
                return None;
            };
            for c in 0..rg.num_columns() {
                let descr = rg.metadata().column(c).column_descr_ptr();
                let Ok(mut pages) = rg.get_column_page_reader(c) else {
                    return None;
                };
                match pages.peek_next_page() {
                    Ok(Some(m)) if m.is_dict => {}
                    Ok(_) => continue,
                    Err(_) => return None,
                }
                let Ok(Some(Page::DictionaryPage {
                    buf, num_values, ..
                })) = pages.get_next_page()
                else {
                    return None;
                };
                let bits: u64 = match descr.physical_type() {
                    Physical::BOOLEAN => 1,
                    Physical::INT32 | Physical::FLOAT | Physical::BYTE_ARRAY => 32,
                    Physical::INT64 | Physical::DOUBLE => 64,
                    Physical::INT96 => 96,
                    Physical::FIXED_LEN_BYTE_ARRAY => 8 * descr.type_length().max(1) as u64,
                };
                if u64::from(num_values).saturating_mul(bits) > 8 * buf.len() as u64 {
                    return Some(format!(
                        "row group {g}: column '{}' has a dictionary page claiming {num_values} values in {} bytes",
                        descr.path().string(),
                        buf.len()
                    ));
                }
            }
        }
        None
    });
    match over {
        Ok(None) | Err(_) => Ok(()),
        Ok(Some(reason)) => Err(IoError::malformed(path, reason)),
    }
}
