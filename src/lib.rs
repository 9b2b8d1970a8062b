//! RENEC Harvester: keeps a faithful, current, queryable mirror of Mexico's
//! RENEC. Data flows one way: fetch (`crawl`) → parse (`sources`) →
//! normalize (`normalize`) → store (`store`) → serve.

/// mimalloc for every program linking the library (the binary, tests,
/// benchmarks): glibc's and musl's allocators are several times slower on
/// the API's allocation-heavy answers.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tells mimalloc not to commit its arenas eagerly, which is its default on
/// Linux: eagerly committed memory that is freed stays resident. With it, a
/// harvest of 100 standards peaked at 80 MB of resident memory, and without
/// it at 24 MB, in the same time (`harvest_bench`). Set as a default before
/// `main` and before the first allocation reserves an arena (setting it in
/// `main` is too late); `MIMALLOC_ARENA_EAGER_COMMIT` in the environment
/// still wins.
#[allow(unsafe_code)]
#[used]
#[link_section = ".init_array"]
static TUNE_ALLOCATOR: extern "C" fn() = {
    extern "C" fn tune() {
        /// `mi_option_arena_eager_commit` in mimalloc v3's `mi_option_e`.
        const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
        // SAFETY: sets one integer option's default; it allocates nothing.
        unsafe { libmimalloc_sys::mi_option_set_default(ARENA_EAGER_COMMIT, 0) }
        sqlite_allocator::install();
    }
    tune
};

/// SQLite allocates through mimalloc too, not through the C library's
/// `malloc`. musl's (the static binary's) gives every block of 64 KiB or
/// more back to the system when it is freed, and SQLite takes one for the
/// statement journal of each write that may need to undo itself (a foreign
/// key, `OR REPLACE`): the packaged binary made 8,248 `mmap`/`munmap` pairs
/// and about 36,000 page faults in one heavy harvest of the real corpus,
/// against 9,000 with this, and spent 0.46–0.53 s in the kernel instead of
/// 0.24–0.32 s (BENCHMARKS.md, session 19).
mod sqlite_allocator {
    #![allow(unsafe_code)]
    use libmimalloc_sys as mi;
    use rusqlite::ffi;
    use std::ffi::{c_int, c_void};

    // SQLite asks for sizes as `int`, never negative; the sizes given back
    // fit, as SQLite never asks for more than 2 GiB.
    unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
        unsafe { mi::mi_malloc(n as usize) }
    }
    unsafe extern "C" fn free(p: *mut c_void) {
        unsafe { mi::mi_free(p) }
    }
    unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
        unsafe { mi::mi_realloc(p, n as usize) }
    }
    unsafe extern "C" fn size(p: *mut c_void) -> c_int {
        unsafe { mi::mi_usable_size(p) as c_int }
    }
    unsafe extern "C" fn roundup(n: c_int) -> c_int {
        unsafe { mi::mi_good_size(n as usize) as c_int }
    }
    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        ffi::SQLITE_OK
    }
    unsafe extern "C" fn shutdown(_: *mut c_void) {}

    /// Before any connection is opened (SQLite copies the methods; once it
    /// is initialised the call is refused and SQLite keeps its own).
    pub(super) fn install() {
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(malloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(size),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: the struct is complete and SQLite copies it before the call
        // returns; this runs before `main`, so before SQLite is initialised.
        unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const _) };
    }
}

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e`.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Holders of [`return_memory_promptly`], and the purge delay to restore
/// when the last one ends.
static PROMPT_RETURN: std::sync::Mutex<(usize, std::ffi::c_long)> = std::sync::Mutex::new((0, 0));

/// While held, memory that mimalloc frees goes back to the system at once
/// instead of after its purge delay (1 s). A harvest holds it: it parses
/// thousands of pages whose trees are freed right away, and with the delay
/// its resident peak at scale 100 was 120 MB instead of 95 MB, for the same
/// CPU. The API does not: at once costs its reads about 10 % of their
/// throughput (measured with wrk on the search and facet mixes), so they run
/// that much slower only while a harvest runs beside them.
pub struct PromptReturn(());

/// See [`PromptReturn`].
pub fn return_memory_promptly() -> PromptReturn {
    let mut held = PROMPT_RETURN.lock().unwrap_or_else(|e| e.into_inner());
    if held.0 == 0 {
        // SAFETY: reads and sets one integer option; nothing is allocated.
        #[allow(unsafe_code)]
        unsafe {
            held.1 = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        }
    }
    held.0 += 1;
    PromptReturn(())
}

impl Drop for PromptReturn {
    fn drop(&mut self) {
        let mut held = PROMPT_RETURN.lock().unwrap_or_else(|e| e.into_inner());
        held.0 -= 1;
        if held.0 == 0 {
            // SAFETY: as in `return_memory_promptly`.
            #[allow(unsafe_code)]
            unsafe {
                libmimalloc_sys::mi_option_set(PURGE_DELAY, held.1)
            };
        }
    }
}

pub mod api;
pub mod assets;
pub mod changes;
pub mod commands;
pub mod config;
pub mod crawl;
pub mod entity;
pub mod harvest;
pub mod metrics;
pub mod model;
#[cfg(all(target_arch = "x86_64", any(test, target_env = "musl")))]
mod musl_mem;
pub mod normalize;
pub mod ops;
pub mod registry;
pub mod sources;
pub mod store;
pub mod testsite;

#[cfg(test)]
mod tests {
    /// Once a connection is open (SQLite initialised), what SQLite allocates
    /// comes from mimalloc's heap.
    #[test]
    #[allow(unsafe_code)]
    fn sqlite_allocates_through_mimalloc() {
        let _initialised = rusqlite::Connection::open_in_memory().unwrap();
        // SAFETY: a block from SQLite's allocator, freed by it.
        unsafe {
            let p = rusqlite::ffi::sqlite3_malloc(100_000);
            assert!(!p.is_null());
            assert!(libmimalloc_sys::mi_is_in_heap_region(p));
            rusqlite::ffi::sqlite3_free(p);
        }
    }
}
