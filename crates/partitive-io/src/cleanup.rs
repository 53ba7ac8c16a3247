//! Temporary files removed when the process is interrupted.
//!
//! [`remove_temp_files_on_signal`] installs a handler for `SIGINT`, `SIGTERM` and `SIGHUP`
//! that deletes every temporary file an [`crate::AtomicFile`] holds at that moment, then
//! ends the process with the shell's conventional code `128 + signal` (130 for `SIGINT`,
//! 143 for `SIGTERM`). Files are registered in a fixed table of C strings the handler reads
//! with atomic loads, and removed with `unlink` and `_exit` — all async-signal-safe.
//!
//! While [`crate::commit_all`] renames its temporary files into place, a signal is held
//! until the last rename is done (then the process exits the same way), so an interrupted
//! run commits either all of its outputs or none of them.

#[cfg(unix)]
pub use imp::*;

#[cfg(not(unix))]
pub use stub::*;

#[cfg(unix)]
mod imp {
    use std::ffi::CString;
    use std::os::raw::{c_char, c_int};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr::null_mut;
    use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicUsize, Ordering::SeqCst};

    /// Temporary files tracked at once (a run has a handful of outputs); beyond this a
    /// file is simply not tracked.
    const SLOTS: usize = 64;

    static INSTALLED: AtomicBool = AtomicBool::new(false);
    static TEMPS: [AtomicPtr<c_char>; SLOTS] = [const { AtomicPtr::new(null_mut()) }; SLOTS];

    /// The process state: the number of commits in progress (any thread), or `DYING` once
    /// a signal handler started removing files.
    static STATE: AtomicUsize = AtomicUsize::new(0);
    const DYING: usize = usize::MAX;
    /// A signal that came during a commit, handled when the last commit ends.
    static PENDING: AtomicI32 = AtomicI32::new(0);

    /// Installs the handler (see the module docs). Idempotent.
    pub fn remove_temp_files_on_signal() -> std::io::Result<()> {
        if INSTALLED.swap(true, SeqCst) {
            return Ok(());
        }
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: a zeroed `sigaction` is a valid starting value; the handler only
            // uses async-signal-safe operations (atomics, `unlink`, `_exit`).
            let r = unsafe {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
                act.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut act.sa_mask);
                libc::sigaction(sig, &act, std::ptr::null_mut())
            };
            if r != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }

    extern "C" fn on_signal(sig: c_int) {
        if STATE.compare_exchange(0, DYING, SeqCst, SeqCst).is_ok() {
            die(sig);
        }
        if STATE.load(SeqCst) == DYING {
            return; // another thread is already exiting
        }
        // Commits are in progress: the last one to end handles the signal...
        PENDING.store(sig, SeqCst);
        // ...unless they all ended meanwhile without seeing it.
        if STATE.compare_exchange(0, DYING, SeqCst, SeqCst).is_ok() {
            die(sig);
        }
    }

    /// Removes every registered file and exits with `128 + sig`.
    fn die(sig: c_int) -> ! {
        for slot in &TEMPS {
            let p = slot.swap(null_mut(), SeqCst);
            if !p.is_null() {
                // SAFETY: `p` is a NUL-terminated string leaked by `register`, never freed.
                unsafe { libc::unlink(p) };
            }
        }
        // SAFETY: `_exit` is async-signal-safe and never returns.
        unsafe { libc::_exit(128 + sig) }
    }

    /// A temporary file's place in the table; dropping it forgets the file (after the
    /// file itself was renamed or removed).
    #[derive(Debug)]
    pub(crate) struct Registration(Option<usize>);

    /// Tracks `path` for removal on a signal (only when the handler is installed).
    pub(crate) fn register(path: &Path) -> Registration {
        if !INSTALLED.load(SeqCst) {
            return Registration(None);
        }
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
            return Registration(None);
        };
        // Leaked on purpose: a handler running on another thread may still hold the
        // pointer after the slot is cleared, so it is never freed (a few bytes per output).
        let ptr = c.into_raw();
        for (i, slot) in TEMPS.iter().enumerate() {
            if slot
                .compare_exchange(null_mut(), ptr, SeqCst, SeqCst)
                .is_ok()
            {
                return Registration(Some(i));
            }
        }
        Registration(None)
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            if let Some(i) = self.0 {
                TEMPS[i].store(null_mut(), SeqCst);
            }
        }
    }

    /// Holds signals while the caller renames files into place (several threads may
    /// commit at once); `false` when the process is already exiting on a signal.
    pub(crate) fn begin_commit() -> bool {
        STATE
            .fetch_update(SeqCst, SeqCst, |s| (s != DYING).then_some(s + 1))
            .is_ok()
    }

    /// Ends [`begin_commit`]; a signal that came meanwhile ends the process when the last
    /// commit in progress ends.
    pub(crate) fn end_commit() {
        if STATE.fetch_sub(1, SeqCst) != 1 {
            return;
        }
        let sig = PENDING.swap(0, SeqCst);
        if sig != 0 {
            if STATE.compare_exchange(0, DYING, SeqCst, SeqCst).is_ok() {
                die(sig);
            }
            // Another commit began, or the handler won the race and is exiting: in the
            // first case that commit's end handles the signal.
            if STATE.load(SeqCst) != DYING {
                PENDING.store(sig, SeqCst);
                return;
            }
            loop {
                std::thread::park();
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn tracked(path: &Path) -> bool {
        let want = path.as_os_str().as_bytes();
        TEMPS.iter().any(|s| {
            let p = s.load(SeqCst);
            // SAFETY: registered pointers are leaked NUL-terminated strings.
            !p.is_null() && unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes() == want
        })
    }

    #[cfg(test)]
    pub(crate) fn install_for_tests() {
        INSTALLED.store(true, SeqCst);
    }
}

#[cfg(not(unix))]
mod stub {
    use std::path::Path;

    /// Does nothing on this platform (no POSIX signals).
    pub fn remove_temp_files_on_signal() -> std::io::Result<()> {
        Ok(())
    }

    #[derive(Debug)]
    pub(crate) struct Registration;

    pub(crate) fn register(_: &Path) -> Registration {
        Registration
    }

    pub(crate) fn begin_commit() -> bool {
        true
    }

    pub(crate) fn end_commit() {}
}
