//! Dates without a calendar crate: milliseconds since the epoch <-> `YYYY-MM-DD` (UTC).
//! Deterministic, so the server's rendering and the browser's hydration agree.

/// `YYYY-MM-DD` of the UTC day containing `millis`.
pub fn format_date(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM UTC`.
pub fn format_datetime(millis: i64) -> String {
    let secs_of_day = millis.div_euclid(1000).rem_euclid(86_400);
    format!("{} {:02}:{:02} UTC", format_date(millis), secs_of_day / 3600, secs_of_day % 3600 / 60)
}

/// Midnight UTC at the start of the given `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Reject dates like 2024-02-31 that roll over.
    (civil_from_days(days) == (y, m, d)).then_some(days * 86_400_000)
}

/// "3 minutes ago", "2 days ago", "just now": how long before `now` the instant `then` was.
/// Both come from the server's data, so the text hydrates unchanged.
pub fn relative(now: i64, then: i64) -> String {
    let secs = (now - then).max(0) / 1000;
    let (n, unit) = match secs {
        0..=59 => return "just now".to_string(),
        60..=3599 => (secs / 60, "minute"),
        3600..=86_399 => (secs / 3600, "hour"),
        86_400..=2_591_999 => (secs / 86_400, "day"),
        2_592_000..=31_535_999 => (secs / 2_592_000, "month"),
        _ => (secs / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// Bytes for people: `0 B`, `512 B`, `1.5 KiB`, `12.3 MiB`, `2.00 GiB`.
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{} B", bytes.max(0));
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {}", UNITS[unit])
}

// Howard Hinnant's algorithms.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(format_date(1_709_164_800_000), "2024-02-29");
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("nope"), None);
        assert_eq!(format_datetime(1_709_164_800_000 + 3_723_000), "2024-02-29 01:02 UTC");
    }

    #[test]
    fn relative_times_and_sizes_read_naturally() {
        assert_eq!(relative(100_000, 90_000), "just now");
        assert_eq!(relative(120_000, 0), "2 minutes ago");
        assert_eq!(relative(3_600_000, 0), "1 hour ago");
        assert_eq!(relative(3 * 86_400_000, 0), "3 days ago");
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.50 KiB");
        assert_eq!(format_bytes(12_900_000), "12.3 MiB");
        assert_eq!(format_bytes(2 * 1024 * 1024 * 1024), "2.00 GiB");
    }
}
