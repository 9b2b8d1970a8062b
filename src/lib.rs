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
    }
    tune
};

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
pub mod normalize;
pub mod ops;
pub mod registry;
pub mod sources;
pub mod store;
pub mod testsite;
