//! The size budget, enforced from the first day: what the page loads (wasm, JS and CSS of the release build) must
//! stay within 150 KiB under gzip -9. A catalogue is fetched only in the language in use, so English costs nothing
//! extra and each other language costs its own catalogue, within 3 KiB. BENCHMARKS.md gives each step.

use e2e::{PAYLOAD_BUDGET_KIB, payload_gzip_sizes, site_dir};

const BUDGET_BYTES: usize = PAYLOAD_BUDGET_KIB * 1024;
const CATALOGUE_BUDGET_BYTES: usize = 3 * 1024;

#[test]
fn the_release_payload_fits_the_budget() {
    let sizes = payload_gzip_sizes(&site_dir());
    assert!(sizes.iter().any(|(name, _)| name.ends_with(".wasm")), "no wasm in the site: {sizes:?}");
    let total: usize = sizes.iter().map(|(_, size)| size).sum();
    for (name, size) in &sizes {
        println!("{name}: {:.1} KiB gzip -9", *size as f64 / 1024.0);
    }
    assert!(
        total <= BUDGET_BYTES,
        "the payload is {total} bytes under gzip -9, over the budget of {BUDGET_BYTES}: {sizes:?}"
    );
}

#[test]
fn each_catalogue_fits_its_budget() {
    let catalogues = payload_gzip_sizes(&site_dir().join("locales"));
    assert_eq!(catalogues.len(), 5, "de, fr, es, ja and ar: {catalogues:?}");
    for (name, size) in catalogues {
        println!("{name}: {:.1} KiB gzip -9", size as f64 / 1024.0);
        assert!(size <= CATALOGUE_BUDGET_BYTES, "{name} is {size} bytes under gzip -9");
    }
}
