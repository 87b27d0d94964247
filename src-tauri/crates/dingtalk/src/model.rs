//! The API's data: [`RoomCode`] (validated before any request), [`Meeting`], [`RoomPage`].
//!
//! DingTalk's answers are treated as untrusted and loosely typed: every field may be missing or
//! null, numbers may arrive as strings (`"1664175001000"`), unknown fields are ignored, and
//! unknown `status` / `bizType` values are kept as `Unknown(..)` rather than dropped. A field whose
//! value has a type we cannot read at all (an object where a number belongs) becomes `None`
//! rather than failing the whole page: one odd field should not hide forty good meetings.

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorKind};

/// Shortest accepted room code, in digits.
pub const ROOM_CODE_MIN_DIGITS: usize = 6;
/// Longest accepted room code, in digits.
pub const ROOM_CODE_MAX_DIGITS: usize = 12;

/// A DingTalk meeting room code: 6 to 12 ASCII digits.
///
/// Our decision on the length: DingTalk does not document it; 9- and 11-digit codes have been
/// seen, so we accept 6..=12 to leave room either side while still catching obvious mistakes
/// (a phone number with country code, a pasted link) before spending a billed call.
///
/// [`RoomCode::parse`] takes what users paste: surrounding and inner spaces (including NBSP,
/// full-width U+3000 and zero-width spaces) and dashes (`-` and the Unicode dashes an editor
/// may substitute) are ignored, exactly those in [`ROOM_CODE_SEPARATORS`]. Anything else is refused with a message saying what is accepted:
/// letters, `/`, `.`, `?`, `#`, `%`, full-width digits (`４２７`), other scripts' digits.
/// Only ASCII digits survive, so a room code can never change the request path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomCode(String);

const ACCEPTED: &str =
    "a meeting code is 6 to 12 digits (0-9); spaces and dashes are ignored, e.g. \"427 200 33559\"";

/// What a room code may carry besides its digits, ignored: every Unicode space (what
/// `char::is_whitespace` says, tested), the dashes an editor or IME substitutes for `-`, and the
/// invisible characters a copy from a web page or a chat brings along. Inclusive ranges of code
/// points. The window checks what is typed against this same list (`ui/contract.js`), so the two
/// faces accept the same codes.
pub const ROOM_CODE_SEPARATORS: &[(char, char)] = &[
    ('\u{9}', '\u{D}'),   // tab, line feed, vertical tab, form feed, carriage return
    (' ', ' '),           // space
    ('\u{85}', '\u{85}'), // next line
    ('\u{A0}', '\u{A0}'), // no-break space
    ('\u{1680}', '\u{1680}'), // ogham space mark
    ('\u{2000}', '\u{200A}'), // en quad .. hair space
    ('\u{200B}', '\u{200D}'), // zero-width space, zero-width (non-)joiner
    ('\u{2028}', '\u{2029}'), // line and paragraph separators
    ('\u{202F}', '\u{202F}'), // narrow no-break space
    ('\u{205F}', '\u{205F}'), // medium mathematical space
    ('\u{2060}', '\u{2060}'), // word joiner
    ('\u{3000}', '\u{3000}'), // ideographic (full-width) space
    ('\u{FEFF}', '\u{FEFF}'), // BOM / zero-width no-break space
    ('-', '-'),           // hyphen-minus
    ('\u{2010}', '\u{2015}'), // hyphen, non-breaking hyphen, figure dash, en/em dash, bar
    ('\u{2212}', '\u{2212}'), // minus sign
    ('\u{FE58}', '\u{FE58}'), // small em dash
    ('\u{FE63}', '\u{FE63}'), // small hyphen-minus
    ('\u{FF0D}', '\u{FF0D}'), // full-width hyphen-minus
];

fn is_ignorable_separator(c: char) -> bool {
    ROOM_CODE_SEPARATORS
        .iter()
        .any(|&(from, to)| (from..=to).contains(&c))
}

