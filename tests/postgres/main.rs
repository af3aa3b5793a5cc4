//! What only a server on PostgreSQL does: moving an installation from SQLite, and losing the
//! database and finding it again. These tests need a PostgreSQL server (`scripts/postgres`) and
//! run once, whichever backend the integration suite runs on.

mod migrate;
mod outage;
