//! Scalar helpers shared by readers and writers: text → `T`, raw bytes ↔ `T`.

use std::any::TypeId;

use std::path::Path;

use partitive::Float;

use crate::error::{IoError, IoErrorKind};

/// `true` when `T` is `f32` (otherwise it is treated as `f64`).
#[inline]
pub(crate) fn is_f32<T: Float>() -> bool {
    TypeId::of::<T>() == TypeId::of::<f32>()
}

/// Parses a decimal number directly as `T` (correctly rounded for both `f32` and `f64`,
/// no double rounding through `f64` for `f32`). Accepts what `str::parse` accepts
/// (`1`, `-2.5e3`, `.5`, `inf`, `nan`, …); the caller rejects non-finite values.
#[inline]
pub(crate) fn parse_float<T: Float>(s: &str) -> Option<T> {
    if is_f32::<T>() {
        // f32 -> f64 -> f32 is exact.
        s.parse::<f32>().ok().map(|v| T::of_f64(v as f64))
    } else {
        s.parse::<f64>().ok().map(T::of_f64)
    }
}

/// Views `bytes` as a slice of `T` without copying, when `T` is `f32` or `f64`, the
/// length is a multiple of the element size and the start is aligned for `T`.
pub(crate) fn cast_slice<T: Float>(bytes: &[u8]) -> Option<&[T]> {
    let size = std::mem::size_of::<T>();
    let known =
        TypeId::of::<T>() == TypeId::of::<f32>() || TypeId::of::<T>() == TypeId::of::<f64>();
    if !known
        || !bytes.len().is_multiple_of(size)
        || !(bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>())
    {
        return None;
    }
    // SAFETY: `T` is exactly `f32` or `f64` (checked by `TypeId`), types for which every bit
    // pattern is a valid value; the pointer is aligned for `T` and `len * size_of::<T>()`
    // bytes lie inside `bytes`, whose lifetime the returned slice borrows.
    Some(unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), bytes.len() / size) })
}

/// Appends `values` as little-endian bytes (4 per value for `f32`, 8 for `f64`).
pub(crate) fn extend_le_bytes<T: Float>(out: &mut Vec<u8>, values: &[T]) {
    if is_f32::<T>() {
        for v in values {
            out.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
        }
    } else {
        for v in values {
            out.extend_from_slice(&v.as_f64().to_le_bytes());
        }
    }
}

/// Fails on the first non-finite value of the row-major `data` (rows numbered from
/// `first_row`), naming its 1-based row and column.
pub(crate) fn check_finite<T: Float>(
    path: &Path,
    data: &[T],
    n_cols: usize,
    first_row: usize,
) -> Result<(), IoError> {
    match data.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(p) => Err(IoError::new(
            IoErrorKind::NonFinite {
                value: format!("{}", data[p]),
                row: Some(first_row + p / n_cols + 1),
                column: Some(p % n_cols + 1),
            },
            path,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_f32_directly() {
        // A decimal whose f64 rounding then f32 rounding differs from direct f32 rounding.
        let s = "1.00000005960464477539062499";
        let direct: f32 = s.parse().unwrap();
        assert_eq!(parse_float::<f32>(s).unwrap(), direct);
        assert_eq!(parse_float::<f64>("-2.5e3").unwrap(), -2500.0);
        assert!(parse_float::<f64>("abc").is_none());
        assert!(parse_float::<f64>("").is_none());
    }

    #[test]
    fn cast_checks_alignment_and_length() {
        let mut data = Vec::new();
        extend_le_bytes(&mut data, &[1.0f64, 2.0]);
        let mut buf = [0u8; 32];
        let off = (8 - buf.as_ptr() as usize % 8) % 8;
        buf[off..off + 16].copy_from_slice(&data);
        assert_eq!(cast_slice::<f64>(&buf[off..off + 16]).unwrap(), &[1.0, 2.0]);
        assert!(cast_slice::<f64>(&buf[off..off + 15]).is_none(), "length");
        assert!(
            cast_slice::<f64>(&buf[off + 1..off + 9]).is_none(),
            "alignment"
        );
        assert_eq!(cast_slice::<f32>(&buf[off..off + 8]).unwrap().len(), 2);
    }
}
