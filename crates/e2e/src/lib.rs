//! Nothing to build: this crate is its tests, in `tests/`.
