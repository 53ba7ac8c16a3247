//! The fused nearest-center micro-kernel, written once as a macro and instantiated per
//! instruction set and element type (AVX2: `f32` × 8, `f64` × 4 lanes; AVX-512: `f32` ×
//! 16, `f64` × 8 lanes).
//!
//! A tile of `ROWS` rows × one panel of `W = 2 × LANES` centers is accumulated in
//! `2 × ROWS` registers: for each column `l`, two loads of the packed centers and one
//! broadcast of `x[r][l]` per row feed `2 × ROWS` fused multiply-adds. Each `(row,
//! center)` pair is one sequential FMA chain over the columns — the arithmetic contract of
//! the parent module, so the result is bitwise that of the portable kernel. After a
//! panel, `dist = fma(dot, −2, ‖c‖²)` of the two registers are folded lane by lane (the
//! lower half, holding the lower indices, wins ties; the larger of the pair feeds the
//! runner-up), then update one per-lane running minimum (and second minimum) with its
//! center index (index lanes loaded from [`Packed::index`](super::Packed)); a final
//! reduction across lanes takes the lowest index among equal minima. Folding first keeps
//! three state registers per row instead of six, which is what lets the tile run near the
//! FMA limit (measurements: `bench/kmeans/README.md`). Rows are given by pointer, so the
//! same tile serves contiguous blocks and gathered row lists, over all panels or a range
//! of them.
//!
//! The instantiating module defines `T`, `V` (vector), `LANES`, `ROWS` and the operations
//! `set1 load store bcast fmadd min max cmplt cmpeq blendv hmin first`, with the
//! semantics of the AVX `min`/`max` (`a < b ? a : b`) and masks from `cmplt`/`cmpeq`.

