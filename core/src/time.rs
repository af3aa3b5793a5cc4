//! Points in time and calendar dates as a ticket records them.
//!
//! Device clocks are not trusted to agree; a [`Timestamp`] is whatever the recording device's
//! clock said (`recorded_at`), and the server adds its own receipt time elsewhere.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Milliseconds since 1970-01-01T00:00:00Z on the clock of the device that recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }
}

/// Where the current time comes from; tests substitute a fixed or stepping clock.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }
}

/// A clock that starts at a given time and advances by a fixed step each time it is read, for
/// deterministic tests and simulations.
#[derive(Debug)]
pub struct SteppingClock {
    next: std::sync::atomic::AtomicI64,
    step: i64,
}

impl SteppingClock {
    /// A clock whose first reading is `start` and each later one `step` milliseconds after.
    pub fn new(start: Timestamp, step: i64) -> Self {
        Self {
            next: std::sync::atomic::AtomicI64::new(start.0),
            step,
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> Timestamp {
        Timestamp(
            self.next
                .fetch_add(self.step, std::sync::atomic::Ordering::Relaxed),
        )
    }
}

/// A calendar date without a time zone (`YYYY-MM-DD`, years 0001 to 9999), for due dates and
/// planned return visits; the calendar arithmetic is jiff's ([`jiff::civil::Date`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date(jiff::civil::Date);

impl Date {
    /// The first date a `Date` holds, 0001-01-01.
    pub const MIN: Date = Date(jiff::civil::date(1, 1, 1));

    /// The last date a `Date` holds, 9999-12-31.
    pub const MAX: Date = Date(jiff::civil::date(9999, 12, 31));

    /// A date from its parts, if it exists in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, Error> {
        let civil = i16::try_from(year)
            .ok()
            .zip(i8::try_from(month).ok().zip(i8::try_from(day).ok()))
            .and_then(|(y, (m, d))| jiff::civil::Date::new(y, m, d).ok());
        civil.and_then(|c| Date::try_from(c).ok()).ok_or_else(|| {
            Error::invalid(
                "date",
                format!("{year:04}-{month:02}-{day:02} is not a calendar date"),
            )
        })
    }

    /// The year.
    pub fn year(self) -> u16 {
        // Between 1 and 9999, as every `Date` is made.
        self.0.year().unsigned_abs()
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.0.month().unsigned_abs()
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.0.day().unsigned_abs()
    }
}

impl From<Date> for jiff::civil::Date {
    fn from(d: Date) -> Self {
        d.0
    }
}

impl TryFrom<jiff::civil::Date> for Date {
    type Error = Error;
    /// The date, if its year is one that `YYYY` writes (0001 to 9999).
    fn try_from(civil: jiff::civil::Date) -> Result<Self, Error> {
        if (1..=9999).contains(&civil.year()) {
            Ok(Date(civil))
        } else {
            Err(Error::invalid(
                "date",
                format!("{civil} is outside the years 0001 to 9999"),
            ))
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // jiff writes a date of the years 0000 to 9999 as `YYYY-MM-DD`.
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "description": "A calendar day, YYYY-MM-DD.",
        })
    }
}

impl FromStr for Date {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid(
                "date",
                format!("{s:?} is not a date of the form YYYY-MM-DD"),
            )
        };
        // jiff reads other ISO 8601 forms too (20240229, a date with a time); a stored date
        // has this one.
        let bytes = s.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad());
        }
        let civil: jiff::civil::Date = s.parse().map_err(|_| bad())?;
        Date::try_from(civil)
    }
}

impl TryFrom<String> for Date {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_impossible_dates_are_refused() {
        let d: Date = "2024-02-29".parse().expect("leap day");
        assert_eq!(d.to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-1",
            "tomorrow",
            "2024-04-31",
            "0000-01-01",
            "20240229xx",
            "2024-02-3 ",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} accepted");
        }
        assert!(Date::new(1900, 2, 29).is_err());
        assert!(Date::new(10_000, 1, 1).is_err());
        let first = Date::new(1, 1, 1).expect("year 1");
        assert_eq!(first.to_string(), "0001-01-01");
        assert_eq!((first.year(), first.month(), first.day()), (1, 1, 1));
        assert_eq!(
            serde_json::to_value(d).ok(),
            Some(serde_json::json!("2024-02-29"))
        );
        assert_eq!(
            serde_json::from_value::<Date>(serde_json::json!("2000-02-29")).ok(),
            Date::new(2000, 2, 29).ok()
        );
        assert!(serde_json::from_value::<Date>(serde_json::json!("2100-02-29")).is_err());
        assert!(Date::new(2024, 12, 31).ok() < Date::new(2025, 1, 1).ok());
    }
}
