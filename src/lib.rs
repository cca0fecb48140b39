//! Tailor: an on-device personalization engine.
//!
//! Three layers, one direction: the pure engine (this crate's platform-free modules: values,
//! conditions, bucketing, profile, consent, rules) → the browser shell (`browser`, compiled for
//! wasm32 only: DOM, storage, clock) → the JavaScript loader in `js/`. The engine never touches
//! `window`, storage or the network; the platform reaches it through the traits in `platform`.
//!
//! Code that compiles to wasm follows the size conventions of `docs/size.md` (no `core::fmt`, no
//! `retain` or core sorts, the own allocator), each with its measured cost. The wasm is
//! `no_std`: std's panic machinery formats every panic's message and place, which kept
//! `core::fmt` in the SDK; this crate's own panic handler below just stops.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

/// What std's prelude gives and `no_std` does not; every module imports it, so the same code
/// builds natively (with std) and for the browser (without).
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod bucket;
pub mod condition;
pub mod config;
pub mod consent;
pub mod context;
pub(crate) mod float;
pub mod geo;
#[cfg(any(target_arch = "wasm32", test))]
mod heap;
pub(crate) mod lists;
pub mod pattern;
pub mod platform;
pub mod preview;
pub mod profile;
pub mod reapply;
pub mod rules;
pub mod sync;
pub(crate) mod text;
pub mod text_value;
pub mod value;
pub mod visit;
pub mod visitor_id;

pub use value::Value;

/// The wasm build's allocator (see `heap`): a twentieth of the SDK smaller than the default.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();

/// A panic in the shipped wasm traps: the loader catches the trap as an error and the page keeps
/// its original content (no message to format, so no `core::fmt` in the SDK). The browser tests
/// link std, whose handler prints the message instead.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The browser shell (wasm32 only). Public so browser tests can drive it; page code uses the
/// exports that wasm-bindgen generates, not this module.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod browser;
