//! The fixed-point scales of the exact cluster sums ([`super::sums`], whose module docs
//! state the arithmetic contract): coordinates and weights are scaled by powers of two
//! fixed once per fit, from the data check's largest magnitude ([`super::data`]), and
//! rounded to integers.

/// `1.5 · 2^52`: adding it to `|v| ≤ 2^51` rounds `v` to an integer held in the low bits.
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// The fixed-point scales of a fit (the contract: [`super::sums`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// `2^s` and `2^−s` for coordinates.
    pub(super) up: f64,
    pub(super) down: f64,
    /// `2^{s_w}` and `2^{−s_w}` for weights (1 without weights).
    pub(super) wup: f64,
    pub(super) wdown: f64,
    pub(super) weighted: bool,
}

/// The largest exponent `e` (clamped to ±1000) with `v · 2^e ≤ 2^limit`.
fn exponent(v: f64, limit: i32) -> i32 {
    if v.is_nan() || v <= 0.0 || v.is_infinite() {
        return 0;
    }
    let mut e = (limit as f64 - v.log2()).floor() as i32;
    e = e.clamp(-1000, 1000);
    while e > -1000 && v * 2f64.powi(e) > 2f64.powi(limit) {
        e -= 1;
    }
    while e < 1000 && v * 2f64.powi(e + 1) <= 2f64.powi(limit) {
        e += 1;
    }
    e
}

impl Scale {
    /// Scales for data with `max|x| = amax`, `n` rows, and (when weighted) weights of
    /// maximum `wmax` and sum `wsum`.
    pub(crate) fn new(amax: f64, n: usize, weights: Option<(f64, f64)>) -> Self {
        let (wmax, wsum) = weights.unwrap_or((1.0, n as f64));
        let s = exponent(wmax * amax, 50).min(exponent(wsum * amax, 61));
        let sw = exponent(wmax, 50).min(exponent(wsum, 61));
        Scale {
            up: 2f64.powi(s),
            down: 2f64.powi(-s),
            wup: 2f64.powi(sw),
            wdown: 2f64.powi(-sw),
            weighted: weights.is_some(),
        }
    }

    /// `round(v · 2^s)` (ties to even), for `|v · 2^s| ≤ 2^50`.
    #[inline(always)]
    pub(super) fn q(self, v: f64) -> i64 {
        ((v * self.up + MAGIC).to_bits() as i64) - (MAGIC.to_bits() as i64)
    }

    /// `round(w · 2^{s_w})`.
    #[inline(always)]
    pub(super) fn qw(self, w: f64) -> i64 {
        ((w * self.wup + MAGIC).to_bits() as i64) - (MAGIC.to_bits() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponent_and_rounding() {
        assert_eq!(exponent(1.0, 50), 50);
        assert_eq!(exponent(3.0, 50), 48);
        assert_eq!(exponent(0.0, 50), 0);
        let sc = Scale::new(2.0, 1000, None);
        // s = min(49, 61 - 11) = 49
        assert_eq!(sc.up, 2f64.powi(49));
        assert_eq!(sc.q(1.0), 1 << 49);
        assert_eq!(sc.q(-2.0), -(1 << 50));
        assert_eq!(sc.q(2f64.powi(-50)), 0); // half: ties to even
        assert_eq!(sc.q(3.0 * 2f64.powi(-50)), 2);
        assert_eq!(sc.q(-3.0 * 2f64.powi(-50)), -2);
    }
}
