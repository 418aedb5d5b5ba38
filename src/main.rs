//! The binary that Trunk builds into the self-service page's wasm. It starts nothing by itself: the page's
//! `boot.js`, like the npm package, mounts widgets through the library's exported `mountWidget` (see `lib.rs`).

// Links the library, whose exports are the wasm's whole interface.
use mfa_enroll_widget as _;

fn main() {}
