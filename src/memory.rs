//! Keeps the process small on glibc: its allocator otherwise keeps one arena per
//! thread that ever allocated (the blocking pool has many) and, after the first large
//! free, serves argon2's 19 MiB buffers from the heap, where they stay resident.

/// Caps malloc arenas at four and always maps blocks of 256 KiB or more directly, so
/// freeing them returns the memory to the system. Call first thing in `main`.
pub fn limit_allocator_retention() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
