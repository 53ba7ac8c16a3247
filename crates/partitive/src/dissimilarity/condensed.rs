//! A condensed (triangular) dissimilarity matrix: `n(n−1)/2` values, no diagonal.

use super::source::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;

/// How the strict triangle is laid out in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriangleLayout {
    /// Lower triangle, row by row: `d(i, j)` for `i > j` at `i(i−1)/2 + j`
    /// (order `d(1,0), d(2,0), d(2,1), d(3,0), …`).
    LowerRowMajor,
    /// Upper triangle, row by row: `d(i, j)` for `i < j` at `n·i − i(i+1)/2 + j − i − 1`.
    /// This is SciPy's `pdist` order and R's `dist` order (lower triangle by columns).
    UpperRowMajor,
}

/// A borrowed condensed dissimilarity matrix.
#[derive(Debug, Clone, Copy)]
pub struct Condensed<'a, T> {
    data: &'a [T],
    n: usize,
    layout: TriangleLayout,
    /// The largest value.
    max: f64,
}

impl<'a, T: Float> Condensed<'a, T> {
    /// Wraps `data` as the strict triangle of an `n × n` matrix. Fails when
    /// `data.len() != n(n−1)/2`, `n == 0`, or a value is non-finite or negative.
    pub fn new(data: &'a [T], n: usize, layout: TriangleLayout) -> Result<Self> {
        if n == 0 {
            return Err(Error::data("condensed matrix for zero objects"));
        }
        let expected = n
            .checked_mul(n - 1)
            .ok_or_else(|| Error::data("condensed size overflows usize"))?
            / 2;
        if data.len() != expected {
            return Err(Error::shape(
                "condensed matrix length",
                expected,
                data.len(),
            ));
        }
        if let Some(p) = data.iter().position(|v| !v.is_finite() || *v < T::zero()) {
            return Err(Error::data(format!(
                "condensed value {} at position {p} is negative or non-finite",
                data[p]
            )));
        }
        let max = crate::scale::max_abs(data);
        Ok(Condensed {
            data,
            n,
            layout,
            max,
        })
    }

    /// The `n` for which a condensed buffer of `len` values is complete, if any.
    pub fn n_for_len(len: usize) -> Option<usize> {
        // n(n−1)/2 = len  ⇒  n = (1 + sqrt(1 + 8 len)) / 2
        let n = ((1.0 + (1.0 + 8.0 * len as f64).sqrt()) / 2.0).round() as usize;
        (n >= 1 && n * (n - 1) / 2 == len).then_some(n)
    }

    #[inline]
    fn index(&self, i: usize, j: usize) -> usize {
        match self.layout {
            TriangleLayout::LowerRowMajor => {
                let (a, b) = if i > j { (i, j) } else { (j, i) };
                a * (a - 1) / 2 + b
            }
            TriangleLayout::UpperRowMajor => {
                let (a, b) = if i < j { (i, j) } else { (j, i) };
                self.n * a - a * (a + 1) / 2 + b - a - 1
            }
        }
    }
}

impl<T: Float> Dissimilarity for Condensed<'_, T> {
    type Value = T;
    #[inline]
    fn n(&self) -> usize {
        self.n
    }
    #[inline]
    fn get(&self, i: usize, j: usize) -> T {
        if i == j {
            T::zero()
        } else {
            self.data[self.index(i, j)]
        }
    }
    fn magnitude_log2(&self) -> Option<f64> {
        Some(self.max.log2())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_agree() {
        // full matrix d(i,j) = 10*max + min for i != j
        let n = 5;
        let full = |i: usize, j: usize| {
            if i == j {
                0.0
            } else {
                (10 * i.max(j) + i.min(j)) as f64
            }
        };
        let mut lower = Vec::new();
        for i in 0..n {
            for j in 0..i {
                lower.push(full(i, j));
            }
        }
        let mut upper = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                upper.push(full(i, j));
            }
        }
        let l = Condensed::new(&lower, n, TriangleLayout::LowerRowMajor).unwrap();
        let u = Condensed::new(&upper, n, TriangleLayout::UpperRowMajor).unwrap();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(l.get(i, j), full(i, j));
                assert_eq!(u.get(i, j), full(i, j));
            }
        }
        let mut buf = Vec::new();
        assert_eq!(u.row(2, &mut buf), &[20.0, 21.0, 0.0, 32.0, 42.0]);
        assert_eq!(Condensed::<f64>::n_for_len(10), Some(5));
        assert_eq!(Condensed::<f64>::n_for_len(11), None);
        assert!(Condensed::new(&lower[..9], n, TriangleLayout::LowerRowMajor).is_err());
    }
}
