//! [`contain`]: a panic of a third-party decoder turned into an error.
//!
//! The `parquet` crate trusts parts of a file it decodes: a corrupt file can make it panic
//! (for instance "Decoder for dict should have been set" on a dictionary-encoded page with
//! no dictionary page; found by the `parquet` fuzz target). A panic must never reach the
//! user from input, so calls into the decoder run under `catch_unwind`, and the panic
//! becomes a malformed-file error. While such a call runs on a thread, the process's panic
//! hook stays silent on that thread (the message becomes the error instead of a
//! multi-line report on stderr); every other panic is reported by the previous hook as
//! before.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Runs `f`; a panic inside it is returned as `Err(message)`.
pub(crate) fn contain<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = CONTAINED.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(outer));
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the decoder failed".to_string());
        format!("decoder error: {msg}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_values_pass_through() {
        assert_eq!(contain(|| 7), Ok(7));
        let e = contain(|| -> u8 { panic!("bad page {}", 3) }).unwrap_err();
        assert_eq!(e, "decoder error: bad page 3");
        // Outside `contain` panics still unwind as usual.
        assert!(std::panic::catch_unwind(|| panic!("x")).is_err());
    }
}
