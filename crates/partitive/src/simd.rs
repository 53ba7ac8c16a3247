//! The one place that detects the CPU's instruction sets and dispatches to code compiled
//! for them.
//!
//! * [`level`] is the crate's SIMD level, detected once and cached: [`Level::Avx512`]
//!   (AVX-512 F/DQ/VL/BW with AVX2 + FMA, and only after the k-means AVX-512
//!   micro-kernel agreed bitwise with the portable one on small problems), else
//!   [`Level::Avx2`] (AVX2 + FMA), else [`Level::Portable`].
//! * A [`Kernel`] is a body written once; [`dispatch`] runs it inside a
//!   `#[target_feature]` function of the level, so the compiler generates the whole body
//!   (`mul_add` included: outside such a function it is a call into the software `fma`)
//!   for that instruction set. The body receives a [`Simd`] token naming the level it
//!   runs at: holding one proves the CPU supports that level, which is what a body
//!   states as the safety argument when it calls a hand-written intrinsics kernel.
//!
//! The shape is that of faer's `WithSimd` / pulp's `Arch::dispatch` (a body generic
//! over the instruction set, instantiated per level behind one runtime check),
//! implemented here for the three levels this crate uses.

use std::sync::OnceLock;

/// Instruction-set level, ordered from the least to the most capable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Baseline code (no assumption past the target's default features).
    Portable,
    /// AVX2 + FMA.
    Avx2,
    /// AVX-512 F, DQ, VL and BW, with AVX2 + FMA.
    Avx512,
}

/// Proof that the CPU supports [`Simd::level`]: only this module creates one, after
/// checking. Passed to every [`Kernel`] body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Simd {
    level: Level,
}

impl Simd {
    /// The level the body runs at (the CPU supports it).
    #[inline(always)]
    pub(crate) fn level(self) -> Level {
        self.level
    }

    /// Whether AVX2 + FMA (or more) is available: the hand-written AVX2 kernels may be
    /// called.
    #[inline(always)]
    pub(crate) fn has_avx2(self) -> bool {
        self.level >= Level::Avx2
    }
}

/// Whether the CPU reports every feature of `level` (no self-check).
pub(crate) fn supported(level: Level) -> bool {
    match level {
        Level::Portable => true,
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => {
            std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
        }
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => {
            supported(Level::Avx2)
                && std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512dq")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx512bw")
        }
        #[cfg(not(target_arch = "x86_64"))]
        _ => false,
    }
}

/// The crate's level (detected once; module docs).
pub(crate) fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        if supported(Level::Avx512) && crate::kmeans::avx512_agrees() {
            Level::Avx512
        } else if supported(Level::Avx2) {
            Level::Avx2
        } else {
            Level::Portable
        }
    })
}

/// A body compiled once per level: `run` must be `#[inline(always)]` so that all of it
/// is generated inside each `target_feature` function of [`dispatch`].
pub(crate) trait Kernel {
    /// What the body returns.
    type Output;
    /// Runs the body at the level of `simd`.
    fn run(self, simd: Simd) -> Self::Output;
}

/// Runs `kernel` at the crate's [`level`].
#[inline(always)]
pub(crate) fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    dispatch_at(level(), kernel)
}

/// Runs `kernel` at the crate's [`level`], but at most at `cap` (bodies tuned and
/// measured at a lower level keep it).
#[inline(always)]
pub(crate) fn dispatch_upto<K: Kernel>(cap: Level, kernel: K) -> K::Output {
    dispatch_at(level().min(cap), kernel)
}

/// Runs `kernel` at `level` (tests compare levels).
///
/// # Panics
/// When the CPU does not support `level` ([`supported`]).
#[inline(always)]
pub(crate) fn dispatch_at<K: Kernel>(level: Level, kernel: K) -> K::Output {
    match level {
        Level::Portable => kernel.run(Simd { level }),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => {
            assert!(supported(level), "the CPU lacks AVX2 + FMA");
            // SAFETY: the CPU supports every feature of `run_avx2` (checked just above).
            unsafe { run_avx2(kernel) }
        }
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => {
            assert!(supported(level), "the CPU lacks AVX-512 F/DQ/VL/BW");
            // SAFETY: the CPU supports every feature of `run_avx512` (checked just above).
            unsafe { run_avx512(kernel) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        _ => panic!("no SIMD level {level:?} on this target"),
    }
}

/// # Safety
/// The CPU must support every feature named in `target_feature`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run(Simd { level: Level::Avx2 })
}

/// # Safety
/// The CPU must support every feature named in `target_feature`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl,avx512bw")]
unsafe fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run(Simd {
        level: Level::Avx512,
    })
}

/// The levels this CPU supports, lowest first (tests run every one).
#[cfg(test)]
pub(crate) fn supported_levels() -> Vec<Level> {
    [Level::Portable, Level::Avx2, Level::Avx512]
        .into_iter()
        .filter(|&l| supported(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fma(f64, f64, f64);
    impl Kernel for Fma {
        type Output = (f64, Level);
        #[inline(always)]
        fn run(self, simd: Simd) -> (f64, Level) {
            (self.0.mul_add(self.1, self.2), simd.level())
        }
    }

    #[test]
    fn every_level_runs_the_body_with_its_token_and_the_same_fma() {
        let (a, b, c) = (1.0 + f64::EPSILON, 1.0 - f64::EPSILON, -1.0);
        let want = a.mul_add(b, c);
        // Not the unfused value: the FMA is exact here.
        assert_ne!(want, a * b + c);
        for l in supported_levels() {
            assert_eq!(dispatch_at(l, Fma(a, b, c)), (want, l));
        }
        let (v, l) = dispatch(Fma(a, b, c));
        assert_eq!((v, l), (want, level()));
        assert!(supported(level()));
        assert!(dispatch_upto(Level::Avx2, Fma(a, b, c)).1 <= Level::Avx2);
    }
}
