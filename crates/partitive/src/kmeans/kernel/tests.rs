//! Tests of the assignment kernel: every level and implementation against the portable
//! reference and a brute-force evaluation of the arithmetic contract.

use super::*;
use crate::matrix::Mat;
use crate::rng::Rng;

fn random<T: Float>(n: usize, d: usize, seed: u64, grid: bool) -> Mat<T> {
    let mut r = Rng::new(seed);
    let v = (0..n * d)
        .map(|_| {
            if grid {
                T::of_f64(r.below(3) as f64)
            } else {
                T::of_f64(r.next_f64() * 4.0 - 2.0)
            }
        })
        .collect();
    Mat::from_vec(v, n, d).unwrap()
}

fn run<T: Float>(level: Level, x: &Mat<T>, p: &Packed<T>) -> (Vec<u32>, Vec<T>, Vec<T>) {
    run_by(level, true, x, p)
}

fn run_by<T: Float>(
    level: Level,
    hand: bool,
    x: &Mat<T>,
    p: &Packed<T>,
) -> (Vec<u32>, Vec<T>, Vec<T>) {
    let n = x.n_rows();
    let (mut l, mut b, mut s) = (vec![0; n], vec![T::zero(); n], vec![T::zero(); n]);
    nearest_at(
        level,
        hand,
        x.as_slice(),
        p,
        Nearest {
            labels: &mut l,
            best: &mut b,
            second: Some(&mut s),
        },
    );
    (l, b, s)
}

fn levels_agree<T: Float>() {
    for &(n, d, k, grid) in &[
        (37, 5, 3, false),
        (101, 32, 64, false),
        (50, 7, 17, true),
        (13, 1, 40, true),
        (29, 33, 9, false),
    ] {
        let x = random::<T>(n, d, 1 + n as u64, grid);
        let c = random::<T>(k, d, 7 + k as u64, grid);
        let p = Packed::for_level(c.view(), Level::Portable);
        let reference = run(Level::Portable, &x, &p);
        // brute force check of the contract
        for i in 0..n {
            let mut best = (T::infinity(), 0u32);
            for j in 0..k {
                let mut dot = T::zero();
                for l in 0..d {
                    dot = x.row(i)[l].mul_add(c.row(j)[l], dot);
                }
                let v = p.norms[j] - (dot + dot);
                if v < best.0 {
                    best = (v, j as u32);
                }
            }
            assert_eq!(reference.0[i], best.1);
            assert_eq!(reference.1[i], best.0);
        }
        // the portable kernel on the AVX-512 packing (width 32 / 16)
        let p5 = Packed::for_level(c.view(), Level::Avx512);
        assert_eq!(run(Level::Portable, &x, &p5), reference);
        for level in crate::simd::supported_levels() {
            // the portable code compiled for the level, then its hand-written kernel
            assert_eq!(run_by(level, false, &x, &p), reference);
            let pl = Packed::for_level(c.view(), level);
            assert_eq!(run(level, &x, &pl), reference);
        }
    }
}

#[test]
fn levels_agree_bitwise_f32() {
    levels_agree::<f32>();
}

#[test]
fn levels_agree_bitwise_f64() {
    levels_agree::<f64>();
}
