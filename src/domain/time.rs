use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// A moment as stored and sent: RFC 3339 UTC with microseconds
/// (`2026-11-22T10:00:00.123456Z`), whose text order is its time order.
pub type Timestamp = String;

/// The current time as a [`Timestamp`].
pub fn now() -> Timestamp {
    format(Utc::now())
}

pub fn format(t: DateTime<Utc>) -> Timestamp {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses any RFC 3339 time and normalises it to a UTC [`Timestamp`].
pub fn parse(s: &str) -> Result<Timestamp, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| format(t.with_timezone(&Utc)))
        .map_err(|_| {
            "Datetime has wrong format. Use one of these formats instead: \
             YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                .to_owned()
        })
}

/// Parses a query-string date-time as Django's forms do, so that generated clients'
/// spellings all work: `Z`, `±HH:MM` or `±HHMM` offsets, optional seconds and
/// fractions, a space or `T` between date and time, a date alone (midnight UTC) and a
/// date-time without offset (UTC). `None` for anything else.
pub fn parse_query(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(format(t.to_utc()));
    }
    let mut text = s.to_owned();
    if text.len() > 10 && text.as_bytes()[10] == b' ' {
        text.replace_range(10..11, "T");
    }
    if let Some(rest) = text.strip_suffix(['Z', 'z']) {
        text = format!("{rest}+0000");
    }
    const WITH_OFFSET: [&str; 3] = [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M%z",
    ];
    for f in WITH_OFFSET {
        if let Ok(t) = DateTime::parse_from_str(&text, f) {
            return Some(format(t.to_utc()));
        }
    }
    const NAIVE: [&str; 3] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ];
    for f in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(&text, f) {
            return Some(format(t.and_utc()));
        }
    }
    let day = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()?;
    Some(format(day.and_hms_opt(0, 0, 0)?.and_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_normalised_to_utc_with_microseconds() {
        assert_eq!(
            parse("2026-11-22T11:00:00+01:00").unwrap(),
            "2026-11-22T10:00:00.000000Z"
        );
        assert!(now().ends_with('Z'));
        assert_eq!(now().len(), "2026-11-22T10:00:00.123456Z".len());
        assert!(parse("yesterday").is_err());
    }

    #[test]
    fn query_date_times_take_every_spelling_django_does() {
        let noon = "2026-11-30T10:00:00.000000Z";
        for s in [
            "2026-11-30T10:00:00Z",
            "2026-11-30T10:00:00.000000+0000",
            "2026-11-30T11:00:00+01:00",
            "2026-11-30T11:00:00.000+0100",
            "2026-11-30 10:00:00",
            "2026-11-30T10:00",
            "2026-11-30T05:00:00-0500",
            " 2026-11-30T10:00:00z ",
        ] {
            assert_eq!(parse_query(s).as_deref(), Some(noon), "{s:?}");
        }
        assert_eq!(
            parse_query("2026-11-30").as_deref(),
            Some("2026-11-30T00:00:00.000000Z")
        );
        assert_eq!(
            parse_query("2026-11-30T10:00:00.123456").as_deref(),
            Some("2026-11-30T10:00:00.123456Z")
        );
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-11-30T25:00",
            "",
            "1700000000",
            "2026-11-30T10:00:00+25:00",
        ] {
            assert_eq!(parse_query(bad), None, "{bad:?}");
        }
    }
}
