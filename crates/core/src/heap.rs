//! Giving freed heap memory back to the system between the stages of a
//! scan whose peak counts.
//!
//! glibc's `malloc` keeps freed blocks of its arenas resident for reuse,
//! returning only the top of an arena beyond the trim threshold. A stage
//! that builds many small buffers and frees them (span alignment's
//! fingerprint keys: 8 bytes per fingerprint, 113 MB on debian-docs, in
//! thousands of per-chunk pieces) leaves them resident as holes, and the
//! next stage's large buffers are mapped beside them: the process's peak
//! is the sum. [`release_freed`] asks glibc to give the free pages back
//! (`malloc_trim(0)`: free blocks are `madvise`d away wherever they lie).
//! It is a no-op on targets other than Linux with glibc.

/// Returns the free pages of glibc's arenas to the system (see the module
/// docs). Costs a walk of the free blocks, a few milliseconds.
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
