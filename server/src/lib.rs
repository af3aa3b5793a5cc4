//! The office server of fieldledger: sync endpoint, central complaint ledger, REST API.
//!
//! Nothing is served yet; the server arrives with the sync issue and reuses the ticket
//! documents and policy of `fieldledger_core`.
