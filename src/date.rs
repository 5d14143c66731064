//! Calendar days in UTC: what an exception's `expires` holds and what today is. Enough
//! date arithmetic for "has this exception expired", without a date crate: the only
//! computation is days since the Unix epoch to a civil date.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

/// A day of the proleptic Gregorian calendar. Orders as the calendar does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The day, if it exists (`2027-02-29` does not).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let real = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        real.then_some(Date { year, month, day })
    }

    /// An ISO 8601 calendar date, exactly `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return None;
        }
        Date::new(text[..4].parse().ok()?, text[5..7].parse().ok()?, text[8..].parse().ok()?)
    }

    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Date {
        // A clock before 1970 is broken; day 0 keeps every exception in force rather
        // than panicking in the middle of a report.
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch((seconds / 86_400) as i64)
    }

    /// The civil date `days` after 1970-01-01: Howard Hinnant's `civil_from_days`
    /// (<https://howardhinnant.github.io/date_algorithms.html#civil_from_days>), which
    /// counts in 400-year eras of 146,097 days with years starting on 1 March, so that
    /// the leap day falls at the end of a year.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date { year: year as i32, month: month as u8, day: day as u8 }
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// As its ISO 8601 text, `2027-03-31`.
impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap_or_else(|| panic!("{text} is a date"))
    }

    #[test]
    fn days_since_the_epoch_become_civil_dates() {
        // Counted independently (Python's datetime.date subtraction).
        for (days, expected) in [
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (11_016, "2000-02-29"),
            (19_723, "2024-01-01"),
            (20_908, "2027-03-31"),
            (47_541, "2100-03-01"),
            (-135_140, "1600-01-01"),
        ] {
            assert_eq!(Date::from_days_since_epoch(days).to_string(), expected, "{days}");
        }
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_one_before() {
        let mut previous = Date::from_days_since_epoch(-1);
        for days in 0..146_097 {
            let next = Date::from_days_since_epoch(days);
            assert!(next > previous, "{previous} then {next}");
            assert_eq!(Date::new(next.year, next.month, next.day), Some(next));
            previous = next;
        }
    }

    #[test]
    fn only_real_iso_dates_parse() {
        assert_eq!(date("2027-03-31"), Date { year: 2027, month: 3, day: 31 });
        assert_eq!(date("2028-02-29").to_string(), "2028-02-29");
        for bad in [
            "",
            "2027-3-31",
            "2027-03-32",
            "2027-02-29",
            "2100-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027/03/31",
            "27-03-31",
            "2027-03-31T00:00",
            "+027-03-31",
            "2027-03-3a",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_order_as_the_calendar_and_serialize_as_text() {
        assert!(date("2026-12-31") < date("2027-01-01"));
        assert!(date("2027-01-31") < date("2027-02-01"));
        assert_eq!(serde_json::to_value(date("2027-03-31")).unwrap(), "2027-03-31");
        assert!(Date::today_utc() > date("2025-01-01"), "the clock reads today");
    }
}
