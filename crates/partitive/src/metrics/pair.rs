//! Adjusted Rand index and normalized mutual information.

use super::contingency::Contingency;
use crate::error::Result;

/// `x choose 2` as `f64` (exact below 2^53).
#[inline]
fn comb2(x: u64) -> f64 {
    (x as f64) * (x as f64 - 1.0) / 2.0
}

/// Adjusted Rand index of two labelings (L. Hubert, P. Arabie, *Comparing
/// partitions*, Journal of Classification 2, 1985, doi:10.1007/BF01908075):
///
/// `ARI = (Σ C(n_ij,2) − E) / (½(Σ C(a_i,2) + Σ C(b_j,2)) − E)`, with
/// `E = Σ C(a_i,2) · Σ C(b_j,2) / C(n,2)`.
///
/// 1 for identical partitions (up to renaming), about 0 for independent ones, may be
/// negative. When the denominator is 0 (both labelings put everything in one cluster,
/// or both make every object its own cluster) the result is 1.
///
/// Fails when the lengths differ or the labelings are empty.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Result<f64> {
    let t = Contingency::new(a, b)?;
    let sum_ij: f64 = t.cells.iter().map(|&(_, _, v)| comb2(v)).sum();
    let sum_a: f64 = t.rows.iter().map(|&v| comb2(v)).sum();
    let sum_b: f64 = t.cols.iter().map(|&v| comb2(v)).sum();
    let expected = sum_a * sum_b / comb2(t.n).max(1.0);
    let max = 0.5 * (sum_a + sum_b);
    let denom = max - expected;
    if denom == 0.0 {
        return Ok(1.0);
    }
    Ok((sum_ij - expected) / denom)
}

/// The normalisation of mutual information (the mean of the two entropies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NmiAverage {
    /// `(H(a) + H(b)) / 2` (scikit-learn's default; equals the V-measure).
    Arithmetic,
    /// `sqrt(H(a) H(b))`.
    Geometric,
    /// `min(H(a), H(b))`.
    Min,
    /// `max(H(a), H(b))`.
    Max,
}

/// Normalized mutual information with the arithmetic mean of the entropies
/// (A. Strehl, J. Ghosh, *Cluster ensembles*, JMLR 3, 2002; N. X. Vinh, J. Epps,
/// J. Bailey, *Information theoretic measures for clusterings comparison*, JMLR 11,
/// 2010). See [`normalized_mutual_info_with`].
pub fn normalized_mutual_info(a: &[usize], b: &[usize]) -> Result<f64> {
    normalized_mutual_info_with(a, b, NmiAverage::Arithmetic)
}

/// Normalized mutual information `I(a; b) / avg(H(a), H(b))` (natural logarithms;
/// the base cancels). 1 when both labelings have a single cluster; 0 when exactly one
/// of them does. Fails when the lengths differ or the labelings are empty.
pub fn normalized_mutual_info_with(a: &[usize], b: &[usize], avg: NmiAverage) -> Result<f64> {
    let t = Contingency::new(a, b)?;
    if t.rows.len() == 1 && t.cols.len() == 1 {
        return Ok(1.0);
    }
    let n = t.n as f64;
    let entropy = |v: &[u64]| -> f64 {
        v.iter()
            .map(|&c| {
                let p = c as f64 / n;
                -p * p.ln()
            })
            .sum()
    };
    let (ha, hb) = (entropy(&t.rows), entropy(&t.cols));
    // I = Σ n_ij/n · ln(n·n_ij / (a_i b_j))
    let mi: f64 = t
        .cells
        .iter()
        .map(|&(i, j, v)| {
            let nij = v as f64;
            nij / n * (n * nij / (t.rows[i] as f64 * t.cols[j] as f64)).ln()
        })
        .sum();
    let norm = match avg {
        NmiAverage::Arithmetic => 0.5 * (ha + hb),
        NmiAverage::Geometric => (ha * hb).sqrt(),
        NmiAverage::Min => ha.min(hb),
        NmiAverage::Max => ha.max(hb),
    };
    if norm <= 0.0 {
        return Ok(0.0);
    }
    Ok((mi.max(0.0) / norm).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_known_values() {
        // hand-computed: contingency [[2,0],[0,1],[0,1]] → (1 − 1/3)/(3/2 − 1/3) = 4/7
        let v = adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap();
        assert!((v - 4.0 / 7.0).abs() < 1e-15, "{v}");
        assert_eq!(
            adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(),
            1.0
        );
        assert_eq!(
            adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap(),
            0.0
        );
        assert_eq!(adjusted_rand_index(&[3, 3, 3], &[1, 1, 1]).unwrap(), 1.0);
        // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]: Σ C(n_ij) = 2, Σ C(a) = 6, Σ C(b) = 3,
        // E = 18/15 = 1.2, max = 4.5 → (2 − 1.2)/(4.5 − 1.2) = 0.8/3.3
        let v = adjusted_rand_index(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]).unwrap();
        assert!((v - 0.8 / 3.3).abs() < 1e-15, "{v}");
        // negative: anti-correlated
        let v = adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert!((v - (-0.5)).abs() < 1e-15, "{v}");
        assert!(adjusted_rand_index(&[0, 1], &[0]).is_err());
        assert!(adjusted_rand_index(&[], &[]).is_err());
    }

    #[test]
    fn nmi_known_values() {
        assert_eq!(
            normalized_mutual_info(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(),
            1.0
        );
        assert_eq!(
            normalized_mutual_info(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(),
            0.0
        );
        assert_eq!(normalized_mutual_info(&[0, 0, 0], &[0, 1, 2]).unwrap(), 0.0);
        assert_eq!(normalized_mutual_info(&[2, 2], &[7, 7]).unwrap(), 1.0);
        // a = [0,0,1,1], b = [0,0,1,2]: H(a) = ln 2, H(b) = 1.5 ln 2, I = ln 2
        // arithmetic: ln2 / (1.25 ln2) = 0.8; geometric: 1/sqrt(1.5); min 1; max 2/3
        let (a, b) = ([0, 0, 1, 1], [0, 0, 1, 2]);
        let v = normalized_mutual_info(&a, &b).unwrap();
        assert!((v - 0.8).abs() < 1e-15, "{v}");
        let g = normalized_mutual_info_with(&a, &b, NmiAverage::Geometric).unwrap();
        assert!((g - 1.0 / 1.5f64.sqrt()).abs() < 1e-15, "{g}");
        let m = normalized_mutual_info_with(&a, &b, NmiAverage::Min).unwrap();
        assert!((m - 1.0).abs() < 1e-15, "{m}");
        let x = normalized_mutual_info_with(&a, &b, NmiAverage::Max).unwrap();
        assert!((x - 2.0 / 3.0).abs() < 1e-15, "{x}");
        assert!(normalized_mutual_info(&[0], &[0, 1]).is_err());
    }
}
