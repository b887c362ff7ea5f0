//! Giving freed heap memory back to the system, for the stages whose peak
//! counts. Two tools, both no-ops on targets other than Linux with glibc.
//!
//! glibc's `malloc` serves a request of at least the *mmap threshold* with
//! its own `mmap`, given back whole when freed; smaller ones come from its
//! arenas, which keep freed blocks resident for reuse and return memory
//! only from their top and only beyond the *trim threshold*. Both start at
//! 128 KiB, but each time an mmapped block is freed the mmap threshold
//! rises to its size (up to 32 MiB on 64-bit) and the trim threshold to
//! twice that: from then on buffers of that size are carved from the arenas
//! and stay resident once freed.
//!
//! * [`return_freed_memory`] fixes the mmap threshold at 128 KiB, which also
//!   keeps the trim threshold at its default. The staged cluster step reads
//!   the inputs once more and frees each document's text as it goes
//!   (`dupscan::staged::cluster`); with the thresholds risen, about 45 MB of
//!   freed texts and read buffers stayed resident through clustering and
//!   the report's writing on debian-docs sentence units (BENCHMARKS.md).
//!   `scan --memory-budget` calls it before its first stage, as each
//!   stage's freed buffers would otherwise add to the next one's peak. The
//!   setting is process-wide and lasts until the process ends: every
//!   allocation of 128 KiB or more is then an `mmap` and a `munmap`, and
//!   freed memory is returned sooner, so more system time goes to page
//!   faults (on debian-docs, about 0.2-1.2 s in cluster and 0.8-1.6 s in
//!   `scan --memory-budget`; BENCHMARKS.md).
//! * [`release_freed`] gives the free pages back once (`malloc_trim(0)`:
//!   free blocks are `madvise`d away wherever they lie), with no lasting
//!   setting. Span alignment's fingerprint keys (8 bytes per fingerprint,
//!   113 MB on debian-docs, in thousands of per-chunk pieces) are freed
//!   after the seed index is built; left resident as holes, the next
//!   stage's large buffers would be mapped beside them, and the process's
//!   peak would be their sum ([`crate::pipeline`] calls it there).

/// Fixes glibc's mmap threshold at 128 KiB for the rest of the process, so
/// that large freed buffers go back to the system (see the module docs).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn return_freed_memory() {
    // SAFETY: `mallopt` has no memory-safety preconditions: it takes the
    // main arena's lock and sets a tunable for later allocations, and never
    // frees or moves a block a pointer refers to. Its result (0 for a value
    // out of range, which 128 KiB is not) needs no handling: on failure
    // glibc keeps its default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Does nothing: other allocators and platforms have no such tunable here.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_freed_memory() {}

/// Returns the free pages of glibc's arenas to the system once (see the
/// module docs). Costs a walk of the free blocks, a few milliseconds.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_freed() {
    // SAFETY: `malloc_trim` has no memory-safety preconditions: it takes
    // each arena's lock and releases pages of free blocks only, never a
    // block a pointer refers to. Its result (whether memory was released)
    // needs no handling.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Does nothing: other allocators and platforms are left as they are.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed() {}
