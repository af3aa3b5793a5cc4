//! The working-day calendar of the service department: which days count for deadlines counted
//! in working days (weekends and the configured holidays do not), and which day a moment falls
//! on in the department's time zone.

use std::collections::BTreeSet;

use fieldledger_core::{Date, Timestamp};

const DAY_MS: i64 = 86_400_000;

/// The working-day calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// The department's offset from UTC in minutes (China: +480).
    pub utc_offset_minutes: i32,
    /// Days off that fall on weekdays (public holidays).
    pub holidays: BTreeSet<Date>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self {
            utc_offset_minutes: 8 * 60,
            holidays: BTreeSet::new(),
        }
    }
}

impl Calendar {
    /// The day `at` falls on in the department's time zone.
    pub fn day_of(&self, at: Timestamp) -> Date {
        let local = at.millis() + i64::from(self.utc_offset_minutes) * 60_000;
        date_of(local.div_euclid(DAY_MS))
    }

    /// Whether `day` is a working day: not a Saturday, a Sunday or a holiday.
    pub fn is_working_day(&self, day: Date) -> bool {
        // 1970-01-01, day 0, was a Thursday: 0 is Monday after this shift.
        let weekday = (day_number(day) + 3).rem_euclid(7);
        weekday < 5 && !self.holidays.contains(&day)
    }

    /// The day before `day`.
    pub fn previous_day(&self, day: Date) -> Date {
        date_of(day_number(day) - 1)
    }

    /// The `n`-th working day after `day` (`day` itself when `n` is 0).
    pub fn add_working_days(&self, day: Date, n: u32) -> Date {
        let mut number = day_number(day);
        let mut left = n;
        while left > 0 {
            number += 1;
            if self.is_working_day(date_of(number)) {
                left -= 1;
            }
        }
        date_of(number)
    }
}

impl Calendar {
    /// `at` as the department writes it: `2026-11-27 09:05` in its time zone.
    pub fn local_time(&self, at: Timestamp) -> String {
        let local = at.millis() + i64::from(self.utc_offset_minutes) * 60_000;
        let minutes = local.rem_euclid(DAY_MS) / 60_000;
        format!(
            "{} {:02}:{:02}",
            date_of(local.div_euclid(DAY_MS)),
            minutes / 60,
            minutes % 60
        )
    }

    /// The moment a person wrote as a local time of the department: `2026-11-27`,
    /// `2026-11-27 09:05`, `2026-11-27 09:05:30`, with `/` or `.` between the date's parts and
    /// `T` before the time accepted too. `None` when it is none of these.
    pub fn parse_local(&self, text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let (date, time) = match text.split_once([' ', 'T']) {
            Some((date, time)) => (date, Some(time.trim())),
            None => (text, None),
        };
        let date: Date = date.replace(['/', '.'], "-").parse().ok().or_else(|| {
            // Spreadsheets drop leading zeros: 2026-3-5.
            let mut parts = date.split(['-', '/', '.']).map(str::parse::<u16>);
            let (y, m, d) = (
                parts.next()?.ok()?,
                parts.next()?.ok()?,
                parts.next()?.ok()?,
            );
            if parts.next().is_some() {
                return None;
            }
            Date::new(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?).ok()
        })?;
        let seconds = match time {
            None | Some("") => 0,
            Some(time) => {
                let mut parts = time.split(':').map(str::parse::<i64>);
                let hours = parts.next()?.ok()?;
                let minutes = parts.next()?.ok()?;
                let seconds = parts.next().transpose().ok()?.unwrap_or(0);
                if parts.next().is_some() || hours > 23 || minutes > 59 || seconds > 59 {
                    return None;
                }
                hours * 3_600 + minutes * 60 + seconds
            }
        };
        let local = day_number(date) * DAY_MS + seconds * 1_000;
        Some(Timestamp(
            local - i64::from(self.utc_offset_minutes) * 60_000,
        ))
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn day_number(date: Date) -> i64 {
    let (y, m, d) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number since 1970-01-01.
pub(crate) fn civil(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn date_of(days: i64) -> Date {
    let (year, month, day) = civil(days);
    // Every day number a timestamp of this era gives is a valid date; the epoch stands in for
    // the impossible rest rather than a panic.
    u16::try_from(year)
        .ok()
        .and_then(|y| Date::new(y, month, day).ok())
        .unwrap_or_else(|| date_of(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn days_round_trip_and_fall_in_the_department_zone() {
        for text in ["1970-01-01", "2000-02-29", "2026-12-31", "2027-03-01"] {
            assert_eq!(date_of(day_number(d(text))), d(text));
        }
        let cal = Calendar::default();
        // 2026-11-26 17:00 UTC is already the 27th in Beijing.
        assert_eq!(cal.day_of(Timestamp(1_795_712_400_000)), d("2026-11-27"));
        let utc = Calendar {
            utc_offset_minutes: 0,
            ..Calendar::default()
        };
        assert_eq!(utc.day_of(Timestamp(1_795_712_400_000)), d("2026-11-26"));
    }

    #[test]
    fn local_times_are_written_and_read_in_the_department_zone() {
        let cal = Calendar::default();
        let at = Timestamp(1_795_712_400_000); // 2026-11-26 17:00 UTC
        assert_eq!(cal.local_time(at), "2026-11-27 01:00");
        assert_eq!(cal.parse_local("2026-11-27 01:00"), Some(at));
        assert_eq!(cal.parse_local("2026/11/27T01:00:00"), Some(at));
        assert_eq!(
            cal.parse_local("2026-11-27"),
            Some(Timestamp(at.millis() - 3_600_000))
        );
        assert_eq!(cal.parse_local("2026-3-5"), cal.parse_local("2026-03-05"));
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-27 25:00",
            "2026-11-27 1:2:3:4",
        ] {
            assert_eq!(cal.parse_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let cal = Calendar {
            holidays: [d("2026-10-01"), d("2026-10-02")].into(),
            ..Calendar::default()
        };
        // Friday 2026-11-27 + 3 working days: Mon, Tue, Wed.
        assert_eq!(cal.add_working_days(d("2026-11-27"), 3), d("2026-12-02"));
        assert_eq!(cal.add_working_days(d("2026-11-27"), 0), d("2026-11-27"));
        assert!(!cal.is_working_day(d("2026-11-28")));
        // Wednesday 2026-09-30, then the 1st and 2nd off, then the weekend.
        assert_eq!(cal.add_working_days(d("2026-09-30"), 1), d("2026-10-05"));
    }
}
