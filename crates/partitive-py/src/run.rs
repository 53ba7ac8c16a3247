//! Running an engine from Python: on a helper thread (the GIL released), in a pool of
//! the requested size, with Ctrl-C honoured.
//!
//! The calling thread waits for the helper in slices of [`POLL`], and between two
//! slices takes the GIL back to run Python's signal handlers
//! (`PyErr_CheckSignals`). When one raises (Ctrl-C: `KeyboardInterrupt`), the fit's
//! [`Interrupt`] token is triggered; the engine stops at its next step boundary and the
//! handler's exception is raised. Without this, a signal would wait for the fit to end.

use partitive::interrupt::Interrupt;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::mpsc;
use std::time::Duration;

/// How often the waiting thread looks at Python's signal handlers.
const POLL: Duration = Duration::from_millis(20);

pub(crate) use partitive::parallel::thread_cap;

/// Runs `f(token)` on a helper thread — in a rayon pool of `threads` workers when given
/// (at most [`thread_cap`]; the Python layer warns when it caps), otherwise in the
/// global pool — while this thread polls Python's signal handlers. Returns `f`'s value,
/// or the exception a signal handler raised (the token then stopped `f`).
pub(crate) fn interruptible<R, F>(py: Python<'_>, threads: Option<usize>, f: F) -> PyResult<R>
where
    R: Send,
    F: FnOnce(&Interrupt) -> R + Send,
{
    let pool = match threads {
        Some(0) => return Err(PyValueError::new_err("n_jobs must not be 0")),
        Some(t) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(t.min(thread_cap()))
                .build()
                .map_err(|e| PyValueError::new_err(format!("cannot start {t} threads: {e}")))?,
        ),
        None => None,
    };
    let token = Interrupt::new();
    let (out, raised) = py.detach(|| {
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel();
            let token = &token;
            let pool = pool.as_ref();
            let worker = s.spawn(move || {
                let r = match pool {
                    Some(p) => p.install(|| f(token)),
                    None => f(token),
                };
                // The receiver only goes away after `join` below.
                let _ = tx.send(());
                r
            });
            let mut raised: Option<PyErr> = None;
            loop {
                match rx.recv_timeout(POLL) {
                    Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if raised.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                token.trigger();
                                raised = Some(e);
                            }
                        }
                    }
                }
            }
            // A panic of the engine (a bug) resurfaces here, as PyO3's PanicException.
            let out = worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (out, raised)
        })
    });
    match raised {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
