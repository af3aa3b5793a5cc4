//! The workspace's own `uniffi-bindgen`, so that the generator always matches the uniffi version
//! the bindings are built with: `cargo run -p uniffi-bindgen -- generate --library <cdylib>
//! --language kotlin --out-dir <dir>` (`scripts/bindings` runs it for every language).

fn main() {
    uniffi::uniffi_bindgen_main();
}
