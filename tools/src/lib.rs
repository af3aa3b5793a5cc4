//! The command-line tools around fieldledger, as a library for their binaries: the comparison
//! with the automerge-repo sync server and the technicians the load generator and the comparison
//! enrol, and latencies as they report them. The binaries are `fieldledger-device`,
//! `fieldledger-load`, `fieldledger-events`, `fieldledger-soak` and `fieldledger-compare`; the
//! helpers they share with the tests are `fieldledger_tests`'.

pub mod compare;
pub mod latency;
pub mod technicians;
