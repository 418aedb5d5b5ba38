//! The size budget, enforced from the first day: what the page loads (its HTML, wasm, JS and CSS, release build)
//! must stay within 145 KiB under Brotli (quality 11), what a browser downloads. A catalogue is fetched only in the
//! language in use, so English costs nothing extra and each other language costs its own catalogue, within 3 KiB.
//! BENCHMARKS.md gives each step, with the gzip -9 figures beside.

use e2e::{Encoding, PAYLOAD_BUDGET_KIB, payload_sizes, site_dir};

const BUDGET_BYTES: usize = PAYLOAD_BUDGET_KIB * 1024;
const CATALOGUE_BUDGET_BYTES: usize = 3 * 1024;

#[test]
fn the_release_payload_fits_the_budget() {
    let sizes = payload_sizes(&site_dir(), Encoding::Brotli);
    assert!(sizes.iter().any(|(name, _)| name.ends_with(".wasm")), "no wasm in the site: {sizes:?}");
    assert!(sizes.iter().any(|(name, _)| name == "index.html"), "no page in the site: {sizes:?}");
    let total: usize = sizes.iter().map(|(_, size)| size).sum();
    for (name, size) in &sizes {
        println!("{name}: {:.1} KiB Brotli", *size as f64 / 1024.0);
    }
    assert!(
        total <= BUDGET_BYTES,
        "the payload is {total} bytes under Brotli, over the budget of {BUDGET_BYTES}: {sizes:?}"
    );
}

#[test]
fn each_catalogue_fits_its_budget() {
    let catalogues = payload_sizes(&site_dir().join("locales"), Encoding::Brotli);
    assert_eq!(catalogues.len(), 5, "de, fr, es, ja and ar: {catalogues:?}");
    for (name, size) in catalogues {
        println!("{name}: {:.1} KiB Brotli", size as f64 / 1024.0);
        assert!(size <= CATALOGUE_BUDGET_BYTES, "{name} is {size} bytes under Brotli");
    }
}

#[test]
fn brotli_is_measured_as_a_browser_decodes_it() {
    let text = "a sign-in method ".repeat(200);
    let compressed = Encoding::Brotli.compress(text.as_bytes());
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut compressed.as_slice(), &mut decoded).expect("a valid Brotli stream");
    assert_eq!(decoded, text.as_bytes());
    assert!(compressed.len() < Encoding::Gzip.compress(text.as_bytes()).len());
}
