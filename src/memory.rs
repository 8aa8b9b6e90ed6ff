//! How the process allocates. Small blocks come from mimalloc: a request allocates
//! and frees a few hundred of them, and with glibc's allocator that took about a
//! third of the HTTP workers' CPU under a write load. Large blocks (an argon2 buffer
//! is 19 MiB) come from glibc, which maps each one directly and unmaps it when it is
//! freed: mimalloc would keep a freed one resident until its next collection, which
//! after a burst of logins may never come. SQLite, which is C, uses glibc's throughout.
//!
//! mimalloc is built without its transparent-huge-page advice (`no_thp`): with it,
//! small blocks made memory resident 2 MiB at a time, about 15 MiB more under load.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of this size or more go to glibc, which maps them directly at this size
/// (set by [`limit_allocator_retention`]).
const LARGE_BLOCK: usize = 256 * 1024;

/// The process's allocator (installed in `main.rs`): mimalloc for small blocks,
/// glibc for large ones.
pub struct Allocator;

fn is_large(size: usize) -> bool {
    size >= LARGE_BLOCK
}

/// The allocator that makes, and frees, blocks of `size` bytes.
fn maker(size: usize) -> &'static dyn GlobalAlloc {
    if is_large(size) {
        &System
    } else {
        &mimalloc::MiMalloc
    }
}

// SAFETY: every block is freed by the allocator that made it: both the choice at
// allocation and the one at deallocation follow the block's size, which the caller
// passes back unchanged; a reallocation that crosses the threshold moves the block.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { maker(layout.size()).alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { maker(layout.size()).alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from the allocator its size chooses (see above).
        unsafe { maker(layout.size()).dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if is_large(layout.size()) == is_large(new_size) {
            // SAFETY: forwarded with the caller's guarantees, to the block's maker.
            return unsafe { maker(new_size).realloc(ptr, layout, new_size) };
        }
        // SAFETY: the block changes allocator: it is copied into a new one (same
        // alignment, a size the caller vouches for) and freed where it was made.
        unsafe {
            let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

/// Keeps glibc's side small: at most four malloc arenas (otherwise one per thread
/// that ever allocated, and the blocking pool has many), and blocks of
/// [`LARGE_BLOCK`] or more mapped directly, so freeing them returns the memory. Call
/// first thing in `main`.
pub fn limit_allocator_retention() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tunables; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
        libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BLOCK as libc::c_int);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grows a block from small to large and back, checking its bytes survive each
    /// move between the two allocators.
    #[test]
    fn a_block_keeps_its_bytes_when_it_grows_or_shrinks_across_the_threshold() {
        let sizes = [
            64,
            LARGE_BLOCK - 1,
            LARGE_BLOCK,
            4 * LARGE_BLOCK,
            LARGE_BLOCK - 1,
            64,
        ];
        let layout = Layout::from_size_align(sizes[0], 16).unwrap();
        // SAFETY: every call gets the layout of the block as it was last made.
        unsafe {
            let mut ptr = Allocator.alloc_zeroed(layout);
            assert!(!ptr.is_null());
            for i in 0..sizes[0] {
                *ptr.add(i) = i as u8;
            }
            let mut size = sizes[0];
            for &next in &sizes[1..] {
                ptr = Allocator.realloc(ptr, Layout::from_size_align(size, 16).unwrap(), next);
                assert!(!ptr.is_null());
                assert_eq!(ptr as usize % 16, 0);
                for i in 0..sizes[0] {
                    assert_eq!(*ptr.add(i), i as u8, "byte {i} after resizing to {next}");
                }
                size = next;
            }
            Allocator.dealloc(ptr, Layout::from_size_align(size, 16).unwrap());
        }
    }
}