impl RoomCode {
    /// Validate and normalise a room code typed or pasted by a user. See the type's docs.
    pub fn parse(input: &str) -> Result<RoomCode, Error> {
        let mut digits = String::with_capacity(input.len().min(16));
        for c in input.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if is_ignorable_separator(c) {
                continue;
            } else {
                let shown = if c.is_control() || c.is_whitespace() {
                    format!("U+{:04X}", c as u32)
                } else {
                    format!("'{c}'")
                };
                let hint = if c.is_numeric() {
                    " (only the digits 0-9 are accepted; switch off full-width input)"
                } else {
                    ""
                };
                return Err(Error::local(
                    ErrorKind::InvalidRoomCode,
                    format!("{shown} is not allowed in a meeting code{hint}: {ACCEPTED}"),
                ));
            }
        }
        if digits.is_empty() {
            return Err(Error::local(
                ErrorKind::MissingRoomCode,
                format!("no meeting code given: {ACCEPTED}"),
            ));
        }
        let n = digits.len();
        if !(ROOM_CODE_MIN_DIGITS..=ROOM_CODE_MAX_DIGITS).contains(&n) {
            return Err(Error::local(
                ErrorKind::InvalidRoomCode,
                format!("the meeting code has {n} digits: {ACCEPTED}"),
            ));
        }
        Ok(RoomCode(digits))
    }

    /// The digits only, e.g. `"427200331"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as people read it: "427 233 559", "838 722 12345" (cut by [`room_code_cuts`]).
    pub fn grouped(&self) -> String {
        let digits = self.as_str();
        let mut out = String::with_capacity(digits.len() + 2);
        let mut from = 0;
        // ASCII digits only (the type's rule), so byte offsets are character offsets.
        for &cut in room_code_cuts(digits.len()) {
            if let Some(part) = digits.get(from..cut) {
                out.push_str(part);
                out.push(' ');
                from = cut;
            }
        }
        out.push_str(digits.get(from..).unwrap_or_default());
        out
    }
}

/// Where a room code of `len` digits is cut into groups for reading: after 3 and 6 digits from
/// 9 digits on (9 digits read 3-3-3, 11 read 3-3-5), after 3 below that ("123 4567"). The one
/// grouping rule: the window learns it from the contract file, the invitation and the CLI call
/// [`RoomCode::grouped`].
pub fn room_code_cuts(len: usize) -> &'static [usize] {
    if len >= 9 {
        &[3, 6]
    } else {
        &[3]
    }
}

impl fmt::Display for RoomCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RoomCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RoomCode::parse(s)
    }
}

impl AsRef<str> for RoomCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for RoomCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RoomCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RoomCode::parse(&s).map_err(de::Error::custom)
    }
}

/// A meeting's state. Note DingTalk's numbering: 1 is *ended*, 2 is *live*.
/// Serialised as the raw integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 0: initialised, not started yet.
    NotStarted,
    /// 1: ended.
    Ended,
    /// 2: in progress.
    Live,
    /// Any other value, kept so the UI can show "unknown (7)".
    Unknown(i64),
}

impl Status {
    /// From DingTalk's integer.
    pub fn from_i64(v: i64) -> Status {
        match v {
            0 => Status::NotStarted,
            1 => Status::Ended,
            2 => Status::Live,
            other => Status::Unknown(other),
        }
    }

    /// Back to DingTalk's integer.
    pub fn as_i64(self) -> i64 {
        match self {
            Status::NotStarted => 0,
            Status::Ended => 1,
            Status::Live => 2,
            Status::Unknown(v) => v,
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.as_i64())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)?.into_i64() {
            Some(v) => Ok(Status::from_i64(v)),
            None => Err(de::Error::custom("status is not an integer")),
        }
    }
}

/// What kind of meeting. Serialised as the raw string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BizType {
    /// `"0"`: instant video meeting.
    Instant,
    /// `"3"`: booked (scheduled) meeting.
    Booked,
    /// `"audio_conf"`: audio meeting.
    Audio,
    /// Any other value, kept as sent.
    Unknown(String),
}

impl BizType {
    /// The types DingTalk documents; anything else arrives as [`BizType::Unknown`].
    pub const KNOWN: [BizType; 3] = [BizType::Instant, BizType::Booked, BizType::Audio];

    /// A stable id for the type (`"instant"`, `"booked"`, `"audio"`, `"unknown"`), independent
    /// of DingTalk's wire strings: what the window's words and the contract file are keyed by.
    pub fn key(&self) -> &'static str {
        match self {
            BizType::Instant => "instant",
            BizType::Booked => "booked",
            BizType::Audio => "audio",
            BizType::Unknown(_) => "unknown",
        }
    }

    /// From DingTalk's string.
    pub fn from_wire(s: &str) -> BizType {
        match s {
            "0" => BizType::Instant,
            "3" => BizType::Booked,
            "audio_conf" => BizType::Audio,
            other => BizType::Unknown(other.to_owned()),
        }
    }

    /// Back to DingTalk's string.
    pub fn as_str(&self) -> &str {
        match self {
            BizType::Instant => "0",
            BizType::Booked => "3",
            BizType::Audio => "audio_conf",
            BizType::Unknown(s) => s,
        }
    }
}