/// The kernel body, instantiated per element type inside a module that defines `T`, `V`,
/// `LANES` and the vector operations.
macro_rules! kernel_body {
    ($feat:literal) => {
        use super::super::PackedRef;

        /// Nearest centers of all rows (contiguous, row-major), tile by tile, over all panels.
        ///
        /// # Safety
        /// The CPU must support the module's instruction set.
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn run(
            x: &[T],
            p: &PackedRef<'_, T>,
            labels: &mut [u32],
            best: &mut [T],
            second: Option<&mut [T]>,
        ) {
            let n = labels.len();
            let d = p.d;
            assert_eq!(x.len(), n * d);
            let xp = x.as_ptr();
            drive::<_, 0>(n, |i| xp.add(i * d), p, 0, p.panels(), labels, best, second)
        }

        /// Nearest centers among the panels `q0..q1` of the rows `rows` of `x`
        /// (contiguous, row-major): output `i` belongs to row `rows[i]`.
        ///
        /// # Safety
        /// The CPU must support the module's instruction set.
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn run_rows(
            x: &[T],
            rows: &[u32],
            p: &PackedRef<'_, T>,
            q0: usize,
            q1: usize,
            labels: &mut [u32],
            best: &mut [T],
            second: Option<&mut [T]>,
        ) {
            let d = p.d;
            assert_eq!(rows.len(), labels.len());
            assert!(q0 <= q1 && q1 <= p.panels());
            let m = x.len() / d.max(1);
            assert!(rows.iter().all(|&r| (r as usize) < m));
            let xp = x.as_ptr();
            // Listed rows are scattered: prefetch them one tile ahead (the best of none,
            // one, two and four tiles: `bench/kmeans/README.md`).
            drive::<_, ROWS>(
                rows.len(),
                |i| xp.add(*rows.get_unchecked(i) as usize * d),
                p,
                q0,
                q1,
                labels,
                best,
                second,
            )
        }

        /// Tiles of rows given by `row(i)` (each `p.d` readable values) against the
        /// panels `q0..q1`, prefetching the rows `AHEAD` rows ahead (none when 0).
        ///
        /// # Safety
        /// The module's instruction set; `row(i)` valid for `i < n`.
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn drive<F: Fn(usize) -> *const T, const AHEAD: usize>(
            n: usize,
            row: F,
            p: &PackedRef<'_, T>,
            q0: usize,
            q1: usize,
            labels: &mut [u32],
            best: &mut [T],
            second: Option<&mut [T]>,
        ) {
            assert_eq!(p.w, 2 * LANES);
            assert_eq!(best.len(), n);
            assert_eq!(labels.len(), n);
            assert!(p.data.len() == p.norms.len() * p.d);
            assert!(p.index.len() == p.norms.len());
            let mut second = second;
            if let Some(s) = second.as_deref() {
                assert_eq!(s.len(), n);
            }
            let mut i = 0;
            // Full tiles, then the remainder in tiles of 4, 2 and 1 rows.
            while i < n {
                let left = n - i;
                let r = if left >= ROWS {
                    ROWS
                } else if left >= 4 {
                    4
                } else if left >= 2 {
                    2
                } else {
                    1
                };
                if AHEAD > 0 && i + AHEAD + r <= n {
                    for t in i + AHEAD..i + AHEAD + r {
                        super::super::prefetch(std::slice::from_raw_parts(row(t), p.d));
                    }
                }
                let lab = &mut labels[i..i + r];
                let bst = &mut best[i..i + r];
                let sec = second.as_deref_mut().map(|s| &mut s[i..i + r]);
                macro_rules! go {
                    ($r:expr, $s:expr, $sec:expr) => {{
                        let xs: [*const T; $r] = std::array::from_fn(|t| row(i + t));
                        tile::<$r, $s>(xs, p, q0, q1, lab, bst, $sec)
                    }};
                }
                #[allow(unreachable_patterns)] // the arms for 4 rows when ROWS = 4
                match (r, sec) {
                    (ROWS, None) => go!(ROWS, false, &mut []),
                    (ROWS, Some(s)) => go!(ROWS, true, s),
                    (4, None) => go!(4, false, &mut []),
                    (4, Some(s)) => go!(4, true, s),
                    (2, None) => go!(2, false, &mut []),
                    (2, Some(s)) => go!(2, true, s),
                    (_, None) => go!(1, false, &mut []),
                    (_, Some(s)) => go!(1, true, s),
                }
                i += r;
            }
        }

        /// One tile of `R` rows (`xs[r]`) against the panels `q0..q1`.
        ///
        /// # Safety
        /// The module's instruction set; each `xs[r]` points to `p.d` readable values;
        /// `lab`, `bst` have `R` entries and `sec` too when `S`; `q1 <= p.panels()`.
        #[target_feature(enable = $feat)]
        unsafe fn tile<const R: usize, const S: bool>(
            xs: [*const T; R],
            p: &PackedRef<'_, T>,
            q0: usize,
            q1: usize,
            lab: &mut [u32],
            bst: &mut [T],
            sec: &mut [T],
        ) {
            let inf = set1(T::INFINITY);
            // Per row and lane: the smallest value so far, its index and (when `S`) the
            // second smallest value.
            let mut minv = [inf; R];
            let mut min2 = [inf; R];
            let mut idxv = [set1(0.0); R];
            for q in q0..q1 {
                let dv = values(xs, p, q);
                let idx = index(p, q);
                for r in 0..R {
                    // Fold the two halves first (the lower half holds the lower indices
                    // and wins ties), then one running update per lane.
                    let [d0, d1] = dv[r];
                    let hi = cmplt(d1, d0);
                    let dist = min(d1, d0);
                    let di = blendv(idx[0], idx[1], hi);
                    if S {
                        // Second smallest of the union of the sorted pairs
                        // (minv ≤ min2) and (dist ≤ other).
                        let other = max(d1, d0);
                        min2[r] = min(min(min2[r], other), max(minv[r], dist));
                    }
                    let lt = cmplt(dist, minv[r]);
                    minv[r] = min(dist, minv[r]);
                    idxv[r] = blendv(idxv[r], di, lt);
                }
            }
            // Across lanes: the smallest value, then the lowest index holding it.
            let big = set1(T::INFINITY);
            for r in 0..R {
                let mall = hmin(minv[r]);
                let iall = hmin(blendv(big, idxv[r], cmpeq(minv[r], mall)));
                lab[r] = first(iall) as u32;
                bst[r] = first(mall);
                if S {
                    // Second smallest: the winner lane's runner-up or another lane's minimum.
                    sec[r] = first(hmin(blendv(minv[r], min2[r], cmpeq(idxv[r], iall))));
                }
            }
        }

        /// The kernel values `fma(x·c, −2, ‖c‖²)` of every row of `x` (contiguous,
        /// row-major) against every slot of `p`, into `out[i·s + j]` (`s` slots): the
        /// all-pairs form of [`run`] (no argmin), for passes that need each pair's value
        /// (the greedy k-means++ candidates' potentials).
        ///
        /// # Safety
        /// The CPU must support the module's instruction set.
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn run_values(x: &[T], p: &PackedRef<'_, T>, out: &mut [T]) {
            const W: usize = 2 * LANES;
            let (d, s) = (p.d, p.norms.len());
            assert_eq!(p.w, W);
            assert!(s > 0 && p.data.len() == s * d);
            let n = out.len() / s;
            assert_eq!(out.len(), n * s);
            assert_eq!(x.len(), n * d);
            let xp = x.as_ptr();
            let op = out.as_mut_ptr();
            let mut i = 0;
            while i < n {
                macro_rules! go {
                    ($r:expr) => {{
                        let xs: [*const T; $r] = std::array::from_fn(|t| xp.add((i + t) * d));
                        for q in 0..p.panels() {
                            let dv = values(xs, p, q);
                            for r in 0..$r {
                                let o = op.add((i + r) * s + q * W);
                                store(o, dv[r][0]);
                                store(o.add(LANES), dv[r][1]);
                            }
                        }
                        i += $r;
                    }};
                }
                let left = n - i;
                if left >= ROWS {
                    go!(ROWS)
                } else if left >= 4 {
                    go!(4)
                } else if left >= 2 {
                    go!(2)
                } else {
                    go!(1)
                }
            }
        }

        /// Per-group nearest centers of the rows `rows` of `x` over all panels, groups
        /// being runs of `ppg` panels: `gmin[i·t + g]` is the smallest value in group `g`;
        /// `labels`, `best` are the overall nearest (lowest index on ties) and `second`
        /// the second smallest value within the winning group.
        ///
        /// # Safety
        /// The CPU must support the module's instruction set.
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn run_groups(
            x: &[T],
            rows: &[u32],
            p: &PackedRef<'_, T>,
            ppg: usize,
            labels: &mut [u32],
            best: &mut [T],
            second: &mut [T],
            gmin: &mut [T],
        ) {
            let d = p.d;
            let n = rows.len();
            assert!(ppg >= 1 && p.panels() % ppg == 0);
            let t = p.panels() / ppg;
            assert_eq!(p.w, 2 * LANES);
            assert!(p.data.len() == p.norms.len() * d);
            assert!(p.index.len() == p.norms.len());
            assert!(labels.len() == n && best.len() == n && second.len() == n);
            assert_eq!(gmin.len(), n * t);
            let m = x.len() / d.max(1);
            assert!(rows.iter().all(|&r| (r as usize) < m));
            let xp = x.as_ptr();
            let mut i = 0;
            while i < n {
                macro_rules! go {
                    ($r:expr) => {{
                        let xs: [*const T; $r] = std::array::from_fn(|u| {
                            xp.add(*rows.get_unchecked(i + u) as usize * d)
                        });
                        let out = (
                            &mut labels[i..i + $r],
                            &mut best[i..i + $r],
                            &mut second[i..i + $r],
                            &mut gmin[i * t..(i + $r) * t],
                        );
                        if ppg == 1 {
                            gtile1::<$r>(xs, p, t, out.0, out.1, out.2, out.3);
                        } else {
                            gtile::<$r>(xs, p, ppg, t, out.0, out.1, out.2, out.3);
                        }
                        i += $r;
                    }};
                }
                if n - i >= ROWS {
                    go!(ROWS)
                } else {
                    go!(1)
                }
            }
        }

        /// The kernel values `fma(x·c, −2, ‖c‖²)` of the rows `xs` against panel `q`: for
        /// each column `l`, two loads of the packed centers and one broadcast of `x[r][l]`
        /// per row feed `2 × R` fused multiply-adds (one sequential chain per pair).
        ///
        /// # Safety
        /// The module's instruction set; each `xs[r]` points to `p.d` readable values;
        /// `q < p.panels()`.
        #[inline]
        #[target_feature(enable = $feat)]
        unsafe fn values<const R: usize>(
            xs: [*const T; R],
            p: &PackedRef<'_, T>,
            q: usize,
        ) -> [[V; 2]; R] {
            const W: usize = 2 * LANES;
            let d = p.d;
            let pp = p.data.as_ptr().add(q * d * W);
            let mut acc = [[set1(0.0); 2]; R];
            for l in 0..d {
                let b0 = load(pp.add(l * W));
                let b1 = load(pp.add(l * W + LANES));
                for r in 0..R {
                    let xb = bcast(xs[r].add(l));
                    acc[r][0] = fmadd(xb, b0, acc[r][0]);
                    acc[r][1] = fmadd(xb, b1, acc[r][1]);
                }
            }
            let m2 = set1(-2.0);
            let nrm = [
                load(p.norms.as_ptr().add(q * W)),
                load(p.norms.as_ptr().add(q * W + LANES)),
            ];
            for a in acc.iter_mut() {
                *a = [fmadd(a[0], m2, nrm[0]), fmadd(a[1], m2, nrm[1])];
            }
            acc
        }

        /// The center indices of panel `q`'s lanes.
        ///
        /// # Safety
        /// The module's instruction set; `q < p.panels()`.
        #[inline]
        #[target_feature(enable = $feat)]
        unsafe fn index(p: &PackedRef<'_, T>, q: usize) -> [V; 2] {
            const W: usize = 2 * LANES;
            [
                load(p.index.as_ptr().add(q * W)),
                load(p.index.as_ptr().add(q * W + LANES)),
            ]
        }

        /// The lowest index among the lanes of `minv` equal to the splat `m`.
        #[inline]
        #[target_feature(enable = $feat)]
        fn lowest_index(minv: [V; 2], idxv: [V; 2], m: V) -> V {
            let big = set1(T::INFINITY);
            let c0 = blendv(big, idxv[0], cmpeq(minv[0], m));
            let c1 = blendv(big, idxv[1], cmpeq(minv[1], m));
            hmin(min(c0, c1))
        }

        /// One tile of [`run_groups`].
        ///
        /// # Safety
        /// As [`tile`]; `gm` has `R·t` entries.
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn gtile<const R: usize>(
            xs: [*const T; R],
            p: &PackedRef<'_, T>,
            ppg: usize,
            t: usize,
            lab: &mut [u32],
            bst: &mut [T],
            sec: &mut [T],
            gm: &mut [T],
        ) {
            let inf = set1(T::INFINITY);
            let mut bestm = [T::INFINITY; R];
            // The lane state (minimum, runner-up, index) of each row's best group so far.
            let mut save = [[[inf; 2]; 3]; R];
            for g in 0..t {
                let mut minv = [[inf; 2]; R];
                let mut min2 = [[inf; 2]; R];
                let mut idxv = [[set1(0.0); 2]; R];
                for q in g * ppg..(g + 1) * ppg {
                    let dv = values(xs, p, q);
                    let idx = index(p, q);
                    if q == g * ppg {
                        // The group's first panel: one center per lane so far.
                        for r in 0..R {
                            minv[r] = dv[r];
                            idxv[r] = idx;
                        }
                    } else {
                        for r in 0..R {
                            for h in 0..2 {
                                let dist = dv[r][h];
                                min2[r][h] = min(min2[r][h], max(minv[r][h], dist));
                                let lt = cmplt(dist, minv[r][h]);
                                minv[r][h] = min(dist, minv[r][h]);
                                idxv[r][h] = blendv(idxv[r][h], idx[h], lt);
                            }
                        }
                    }
                }
                for r in 0..R {
                    let mv = hmin(min(minv[r][0], minv[r][1]));
                    let m = first(mv);
                    gm[r * t + g] = m;
                    let take = m < bestm[r]
                        || (m == bestm[r] && {
                            // An exact tie across groups: the lowest index wins.
                            let a = first(lowest_index(minv[r], idxv[r], mv));
                            let s = save[r];
                            let b = first(lowest_index(s[0], s[2], set1(bestm[r])));
                            a < b
                        });
                    if take {
                        bestm[r] = m;
                        save[r] = [minv[r], min2[r], idxv[r]];
                    }
                }
            }
            for r in 0..R {
                let [mv, m2v, iv] = save[r];
                let mall = set1(bestm[r]);
                let iall = lowest_index(mv, iv, mall);
                lab[r] = first(iall) as u32;
                bst[r] = bestm[r];
                let s0 = blendv(mv[0], m2v[0], cmpeq(iv[0], iall));
                let s1 = blendv(mv[1], m2v[1], cmpeq(iv[1], iall));
                sec[r] = first(hmin(min(s0, s1)));
            }
        }

        /// [`gtile`] for groups of one panel (one center per lane and group).
        ///
        /// # Safety
        /// As [`gtile`].
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn gtile1<const R: usize>(
            xs: [*const T; R],
            p: &PackedRef<'_, T>,
            t: usize,
            lab: &mut [u32],
            bst: &mut [T],
            sec: &mut [T],
            gm: &mut [T],
        ) {
            let inf = set1(T::INFINITY);
            let mut bestm = [T::INFINITY; R];
            // The values of each row's best group so far, and that group.
            let mut save = [[inf; 2]; R];
            let mut saveg = [0usize; R];
            let index = |q: usize| index(p, q);
            for g in 0..t {
                let dvs = values(xs, p, g);
                for r in 0..R {
                    let dv = dvs[r];
                    let mv = hmin(min(dv[0], dv[1]));
                    let m = first(mv);
                    gm[r * t + g] = m;
                    let take = m < bestm[r]
                        || (m == bestm[r] && {
                            // An exact tie across groups: the lowest index wins.
                            let a = first(lowest_index(dv, index(g), mv));
                            let b = first(lowest_index(save[r], index(saveg[r]), mv));
                            a < b
                        });
                    if take {
                        bestm[r] = m;
                        save[r] = dv;
                        saveg[r] = g;
                    }
                }
            }
            for r in 0..R {
                let mv = save[r];
                let iv = index(saveg[r]);
                let mall = set1(bestm[r]);
                let iall = lowest_index(mv, iv, mall);
                lab[r] = first(iall) as u32;
                bst[r] = bestm[r];
                let s0 = blendv(mv[0], inf, cmpeq(iv[0], iall));
                let s1 = blendv(mv[1], inf, cmpeq(iv[1], iall));
                sec[r] = first(hmin(min(s0, s1)));
            }
        }
    };
}
