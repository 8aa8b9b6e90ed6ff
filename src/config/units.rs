//! Value types of the settings file: durations (`90s`, `15m`, `1h`, `14d`, bare number =
//! seconds) and byte sizes (`64KiB`, `1MiB`, bare number = bytes).

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::time::Duration;

/// A duration written as `90s`, `15m`, `1h`, `14d` or a bare number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl Span {
    pub fn secs(n: u64) -> Self {
        Span(Duration::from_secs(n))
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("invalid duration {s:?}: expected e.g. 90s, 15m, 1h, 14d"))?;
        let mult = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(format!("invalid duration {s:?}: unit must be s, m, h or d")),
        };
        n.checked_mul(mult)
            .map(Span::secs)
            .ok_or_else(|| format!("invalid duration {s:?}: too large"))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs();
        match s {
            0 => write!(f, "0s"),
            s if s % 86_400 == 0 => write!(f, "{}d", s / 86_400),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

/// A size in bytes written as `64KiB`, `1MiB`, `512B` or a bare number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl ByteSize {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: usize = num
            .parse()
            .map_err(|_| format!("invalid size {s:?}: expected e.g. 64KiB"))?;
        let mult = match unit.trim() {
            "" | "B" => 1,
            "KiB" | "K" | "KB" => 1024,
            "MiB" | "M" | "MB" => 1024 * 1024,
            _ => return Err(format!("invalid size {s:?}: unit must be B, KiB or MiB")),
        };
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("invalid size {s:?}: too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n > 0 && n % (1024 * 1024) == 0 => write!(f, "{}MiB", n / (1024 * 1024)),
            n if n > 0 && n % 1024 == 0 => write!(f, "{}KiB", n / 1024),
            n => write!(f, "{n}B"),
        }
    }
}

/// Accepts a TOML integer or a string, and hands the text to `parse`.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number or a string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            if v < 0 {
                return Err(E::custom("must not be negative"));
            }
            Ok(v.to_string())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
    }
    d.deserialize_any(V)
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Span::parse(&text_or_number(d)?).map_err(de::Error::custom)
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ByteSize::parse(&text_or_number(d)?).map_err(de::Error::custom)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_bare_seconds() {
        assert_eq!(Span::parse("90s").unwrap(), Span::secs(90));
        assert_eq!(Span::parse("15m").unwrap(), Span::secs(900));
        assert_eq!(Span::parse("1h").unwrap(), Span::secs(3600));
        assert_eq!(Span::parse("14d").unwrap(), Span::secs(14 * 86_400));
        assert_eq!(Span::parse("42").unwrap(), Span::secs(42));
        assert!(Span::parse("1w").is_err());
        assert!(Span::parse("h").is_err());
        assert!(Span::parse("-1s").is_err());
    }

    #[test]
    fn durations_print_in_their_largest_whole_unit() {
        assert_eq!(Span::secs(900).to_string(), "15m");
        assert_eq!(Span::secs(14 * 86_400).to_string(), "14d");
        assert_eq!(Span::secs(61).to_string(), "61s");
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(ByteSize::parse("64KiB").unwrap(), ByteSize(65_536));
        assert_eq!(ByteSize::parse("1MiB").unwrap(), ByteSize(1_048_576));
        assert_eq!(ByteSize::parse("100").unwrap(), ByteSize(100));
        assert!(ByteSize::parse("1GiB").is_err());
        assert_eq!(ByteSize(65_536).to_string(), "64KiB");
    }
}
