//! Examples and benchmarks host.
#![forbid(unsafe_code)]
