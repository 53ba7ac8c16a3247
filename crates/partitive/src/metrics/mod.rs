//! Clustering quality measures, pure functions over labels and dissimilarities.
//!
//! - External (two labelings): [`adjusted_rand_index`], [`normalized_mutual_info`].
//! - Internal (labels + dissimilarities): [`silhouette`] (Rousseeuw 1987) and
//!   [`medoid_silhouette`] (Lenssen & Schubert 2022), with per-object variants.
//!
//! Labels are arbitrary `usize` values (they need not be `0..c`).
//!
//! ```
//! use partitive::metrics::{adjusted_rand_index, normalized_mutual_info};
//! let a = [0, 0, 1, 1];
//! let b = [5, 5, 3, 3];
//! assert_eq!(adjusted_rand_index(&a, &b).unwrap(), 1.0);
//! assert_eq!(normalized_mutual_info(&a, &b).unwrap(), 1.0);
//! ```

mod contingency;
mod pair;
mod silhouette;

pub use pair::{
    adjusted_rand_index, normalized_mutual_info, normalized_mutual_info_with, NmiAverage,
};
pub use silhouette::{
    medoid_silhouette, medoid_silhouette_samples, silhouette, silhouette_samples,
};
