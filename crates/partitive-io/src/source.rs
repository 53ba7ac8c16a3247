//! Row sources shared by [`crate::read_matrix`] and [`crate::for_each_chunk`]: one
//! reading path per format, whichever driver consumes it.

use partitive::{Float, MatRef};

use crate::columns::plan_fields;
use crate::error::IoError;
use crate::format::{detect, Format};
use crate::input::Input;
use crate::npy::NpyFile;
use crate::options::ReadOptions;
use crate::parquet::ParquetSource;
use crate::text::TextReader;

/// An opened input file.
pub(crate) enum Source {
    /// Delimited text, parsed line by line.
    Text(TextReader),
    /// Parquet, decoded batch by batch.
    Parquet(ParquetSource),
    /// A memory-mapped `.npy`, with the kept columns when a selection is not the identity.
    Npy(NpyFile, Option<Vec<usize>>),
}

impl Source {
    /// Opens `input` by its extension. `batch_rows` sizes Parquet batches.
    pub(crate) fn open(
        input: Input<'_>,
        opts: &ReadOptions,
        batch_rows: usize,
    ) -> Result<Source, IoError> {
        let path = input.path();
        let det = detect(path)?;
        input.check_exists()?;
        Ok(match det.format {
            Format::Delimited => Source::Text(TextReader::open(input, det.gzip, opts)?),
            Format::Parquet => Source::Parquet(ParquetSource::open(input, opts, batch_rows)?),
            Format::Npy => {
                let f = NpyFile::open(input)?;
                let planned =
                    opts.columns.is_some() || !opts.exclude.is_empty() || opts.id_column.is_some();
                let keep = if planned {
                    let k = plan_fields(path, opts, None, f.n_cols(), &|_| None)?.keep;
                    (k != (0..f.n_cols()).collect::<Vec<_>>()).then_some(k)
                } else {
                    None
                };
                Source::Npy(f, keep)
            }
        })
    }

    /// Number of output columns.
    pub(crate) fn n_cols(&self) -> usize {
        match self {
            Source::Text(t) => t.n_cols(),
            Source::Parquet(p) => p.n_cols(),
            Source::Npy(f, keep) => keep.as_ref().map_or(f.n_cols(), |k| k.len()),
        }
    }

    /// Column names (text header, Parquet schema).
    pub(crate) fn names(&self) -> Option<Vec<String>> {
        match self {
            Source::Text(t) => t.names().map(|n| n.to_vec()),
            Source::Parquet(p) => Some(p.names().to_vec()),
            Source::Npy(..) => None,
        }
    }
}

/// Appends the columns `keep` of `m` to `out`, row by row.
pub(crate) fn select_columns<T: Float>(m: MatRef<'_, T>, keep: &[usize], out: &mut Vec<T>) {
    out.reserve(m.n_rows() * keep.len());
    for i in 0..m.n_rows() {
        let row = m.row(i);
        out.extend(keep.iter().map(|&j| row[j]));
    }
}
