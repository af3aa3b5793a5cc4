//! Databases of their own for tests and benchmarks, on a PostgreSQL server where the caller may
//! create databases: each test gets a fresh one, so that tests run side by side.

use postgres::NoTls;

use super::config;
use crate::error::{Code, Error};
use crate::storage::Result;

/// The variable naming the server tests use (a URL whose user may create databases).
pub const TEST_SERVER_VAR: &str = "FIELDLEDGER_TEST_POSTGRES";
/// The server tests use when the variable is not set: the one `scripts/postgres` starts or
/// finds.
pub const DEFAULT_TEST_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// What the names of scratch databases begin with, so that leftovers can be found and dropped.
pub const PREFIX: &str = "fl_test_";

/// The URL of the server tests use.
pub fn test_server() -> String {
    std::env::var(TEST_SERVER_VAR).unwrap_or_else(|_| DEFAULT_TEST_SERVER.to_owned())
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (address, query) = match url.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (url, None),
    };
    let scheme_end = address.find("://").map_or(0, |i| i + 3);
    let base = match address[scheme_end..].find('/') {
        Some(slash) => &address[..scheme_end + slash],
        None => address,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates the database `PREFIX` + `suffix` on the server at `admin_url` unless it exists, and
/// returns its URL. `suffix` is letters, digits and underscores.
pub fn database(admin_url: &str, suffix: &str) -> Result<String> {
    if suffix.is_empty()
        || !suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(Error::new(
            Code::Invalid,
            format!("{suffix:?} is not a scratch database name"),
        ));
    }
    let name = format!("{PREFIX}{}", suffix.to_ascii_lowercase());
    let mut admin = config(admin_url)?.connect(NoTls).map_err(|e| {
        Error::new(
            Code::StorageFailed,
            format!(
                "no PostgreSQL server for the tests at {admin_url} ({}); \
                 start one with scripts/postgres, or name one in {TEST_SERVER_VAR}",
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |db| db.message().to_owned())
            ),
        )
    })?;
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])?
        .is_some();
    if !exists {
        // Two tests may ask for the same database at once; the second finds it made.
        if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE {name}"))
            && e.code() != Some(&postgres::error::SqlState::DUPLICATE_DATABASE)
        {
            return Err(e.into());
        }
    }
    Ok(with_database(admin_url, &name))
}

/// A new scratch database with a random name, for one test.
pub fn fresh() -> Result<String> {
    let suffix: String = (0..16)
        .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
        .collect();
    database(&test_server(), &suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced_and_its_options_kept() {
        let url = "postgres://me@db.example:5433/postgres?sslmode=disable";
        assert_eq!(
            with_database(url, "fl_test_x"),
            "postgres://me@db.example:5433/fl_test_x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://me@localhost", "d"),
            "postgres://me@localhost/d"
        );
    }

    #[test]
    fn a_name_that_is_not_a_plain_word_is_refused() {
        let err = database(DEFAULT_TEST_SERVER, "x; DROP DATABASE postgres").expect_err("refused");
        assert!(err.to_string().contains("not a scratch database name"));
    }
}
