//! The working-day calendar of the service department: which days count for deadlines counted
//! in working days (weekends and the configured holidays do not), and which day a moment falls
//! on in the department's time zone.

use std::collections::BTreeSet;

use fieldledger_core::{Date, Timestamp};
use jiff::civil::{self, Weekday};
use jiff::tz::Offset;

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
    /// The department's offset from UTC, held within the ±25:59:59 that jiff allows.
    fn offset(&self) -> Offset {
        let seconds = self
            .utc_offset_minutes
            .saturating_mul(60)
            .clamp(Offset::MIN.seconds(), Offset::MAX.seconds());
        Offset::from_seconds(seconds).unwrap_or(Offset::UTC)
    }

    /// The day `at` falls on in the department's time zone.
    pub fn day_of(&self, at: Timestamp) -> Date {
        saturating(self.offset().to_datetime(instant(at)).date())
    }

    /// Whether `day` is a working day: not a Saturday, a Sunday or a holiday.
    pub fn is_working_day(&self, day: Date) -> bool {
        let weekday = civil::Date::from(day).weekday();
        !matches!(weekday, Weekday::Saturday | Weekday::Sunday) && !self.holidays.contains(&day)
    }

    /// The day before `day` (0001-01-01 has none: it is its own).
    pub fn previous_day(&self, day: Date) -> Date {
        civil::Date::from(day).yesterday().map_or(day, saturating)
    }

    /// The `n`-th working day after `day` (`day` itself when `n` is 0; the count stops at
    /// 9999-12-31).
    pub fn add_working_days(&self, day: Date, n: u32) -> Date {
        let mut day = day;
        let mut left = n;
        while left > 0 {
            let Ok(next) = civil::Date::from(day).tomorrow().map(saturating) else {
                break;
            };
            if next == day {
                break;
            }
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The moment `day` ends in the department's time zone: the start of the next day.
    pub fn end_of(&self, day: Date) -> Timestamp {
        civil::Date::from(day)
            .tomorrow()
            .and_then(|next| {
                self.offset()
                    .to_timestamp(next.to_datetime(civil::Time::midnight()))
            })
            .map_or(Timestamp(i64::MAX), |at| Timestamp(at.as_millisecond()))
    }

    /// `at` as the department writes it: `2026-11-27 09:05` in its time zone.
    pub fn local_time(&self, at: Timestamp) -> String {
        self.offset()
            .to_datetime(instant(at))
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The department's zone as people name it: `UTC+8`, `UTC-3:30`, `UTC+0`.
    pub fn zone_name(&self) -> String {
        let minutes = self.offset().seconds() / 60;
        let (sign, minutes) = (if minutes < 0 { '-' } else { '+' }, minutes.abs());
        match minutes % 60 {
            0 => format!("UTC{sign}{}", minutes / 60),
            m => format!("UTC{sign}{}:{m:02}", minutes / 60),
        }
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
        let time = match time {
            None | Some("") => civil::Time::midnight(),
            Some(time) => {
                let mut parts = time.split(':').map(str::parse::<i8>);
                let hours = parts.next()?.ok()?;
                let minutes = parts.next()?.ok()?;
                let seconds = parts.next().transpose().ok()?.unwrap_or(0);
                if parts.next().is_some() {
                    return None;
                }
                civil::Time::new(hours, minutes, seconds, 0).ok()?
            }
        };
        let at = self
            .offset()
            .to_timestamp(civil::Date::from(date).to_datetime(time))
            .ok()?;
        Some(Timestamp(at.as_millisecond()))
    }
}

/// `at` as a jiff timestamp. A device's clock may say anything: a moment past jiff's years
/// -9999 to 9999 is taken at its end.
pub(crate) fn instant(at: Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(at.millis()).unwrap_or(if at.millis() < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    })
}

/// The [`Date`] of a civil date, held within the years 0001 to 9999 that `Date` writes.
fn saturating(civil: civil::Date) -> Date {
    Date::try_from(civil).unwrap_or(if civil.year() < 1 {
        Date::MIN
    } else {
        Date::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().expect("date")
    }

    #[test]
    fn days_fall_in_the_department_zone() {
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
        assert_eq!(cal.zone_name(), "UTC+8");
        let india = Calendar {
            utc_offset_minutes: 5 * 60 + 30,
            ..Calendar::default()
        };
        assert_eq!(india.zone_name(), "UTC+5:30");
        let west = Calendar {
            utc_offset_minutes: -3 * 60,
            ..Calendar::default()
        };
        assert_eq!(west.zone_name(), "UTC-3");
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

    #[test]
    fn a_leap_day_and_a_year_end_in_utc_plus_8() {
        let cal = Calendar::default();
        // 2024-02-28 16:00 UTC is the start of the leap day in Beijing; its end is 24 hours on.
        let leap_day_starts = Timestamp(1_709_136_000_000);
        assert_eq!(cal.day_of(leap_day_starts), d("2024-02-29"));
        assert_eq!(
            cal.day_of(Timestamp(leap_day_starts.millis() - 1)),
            d("2024-02-28")
        );
        assert_eq!(
            cal.end_of(d("2024-02-28")),
            leap_day_starts,
            "the 28th ends when the 29th starts"
        );
        assert_eq!(
            cal.end_of(d("2024-02-29")).millis() - leap_day_starts.millis(),
            86_400_000
        );
        assert_eq!(cal.previous_day(d("2024-03-01")), d("2024-02-29"));
        assert_eq!(cal.previous_day(d("2023-03-01")), d("2023-02-28"));
        // Wednesday 2024-02-28 + 2 working days: Thursday the 29th, Friday 1 March.
        assert_eq!(cal.add_working_days(d("2024-02-28"), 2), d("2024-03-01"));

        // 2025-12-31 16:00 UTC is already 2026 in Beijing.
        let new_year = Timestamp(1_767_196_800_000);
        assert_eq!(cal.day_of(new_year), d("2026-01-01"));
        assert_eq!(
            cal.day_of(Timestamp(new_year.millis() - 1)),
            d("2025-12-31")
        );
        assert_eq!(cal.local_time(new_year), "2026-01-01 00:00");
        assert_eq!(
            cal.local_time(Timestamp(new_year.millis() - 60_000)),
            "2025-12-31 23:59"
        );
        assert_eq!(cal.end_of(d("2025-12-31")), new_year);
        assert_eq!(cal.parse_local("2026-01-01 00:00"), Some(new_year));
        assert_eq!(cal.previous_day(d("2026-01-01")), d("2025-12-31"));
        // Wednesday 2025-12-31 + 3 working days: Thu 1, Fri 2, Mon 5 January.
        assert_eq!(cal.add_working_days(d("2025-12-31"), 3), d("2026-01-05"));
    }

    #[test]
    fn moments_past_the_calendar_are_held_at_its_ends() {
        let cal = Calendar::default();
        assert_eq!(cal.day_of(Timestamp(i64::MAX)), Date::MAX);
        assert_eq!(cal.day_of(Timestamp(i64::MIN)), Date::MIN);
        assert_eq!(cal.previous_day(Date::MIN), Date::MIN);
        assert_eq!(cal.add_working_days(Date::MAX, 3), Date::MAX);
        assert_eq!(cal.end_of(Date::MAX), Timestamp(i64::MAX));
        assert!(!cal.local_time(Timestamp(i64::MIN)).is_empty());
        let far = Calendar {
            utc_offset_minutes: i32::MAX,
            ..Calendar::default()
        };
        assert!(far.parse_local("2026-01-01").is_some());
    }
}
