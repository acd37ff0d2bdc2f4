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

/// Counts `bytes` the calling thread freed after writing them to the spill file, and once that
/// comes to [`GIVE_BACK_EVERY`] returns the thread's free memory to the system: otherwise parsing
/// on other threads allocates anew while this one keeps what it freed, and the run holds both.
/// Not after every write: a run with no link budget writes after every page. Returns whether it
/// gave back.
pub fn freed(bytes: usize) -> bool {
    thread_local!(static FREED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
    FREED.with(|freed| count_to(freed, bytes, GIVE_BACK_EVERY))
}

/// Bytes a thread frees before it gives its free memory back (see [`freed`]).
pub const GIVE_BACK_EVERY: usize = 256 << 10;

/// Counts `bytes` of Markdown the calling thread parsed, and once that comes to
/// [`GIVE_BACK_PARSED`] returns the thread's free memory to the system. Parsing a page allocates
/// its syntax tree, several times the page's size, and frees it when the page is done; mimalloc
/// keeps the freed pages of each thread for reuse, and long-lived bits of every page (its path,
/// its ids, findings) keep some of them from ever being whole again. Over the whole handbook
/// that held about 2.5 MB more at the run's peak; giving back every few megabytes parsed costs
/// no time that can be told from the machine's noise. Returns whether it gave back.
pub fn parsed(bytes: usize) -> bool {
    thread_local!(static PARSED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
    PARSED.with(|parsed| count_to(parsed, bytes, GIVE_BACK_PARSED))
}

/// Bytes of Markdown a thread parses before it gives its free memory back (see [`parsed`]).
pub const GIVE_BACK_PARSED: usize = 4 << 20;

/// Adds `bytes` to a thread's `count`, and once it comes to `limit` starts it again and gives the
/// thread's free memory back.
fn count_to(count: &std::cell::Cell<usize>, bytes: usize, limit: usize) -> bool {
    let total = count.get() + bytes;
    let give_back = total >= limit;
    count.set(if give_back { 0 } else { total });
    if give_back {
        collect();
    }
    give_back
}

fn collect() {
    // SAFETY: `mi_collect` takes no pointers; it frees the calling thread's empty pages and
    // purges the allocator's free memory. With another global allocator it only tidies
    // mimalloc's own (unused) heap.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_gives_back_once_per_quarter_mebibyte_it_freed() {
        // Its own thread: the count is per thread.
        let backs = std::thread::spawn(|| (0..1000).filter(|_| freed(1024)).count()).join().unwrap();
        assert_eq!(backs, 1000 * 1024 / GIVE_BACK_EVERY);
        let big = std::thread::spawn(|| freed(GIVE_BACK_EVERY)).join().unwrap();
        assert!(big, "a single large write gives back at once");
    }

    #[test]
    fn a_thread_gives_back_every_few_megabytes_it_parsed() {
        let page = 10_000;
        let backs = std::thread::spawn(move || (0..2000).filter(|_| parsed(page)).count()).join().unwrap();
        assert_eq!(backs, 2000 * page / GIVE_BACK_PARSED);
        // Counted apart from what a thread wrote out.
        let (wrote, parsed_too) =
            std::thread::spawn(|| (freed(GIVE_BACK_EVERY - 1), parsed(GIVE_BACK_PARSED - 1))).join().unwrap();
        assert!(!wrote && !parsed_too);
    }
}