impl Serialize for BizType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BizType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)?.into_string() {
            Some(s) => Ok(BizType::from_wire(&s)),
            None => Err(de::Error::custom("bizType is not a string")),
        }
    }
}

/// One meeting instance. Every field is optional; unknown fields are ignored. Serialises back
/// with the API's own (camelCase) names, skipping absent fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Meeting {
    /// The meeting (conference) id.
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub conference_id: Option<String>,
    /// The title.
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<String>,
    /// The room code as DingTalk reports it (not re-validated).
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub room_code: Option<String>,
    /// The join link. Untrusted: check it before opening.
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_link_url: Option<String>,
    /// Not started / ended / live / unknown.
    #[serde(
        deserialize_with = "de_opt_status",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<Status>,
    /// Start, in milliseconds since the Unix epoch.
    #[serde(
        deserialize_with = "de_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_time: Option<i64>,
    /// End, in milliseconds since the Unix epoch (only after the meeting ended).
    #[serde(
        deserialize_with = "de_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_time: Option<i64>,
    /// Duration in milliseconds (only after the meeting ended).
    #[serde(
        deserialize_with = "de_opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub conf_duration: Option<i64>,
    /// The creator's unionId.
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub creator_id: Option<String>,
    /// The creator's display name.
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub creator_nick: Option<String>,
    /// The booked meeting's id.
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub schedule_conference_id: Option<String>,
    /// Instant / booked / audio / unknown.
    #[serde(
        deserialize_with = "de_opt_biz_type",
        skip_serializing_if = "Option::is_none"
    )]
    pub biz_type: Option<BizType>,
}

/// One page as DingTalk sends it. Same tolerance as [`Meeting`]; serialises with the API's names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoomPage {
    /// The cursor for the next page (opaque: pass back exactly).
    #[serde(
        deserialize_with = "de_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_token: Option<String>,
    /// Whether more pages follow.
    #[serde(
        deserialize_with = "de_opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub has_more: Option<bool>,
    /// The total number of meetings for the room, if the server says.
    #[serde(
        deserialize_with = "de_opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_count: Option<u64>,
    /// The meetings on this page (missing or null → empty; null entries skipped).
    #[serde(deserialize_with = "de_meetings")]
    pub conference_list: Vec<Meeting>,
}

// ---- lenient field helpers ----------------------------------------------------------------

/// Any JSON value, reduced to what a scalar field can use. Read with a hand-written visitor so
/// strings-as-numbers and odd types cost no intermediate `serde_json::Value` (parsing a
/// 100-meeting page is on every page's path).
enum Scalar {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// null, or an object/array (skipped).
    Nothing,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::I64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::F64(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Nothing)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Nothing)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Nothing)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar::Nothing)
            }
        }
        d.deserialize_any(V)
    }
}

fn integral_f64(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
}

impl Scalar {
    /// An integer from a number (integral floats too) or a numeric string.
    fn into_i64(self) -> Option<i64> {
        match self {
            Scalar::I64(i) => Some(i),
            Scalar::U64(u) => i64::try_from(u).ok(),
            Scalar::F64(f) => integral_f64(f),
            Scalar::Str(s) => {
                let t = s.trim();
                t.parse::<i64>()
                    .ok()
                    .or_else(|| t.parse::<f64>().ok().and_then(integral_f64))
            }
            Scalar::Bool(_) | Scalar::Nothing => None,
        }
    }

    /// A string from a string, number or boolean.
    fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s),
            Scalar::I64(i) => Some(i.to_string()),
            Scalar::U64(u) => Some(u.to_string()),
            Scalar::F64(f) => Some(
                serde_json::Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string()),
            ),
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Nothing => None,
        }
    }

    fn into_bool(self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(b),
            Scalar::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            other => other.into_i64().map(|i| i != 0),
        }
    }
}

