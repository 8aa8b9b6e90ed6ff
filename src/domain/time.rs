use chrono::{DateTime, SecondsFormat, Utc};

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
}
