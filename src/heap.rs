//! The wasm build's memory allocator: power-of-two size classes, a free list per class, fresh
//! blocks cut from the end of linear memory. It must never be used natively (the system allocator
//! is better there) and never returns memory to the page (wasm cannot shrink its memory).
//!
//! Why not the default (dlmalloc): it is about 7 KB of wasm, a twentieth of the SDK, for coalescing
//! and splitting that a page's heap does not need. The engine's heap is small (a profile, a rule
//! set, the page's strings) and its blocks are reused in the same sizes page after page, so
//! exact-class free lists keep it bounded: the heap never holds more than the peak of each
//! class, and blocks are at most twice the requested size, as `Vec`'s own doubling already makes
//! them.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// Every block is at least this big and this aligned (a pointer to the next free block fits,
/// and so does any type with the alignment of `u128`).
const MIN_CLASS: u32 = 4;
const PAGE: usize = 65_536;

pub(crate) struct Heap(UnsafeCell<State>);

struct State {
    /// The head of each class's free list (0 = empty); class `k` holds blocks of `2^k` bytes.
    free: [usize; 32],
    /// Fresh memory: `next..end` is not handed out yet.
    next: usize,
    end: usize,
}

// SAFETY: wasm32 without threads has one thread, so the state is never shared.
unsafe impl Sync for Heap {}

impl Heap {
    pub(crate) const fn new() -> Heap {
        Heap(UnsafeCell::new(State {
            free: [0; 32],
            next: 0,
            end: 0,
        }))
    }
}

/// Adds `pages` to the memory; the address of the first one.
#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> Option<usize> {
    let old = core::arch::wasm32::memory_grow(0, pages);
    (old != usize::MAX).then_some(old * PAGE)
}

/// Natively (tests), pages come from one arena, handed out in order as wasm memory grows.
#[cfg(not(target_arch = "wasm32"))]
fn grow(pages: usize) -> Option<usize> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const ARENA_PAGES: usize = 1024;
    static BASE: AtomicUsize = AtomicUsize::new(0);
    static USED: AtomicUsize = AtomicUsize::new(0);
    if BASE.load(Ordering::Relaxed) == 0 {
        let layout = Layout::from_size_align(ARENA_PAGES * PAGE, PAGE).ok()?;
        // SAFETY: a non-zero size; the arena lives as long as the test process.
        BASE.store(
            unsafe { std::alloc::alloc(layout) } as usize,
            Ordering::Relaxed,
        );
    }
    let used = USED.fetch_add(pages, Ordering::Relaxed);
    (used + pages <= ARENA_PAGES).then(|| BASE.load(Ordering::Relaxed) + used * PAGE)
}

/// The class of a layout: `2^class >= max(size, align, 16)`; `None` past 2 GiB.
fn class(layout: Layout) -> Option<u32> {
    let size = layout.size().max(layout.align());
    let class = usize::BITS - (size.max(1) - 1).leading_zeros();
    (class < 31).then_some(class.max(MIN_CLASS))
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class(layout) else {
            return null_mut();
        };
        let state = &mut *self.0.get();
        let head = state.free[class as usize];
        // A block of the class is aligned to 16 at least; larger alignments (rare) take a fresh
        // block unless the free one happens to fit.
        if head != 0 && head & (layout.align() - 1) == 0 {
            state.free[class as usize] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 1usize << class;
        let align = layout.align().max(1 << MIN_CLASS);
        let mut start = (state.next + align - 1) & !(align - 1);
        if start == 0 || start + size > state.end {
            let pages = (size + align).div_ceil(PAGE);
            let Some(base) = grow(pages) else {
                return null_mut();
            };
            if base != state.end {
                // Someone else grew the memory too (never in this SDK): start afresh after it.
                state.next = base;
            }
            state.end = base + pages * PAGE;
            start = (state.next + align - 1) & !(align - 1);
        }
        state.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = class(layout) {
            let state = &mut *self.0.get();
            *(ptr as *mut usize) = state.free[class as usize];
            state.free[class as usize] = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(new) == class(layout) {
            return ptr;
        }
        let out = self.alloc(new);
        if !out.is_null() {
            core::ptr::copy_nonoverlapping(ptr, out, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_disjoint_and_reused() {
        let heap = Heap::new();
        let mut live: Vec<(usize, Layout, u8)> = Vec::new();
        let mut seed = 11u32;
        for step in 0..20_000u32 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let r = seed >> 8;
            if !live.is_empty() && (r.is_multiple_of(3) || live.len() > 200) {
                let (ptr, layout, fill) = live.swap_remove(r as usize % live.len());
                // SAFETY: allocated by `heap` with `layout` and filled with `fill`.
                unsafe {
                    let bytes = core::slice::from_raw_parts(ptr as *const u8, layout.size());
                    assert!(
                        bytes.iter().all(|&b| b == fill),
                        "block {ptr:#x} was overwritten"
                    );
                    heap.dealloc(ptr as *mut u8, layout);
                }
                continue;
            }
            let size = [0, 1, 7, 16, 17, 100, 1000, 5000, 70_000][r as usize % 9];
            let align = [1, 2, 4, 8, 16, 64][(r >> 4) as usize % 6];
            let layout = Layout::from_size_align(size, align).unwrap();
            let fill = step as u8;
            // SAFETY: a valid layout; the block is written within its size only.
            let ptr = unsafe {
                let ptr = if r.is_multiple_of(5) && size > 0 {
                    let small = Layout::from_size_align(size / 2, align).unwrap();
                    let p = heap.alloc(small);
                    heap.realloc(p, small, size)
                } else {
                    heap.alloc(layout)
                };
                assert!(!ptr.is_null());
                core::ptr::write_bytes(ptr, fill, size);
                ptr as usize
            };
            assert_eq!(ptr % align.max(16), 0);
            live.push((ptr, layout, fill));
        }
        // SAFETY: both layouts are valid.
        unsafe {
            let small = Layout::from_size_align(24, 8).unwrap();
            let a = heap.alloc(small);
            heap.dealloc(a, small);
            assert_eq!(heap.alloc(small), a, "a freed block is reused");
            assert_eq!(
                heap.realloc(a, small, 30),
                a,
                "growing within the class keeps the block"
            );
        }
    }
}