/// `deserialize_with` helper: a string field that tolerates numbers and null (odd types → None).
pub fn de_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Scalar::deserialize(d)?.into_string())
}

/// `deserialize_with` helper: an integer field that tolerates numeric strings and null
/// (odd types → None).
pub fn de_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Scalar::deserialize(d)?.into_i64())
}

/// `deserialize_with` helper: any JSON number or numeric string as f64 (NaN and odd types → None).
/// For values that are clamped rather than range-checked (token lifetimes).
pub(crate) fn de_opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = match Scalar::deserialize(d)? {
        Scalar::I64(i) => Some(i as f64),
        Scalar::U64(u) => Some(u as f64),
        Scalar::F64(f) => Some(f),
        Scalar::Str(s) => s.trim().parse::<f64>().ok(),
        Scalar::Bool(_) | Scalar::Nothing => None,
    };
    Ok(v.filter(|f| !f.is_nan()))
}

fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Scalar::deserialize(d)?
        .into_i64()
        .and_then(|i| u64::try_from(i).ok()))
}

fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Scalar::deserialize(d)?.into_bool())
}

fn de_opt_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Status>, D::Error> {
    Ok(Scalar::deserialize(d)?.into_i64().map(Status::from_i64))
}

fn de_opt_biz_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BizType>, D::Error> {
    Ok(Scalar::deserialize(d)?
        .into_string()
        .map(|s| BizType::from_wire(&s)))
}

