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

/// A calendar date without a time zone (`YYYY-MM-DD`), for due dates and planned return visits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date from its parts, if it exists in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, Error> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if (1..=9999).contains(&year) && day >= 1 && day <= days_in_month {
            Ok(Self { year, month, day })
        } else {
            Err(Error::invalid(
                "date",
                format!("{year:04}-{month:02}-{day:02} is not a calendar date"),
            ))
        }
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
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
        let bytes = s.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad());
        }
        let year = s[0..4].parse().map_err(|_| bad())?;
        let month = s[5..7].parse().map_err(|_| bad())?;
        let day = s[8..10].parse().map_err(|_| bad())?;
        Date::new(year, month, day)
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
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} accepted");
        }
    }
}
