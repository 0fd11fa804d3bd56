//! Counts heap allocations per payload with a counting global allocator: the pipeline should
//! allocate a handful of small buffers, never anything proportional to the key.
#![allow(clippy::unwrap_used, missing_docs)]
// A global allocator can only be written with `unsafe impl`; this test-only file is the one
// place in the workspace that opts out of the `unsafe_code` lint.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use phone_crypto::{AppKeys, decrypt_phone};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's own arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn allocations_per_payload_stay_few() {
    let body = demo("envelope.json");
    let mut report = Vec::new();
    for backend in phone_crypto::Backend::ALL {
        let keys = AppKeys::builder()
            .alipay_public_key(&demo("alipay_public_key.txt"))
            .unwrap()
            .aes_key(&demo("aes_key.txt"))
            .unwrap()
            .build(*backend)
            .unwrap();
        for _ in 0..3 {
            decrypt_phone(&keys, &body).unwrap(); // warm any lazy initialisation
        }
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let rounds = 10;
        for _ in 0..rounds {
            assert_eq!(decrypt_phone(&keys, &body).unwrap().reveal(), "13800138000");
        }
        let per_payload = (ALLOCATIONS.load(Ordering::SeqCst) - before) / rounds;
        report.push(format!("{backend}: {per_payload}"));
        // Our own code allocates 7 small buffers (signed bytes, signature, ciphertext, plaintext,
        // code, msg, number); the rest is the crypto library's own per-call state.
        assert!(per_payload <= 40, "{backend}: {per_payload} allocations per payload");
    }
    println!("allocations per payload: {}", report.join(", "));
}
