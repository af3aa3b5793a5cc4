//! uniffi bindings of fieldledger-core for Kotlin, Swift and Python.
//!
//! This is the only crate with uniffi exports. It has none yet: the app-facing object arrives
//! with the mobile issue, as thin wrappers over `fieldledger_core`.
