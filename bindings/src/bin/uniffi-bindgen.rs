//! The workspace's own `uniffi-bindgen`, so that the generator always matches the uniffi version
//! the bindings are built with: `cargo run -p fieldledger-bindings --features cli --bin
//! uniffi-bindgen -- generate --library <cdylib> --language kotlin --out-dir <dir>`.

fn main() {
    uniffi::uniffi_bindgen_main();
}
