//! Memory the allocator holds free, given back to the system between the phases of a run.
//!
//! mimalloc keeps freed pages for a while before returning them, so that a program that allocates
//! again soon need not fault them in again. A run frees most of what parsing allocated once the
//! first pass is over, and then builds the site index: without giving the free pages back first,
//! the process holds both.

/// Returns the free memory of every thread of rayon's pool, and of this one, to the system now.
pub fn give_back() {
    rayon::broadcast(|_| collect());
    collect();
}

/// Returns the free memory of the calling thread to the system now: after it wrote what it held
/// to the spill file, say, so that the memory is not held twice, freed here and allocated anew by
/// parsing elsewhere.
pub fn give_back_here() {
    collect();
}

fn collect() {
    // SAFETY: `mi_collect` takes no pointers; it frees the calling thread's empty pages and
    // purges the allocator's free memory. With another global allocator it only tidies
    // mimalloc's own (unused) heap.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