fn de_meetings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Meeting>, D::Error> {
    let list: Option<Vec<Option<Meeting>>> = Option::deserialize(d)?;
    Ok(list.unwrap_or_default().into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn room_code_accepts_what_users_paste() {
        let ok: &[(&str, &str)] = &[
            ("427200331", "427200331"),
            ("4272 0033 559", "42720033559"),
            ("427-200-331", "427200331"),
            ("  427200331  ", "427200331"),
            ("\t427200331\n", "427200331"),
            ("427\u{00A0}200\u{00A0}331", "427200331"), // NBSP
            ("\u{3000}427\u{3000}200331\u{3000}", "427200331"), // full-width space
            ("427\u{2013}200\u{2013}331", "427200331"), // en dash
            ("\u{FEFF}427200331\u{200B}", "427200331"), // BOM, zero-width space
            ("123456", "123456"),
            ("123456789012", "123456789012"),
            ("838 722 12345", "83872212345"),
        ];
        for (input, want) in ok {
            let rc = RoomCode::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(rc.as_str(), *want);
            assert_eq!(rc.to_string(), *want);
            assert_eq!(input.parse::<RoomCode>().unwrap(), rc);
        }
    }

    #[test]
    fn room_code_refuses_everything_else() {
        let bad: &[(&str, ErrorKind)] = &[
            ("", ErrorKind::MissingRoomCode),
            ("   ", ErrorKind::MissingRoomCode),
            ("\u{3000}", ErrorKind::MissingRoomCode),
            ("- -", ErrorKind::MissingRoomCode),
            ("42720033a", ErrorKind::InvalidRoomCode),
            ("../x", ErrorKind::InvalidRoomCode),
            ("..", ErrorKind::InvalidRoomCode),
            ("427200331/../../oauth2", ErrorKind::InvalidRoomCode),
            ("427200331?x=1", ErrorKind::InvalidRoomCode),
            ("427200331#frag", ErrorKind::InvalidRoomCode),
            ("4272%2F00331", ErrorKind::InvalidRoomCode),
            ("427.200.331", ErrorKind::InvalidRoomCode),
            ("４２７２００３３１", ErrorKind::InvalidRoomCode), // full-width digits
            ("٤٢٧٢٠٠٣٣١", ErrorKind::InvalidRoomCode),          // Arabic-Indic digits
            ("12345", ErrorKind::InvalidRoomCode),              // too short
            ("1234567890123", ErrorKind::InvalidRoomCode),      // too long
            (
                "https://meeting.dingtalk.com/app?roomCode=427200331",
                ErrorKind::InvalidRoomCode,
            ),
            ("427200331\0", ErrorKind::InvalidRoomCode),
            ("+86 427200331", ErrorKind::InvalidRoomCode),
        ];
        for (input, kind) in bad {
            let e = RoomCode::parse(input).expect_err(input);
            assert_eq!(e.kind(), *kind, "{input:?}: {e}");
            let msg = e.to_string();
            assert!(
                msg.contains("6 to 12 digits"),
                "message says what is accepted: {msg}"
            );
        }
        let e = RoomCode::parse("４２７２００３３１").unwrap_err();
        assert!(e.to_string().contains("full-width"), "{e}");
        let e = RoomCode::parse("12345").unwrap_err();
        assert!(e.to_string().contains("has 5 digits"), "{e}");
    }

    #[test]
    fn every_listed_separator_is_ignored_and_nothing_else() {
        // Every Unicode space is a separator, so a code copied from any editor or chat goes in.
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let listed = is_ignorable_separator(c);
            if c.is_whitespace() {
                assert!(listed, "U+{:04X} is a space but not listed", c as u32);
            }
            let input = format!("427{c}200331");
            match RoomCode::parse(&input) {
                Ok(rc) => {
                    assert!(listed || c.is_ascii_digit(), "U+{:04X} accepted", c as u32);
                    if listed {
                        assert_eq!(rc.as_str(), "427200331");
                    }
                }
                Err(e) => {
                    assert!(!listed, "U+{:04X} listed but refused: {e}", c as u32);
                    assert_eq!(e.kind(), ErrorKind::InvalidRoomCode);
                }
            }
        }
        // The small dashes a Chinese IME may give (the window always took them).
        for input in ["427\u{FE58}200\u{FE63}331", "427\u{2060}200\u{200D}331"] {
            assert_eq!(RoomCode::parse(input).unwrap().as_str(), "427200331");
        }
        // Well-formed ranges only: a reversed one would silently match nothing.
        for (from, to) in ROOM_CODE_SEPARATORS {
            assert!(from <= to, "{from:?}..={to:?}");
        }
    }

    #[test]
    fn the_accepted_sentence_names_the_digit_bounds() {
        let bounds = format!("{ROOM_CODE_MIN_DIGITS} to {ROOM_CODE_MAX_DIGITS} digits");
        assert!(ACCEPTED.contains(&bounds), "{ACCEPTED}");
    }

    #[test]
    fn biz_type_keys_are_stable_and_known_types_round_trip() {
        let keys: Vec<_> = BizType::KNOWN.iter().map(BizType::key).collect();
        assert_eq!(keys, ["instant", "booked", "audio"]);
        for t in BizType::KNOWN {
            assert_eq!(BizType::from_wire(t.as_str()), t);
        }
        assert_eq!(BizType::from_wire("video_x").key(), "unknown");
    }

    #[test]
    fn room_code_serde_is_a_string() {
        let rc = RoomCode::parse("427 200 331").unwrap();
        assert_eq!(serde_json::to_string(&rc).unwrap(), "\"427200331\"");
        let back: RoomCode = serde_json::from_str("\"427-200-331\"").unwrap();
        assert_eq!(back, rc);
        assert!(serde_json::from_str::<RoomCode>("\"../x\"").is_err());
    }

    const DOC_EXAMPLE: &str = r#"{
      "nextToken" : "10",
      "hasMore" : true,
      "totalCount" : 15,
      "conferenceList" : [ {
        "conferenceId" : "6323dxxxxx",
        "title" : "Title",
        "roomCode" : "4272xxxxx",
        "externalLinkUrl" : "https://meeting.dingtalk.io/app?roomCode=42726xxx&token=1_7ac9xxx",
        "status" : 1,
        "startTime" : 1664175001000,
        "endTime" : 1663294270000,
        "confDuration" : 1000000,
        "creatorId" : "2iPOLxxxxx",
        "creatorNick" : "John",
        "scheduleConferenceId" : "4331d******",
        "bizType" : "0"
      } ]
    }"#;

    #[test]
    fn doc_example_parses() {
        let page: RoomPage = serde_json::from_str(DOC_EXAMPLE).unwrap();
        assert_eq!(page.next_token.as_deref(), Some("10"));
        assert_eq!(page.has_more, Some(true));
        assert_eq!(page.total_count, Some(15));
        assert_eq!(page.conference_list.len(), 1);
        let m = &page.conference_list[0];
        assert_eq!(m.conference_id.as_deref(), Some("6323dxxxxx"));
        assert_eq!(m.status, Some(Status::Ended));
        assert_eq!(m.biz_type, Some(BizType::Instant));
        assert_eq!(m.creator_nick.as_deref(), Some("John"));
        assert_eq!(m.conf_duration, Some(1_000_000));
        assert_eq!(m.start_time, Some(1_664_175_001_000));
        assert!(
            m.end_time < m.start_time,
            "the doc's example really has end before start"
        );
        // Round trip with the API's own names.
        let v = serde_json::to_value(&page).unwrap();
        let orig: serde_json::Value = serde_json::from_str(DOC_EXAMPLE).unwrap();
        assert_eq!(v, orig);
    }

    #[test]
    fn missing_fields_and_empty_objects() {
        let page: RoomPage = serde_json::from_str("{}").unwrap();
        assert_eq!(page, RoomPage::default());
        let page: RoomPage =
            serde_json::from_str(r#"{"conferenceList":null,"hasMore":null,"nextToken":null}"#)
                .unwrap();
        assert!(
            page.conference_list.is_empty() && page.has_more.is_none() && page.next_token.is_none()
        );
        let page: RoomPage =
            serde_json::from_str(r#"{"conferenceList":[{}, null, {"title":"x"}]}"#).unwrap();
        assert_eq!(page.conference_list.len(), 2);
        assert_eq!(page.conference_list[0], Meeting::default());
        // Absent fields are not serialised.
        assert_eq!(
            serde_json::to_string(&page.conference_list[1]).unwrap(),
            r#"{"title":"x"}"#
        );
    }

    #[test]
    fn strings_as_numbers_and_numbers_as_strings() {
        let m: Meeting = serde_json::from_value(json!({
            "conferenceId": 12345,
            "status": "2",
            "startTime": "1664175001000",
            "endTime": " 1664175061000 ",
            "confDuration": null,
            "bizType": 3,
            "roomCode": 427200331u64,
        }))
        .unwrap();
        assert_eq!(m.conference_id.as_deref(), Some("12345"));
        assert_eq!(m.status, Some(Status::Live));
        assert_eq!(m.start_time, Some(1_664_175_001_000));
        assert_eq!(m.end_time, Some(1_664_175_061_000));
        assert_eq!(m.conf_duration, None);
        assert_eq!(m.biz_type, Some(BizType::Booked));
        assert_eq!(m.room_code.as_deref(), Some("427200331"));
        let page: RoomPage = serde_json::from_value(
            json!({"hasMore": "false", "totalCount": "5000", "nextToken": 100}),
        )
        .unwrap();
        assert_eq!(page.has_more, Some(false));
        assert_eq!(page.total_count, Some(5000));
        assert_eq!(page.next_token.as_deref(), Some("100"));
        let m: Meeting = serde_json::from_value(json!({"startTime": 1.664175001e12})).unwrap();
        assert_eq!(m.start_time, Some(1_664_175_001_000));
    }

    #[test]
    fn unknown_values_kept_unknown_fields_ignored() {
        let m: Meeting = serde_json::from_value(json!({
            "status": 7,
            "bizType": "webinar",
            "somethingNew": {"nested": [1, 2]},
            "title": "t",
        }))
        .unwrap();
        assert_eq!(m.status, Some(Status::Unknown(7)));
        assert_eq!(m.biz_type, Some(BizType::Unknown("webinar".into())));
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v, json!({"status": 7, "bizType": "webinar", "title": "t"}));
        // Status and BizType serialise raw.
        assert_eq!(serde_json::to_value(Status::Live).unwrap(), json!(2));
        assert_eq!(serde_json::to_value(Status::NotStarted).unwrap(), json!(0));
        assert_eq!(
            serde_json::to_value(BizType::Audio).unwrap(),
            json!("audio_conf")
        );
        assert_eq!(
            serde_json::from_value::<BizType>(json!(0)).unwrap(),
            BizType::Instant
        );
        assert_eq!(
            serde_json::from_value::<Status>(json!("1")).unwrap(),
            Status::Ended
        );
    }

    #[test]
    fn odd_types_become_none_not_errors() {
        let m: Meeting = serde_json::from_value(json!({
            "title": {"zh": "会议"},
            "startTime": "yesterday",
            "status": [1],
            "endTime": true,
            "creatorNick": "张三",
        }))
        .unwrap();
        assert_eq!(m.title, None);
        assert_eq!(m.start_time, None);
        assert_eq!(m.status, None);
        assert_eq!(m.end_time, None);
        assert_eq!(m.creator_nick.as_deref(), Some("张三"));
    }
}
