//! Cooperative interruption of a running fit.
//!
//! An [`Interrupt`] is a shared flag. Give a clone to a fit through its parameters
//! (`KMeans::params(k).interrupt(&token)`, and likewise for the Gaussian mixture,
//! k-medoids, CLARA and PPP builders); trigger it from any thread. The engines poll it
//! at the boundaries of their steps (iterations, restarts, seeding steps, swap passes
//! and blocks of candidates, the proposals of the PPP sweep) and then return an error of
//! kind [`ErrorKind::Interrupted`](crate::ErrorKind) instead of a result.
//! A step of an ordinary fit takes milliseconds, so the fit ends promptly.
//!
//! The Python bindings run each fit on a helper thread and poll Python's signal
//! handlers meanwhile, triggering the token on Ctrl-C.
//!
//! ```
//! use partitive::interrupt::Interrupt;
//! use partitive::kmeans::KMeans;
//! use partitive::{ErrorKind, Mat};
//! let x = Mat::from_rows(&[[0.0f64], [1.0], [5.0], [6.0]]);
//! let stop = Interrupt::new();
//! stop.trigger();
//! let e = KMeans::params(2).interrupt(&stop).fit(x.view()).unwrap_err();
//! assert_eq!(e.kind(), &ErrorKind::Interrupted);
//! ```

use crate::error::{Error, ErrorKind, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared "stop" flag (cheap to clone: clones share the flag).
///
/// Tokens take no part in comparisons of parameters: any two compare equal.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A new, untriggered token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every fit watching this token to stop.
    pub fn trigger(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`trigger`](Self::trigger) was called.
    #[inline]
    pub fn is_triggered(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Interrupted)` once triggered.
    pub(crate) fn check(&self) -> Result<()> {
        if self.is_triggered() {
            Err(Error::from(ErrorKind::Interrupted))
        } else {
            Ok(())
        }
    }
}

impl PartialEq for Interrupt {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Interrupt")
            .field(&self.is_triggered())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let a = Interrupt::new();
        let b = a.clone();
        assert!(a.check().is_ok());
        b.trigger();
        assert!(a.is_triggered());
        assert_eq!(a.check().unwrap_err().kind(), &ErrorKind::Interrupted);
        assert_eq!(a, Interrupt::new());
    }
}
