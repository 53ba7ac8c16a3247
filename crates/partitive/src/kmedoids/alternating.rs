//! Alternating k-medoids ("k-means style").
//!
//! H.-S. Park, C.-H. Jun, *A simple and fast algorithm for K-medoids clustering*,
//! Expert Systems with Applications 36(2), 2009, doi:10.1016/j.eswa.2008.01.039 (also
//! described and compared in Schubert & Rousseeuw, Information Systems 2021). Assign
//! every object to its nearest medoid, then replace each medoid by the member of its
//! cluster that minimises the sum of dissimilarities to the other members; repeat until
//! no medoid changes. Usually worse optima than the swap-based methods.

use super::result::{KMedoidsDiagnostics, KMedoidsResult};
use crate::dissimilarity::{Dissimilarity, MedoidRows};
use crate::float::Float;
use crate::parallel::map_reduce_chunks;
use rayon::prelude::*;

/// Labels (nearest slot, lowest on ties) and loss for the medoid rows.
pub(crate) fn assign<T: Float>(rows: &MedoidRows<T>, n: usize) -> (Vec<usize>, f64) {
    let nearest = |o: usize| {
        let mut best = (0usize, rows.get(0, o));
        for s in 1..rows.k() {
            let v = rows.get(s, o);
            if v < best.1 {
                best = (s, v);
            }
        }
        best
    };
    let labels: Vec<usize> = (0..n).into_par_iter().map(|o| nearest(o).0).collect();
    let loss = map_reduce_chunks(
        n,
        0.0f64,
        |r| r.map(|o| nearest(o).1.as_f64()).sum::<f64>(),
        |a, p| *a += p,
    );
    (labels, loss)
}

/// The member of `members` with the least sum of dissimilarities to the others;
/// `current` is kept on ties, otherwise the lowest index wins.
fn cluster_medoid<D: Dissimilarity>(d: &D, members: &[usize], current: usize) -> usize {
    let cost = |c: usize| members.iter().map(|&o| d.get(c, o).as_f64()).sum::<f64>();
    let mut best = (cost(current), current);
    for &c in members {
        if c == current {
            continue;
        }
        let v = cost(c);
        if v < best.0 {
            best = (v, c);
        }
    }
    best.1
}

/// Alternating k-medoids from `medoids`.
pub(crate) fn alternating<D: Dissimilarity>(
    d: &D,
    mut medoids: Vec<usize>,
    max_iter: usize,
    stop: &crate::interrupt::Interrupt,
) -> KMedoidsResult {
    let n = d.n();
    let k = medoids.len();
    let mut rows = MedoidRows::new(d, &medoids);
    let (mut labels, mut loss) = assign(&rows, n);
    let initial_loss = loss;
    let (mut n_iter, mut n_swaps, mut converged) = (0, 0, false);
    while n_iter < max_iter && !stop.is_triggered() {
        n_iter += 1;
        let mut members = vec![Vec::new(); k];
        for (o, &l) in labels.iter().enumerate() {
            members[l].push(o);
        }
        let new: Vec<usize> = (0..k)
            .into_par_iter()
            .map(|s| {
                if members[s].is_empty() {
                    medoids[s]
                } else {
                    cluster_medoid(d, &members[s], medoids[s])
                }
            })
            .collect();
        let changed = new.iter().zip(&medoids).filter(|(a, b)| a != b).count();
        if changed == 0 {
            converged = true;
            break;
        }
        n_swaps += changed;
        medoids = new;
        rows = MedoidRows::new(d, &medoids);
        (labels, loss) = assign(&rows, n);
    }
    KMedoidsResult {
        medoids,
        labels,
        loss,
        n_iter,
        n_swaps,
        diagnostics: KMedoidsDiagnostics {
            converged,
            initial_loss,
            candidates_evaluated: 0,
            ..Default::default()
        },
    }
}
