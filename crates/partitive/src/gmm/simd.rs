//! A vectorisable `exp` for the E-step loops.
//!
//! The E-step loops run through [`crate::simd::dispatch`]. They are plain Rust written
//! so that the compiler vectorises them
//! *across independent elements* (components, columns) and never reassociates a sum;
//! Rust never contracts `a * b + c` into an FMA. Compiling the same code for AVX-512
//! therefore gives bitwise the same results as the baseline build: the dispatch changes
//! speed, not answers.

const LOG2E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5 · 2⁵²: adding it rounds to an integer held in the low mantissa bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// `eˣ` for `x ≤ 0` (0 below −708), branch-free so that loops over it vectorise;
/// within about 1 ulp of the correctly rounded value.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    let xc = if x < -708.0 { -708.0 } else { x };
    let t = xc * LOG2E + SHIFTER;
    let n = t - SHIFTER;
    // Cody–Waite reduction: r = x − n ln 2, |r| ≤ ½ ln 2.
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    // Taylor polynomial of degree 13 (truncation error < 1e-17 relative).
    let mut p = 1.0 / 6_227_020_800.0;
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2ⁿ from the integer in t's low bits (n ∈ [−1022, 0]).
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let v = p * scale;
    if x < -708.0 {
        0.0
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std() {
        let mut worst = 0.0f64;
        let mut x = 0.0;
        while x > -708.0 {
            let (a, b) = (exp_nonpositive(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x -= 0.013_7;
        }
        assert!(worst < 4e-16, "{worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-1000.0), 0.0);
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY), 0.0);
    }
}
