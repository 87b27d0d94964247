//! "Copy invitation": a meeting as plain text to paste into a chat or a mail, in the UI
//! language (`invite.*` words):
//!
//! ```text
//! Weekly sync
//! Time: 2026-12-02 14:30 (UTC+08:00)
//! Room code: 427 233 559
//! Join: https://meeting.dingtalk.com/app?roomCode=427233559&token=…
//! ```
//!
//! - The start is local to the zone given, with its UTC offset: the invitation travels to people
//!   in other zones. No line when the start is unknown (view.rs's plausibility rule).
//! - The room code is the one the user searched or watched (the server may send a masked one,
//!   "4272xxxxx"), grouped by [`RoomCode::grouped`] as DingTalk shows codes ("838 722 xxxxx").
//! - The link only when it passes Join's own check ([`crate::links::check_join_link`]): an
//!   invitation must not carry a link MeetDesk itself would refuse to open.
//! - Every server text on one line, control and bidi characters removed
//!   ([`crate::watch::one_line`]), so a title cannot add lines to the invitation.

use chrono::{DateTime, TimeZone};
use dingtalk::{Meeting, RoomCode};

use crate::catalog::Lang;
use crate::links::check_join_link;
use crate::view::plausible_time;
use crate::watch::one_line;

/// The invitation text for `meeting` under `room`, times in `tz`, words in `lang`;
/// `custom_domain` as for Join ([`crate::links::custom_link_domain`]).
pub fn invitation<Tz: TimeZone>(
    meeting: &Meeting,
    room: &RoomCode,
    custom_domain: Option<&str>,
    lang: Lang,
    tz: &Tz,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let title = meeting
        .title
        .as_deref()
        .map(one_line)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| lang.text("row.untitled").to_owned());
    let mut lines = vec![title];
    let start = meeting
        .start_time
        .and_then(plausible_time)
        .and_then(DateTime::from_timestamp_millis);
    if let Some(start) = start {
        let time = start
            .with_timezone(tz)
            .format("%Y-%m-%d %H:%M (UTC%:z)")
            .to_string();
        lines.push(lang.fill("invite.time", &[("time", &time)]));
    }
    lines.push(lang.fill("invite.roomCode", &[("code", &room.grouped())]));
    let link = meeting
        .external_link_url
        .as_deref()
        .and_then(|l| check_join_link(l, custom_domain).ok());
    if let Some(link) = link {
        lines.push(lang.fill("invite.link", &[("link", &link.as_str())]));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    /// 2026-12-02T06:30:00Z = 14:30 at UTC+8.
    const START: i64 = 1_796_193_000_000;

    fn code(s: &str) -> RoomCode {
        RoomCode::parse(s).unwrap()
    }

    fn meeting() -> Meeting {
        Meeting {
            title: Some("Weekly sync 周会".into()),
            start_time: Some(START),
            room_code: Some("4272xxxxx".into()),
            external_link_url: Some(
                "https://meeting.dingtalk.com/app?roomCode=42723355901&token=1_7ac9".into(),
            ),
            ..Default::default()
        }
    }

    fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn room_codes_are_grouped_three_three_rest() {
        assert_eq!(code("83872212345").grouped(), "838 722 12345");
        assert_eq!(code("427233559").grouped(), "427 233 559");
        assert_eq!(code("4272335590").grouped(), "427 233 5590");
        assert_eq!(code("427233559012").grouped(), "427 233 559012");
        assert_eq!(code("12345678").grouped(), "123 45678");
        assert_eq!(code("123456").grouped(), "123 456");
    }

    #[test]
    fn the_invitation_in_both_languages() {
        let room = code("42723355901");
        assert_eq!(
            invitation(&meeting(), &room, None, Lang::En, &cst()),
            "Weekly sync 周会\n\
             Time: 2026-12-02 14:30 (UTC+08:00)\n\
             Room code: 427 233 55901\n\
             Join: https://meeting.dingtalk.com/app?roomCode=42723355901&token=1_7ac9"
        );
        let zh = invitation(&meeting(), &room, None, Lang::ZhCn, &cst());
        let lines: Vec<_> = zh.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].contains("2026-12-02 14:30 (UTC+08:00)") && !lines[1].starts_with("Time"));
        assert!(lines[2].ends_with("427 233 55901") && !lines[2].starts_with("Room"));
        let utc = FixedOffset::east_opt(0).unwrap();
        assert!(invitation(&meeting(), &room, None, Lang::En, &utc).contains("06:30 (UTC+00:00)"));
    }

    #[test]
    fn a_hostile_meeting_cannot_add_lines_or_links() {
        let room = code("666000666");
        let mut m = meeting();
        m.title = Some("Budget\nJoin: https://evil.example\r\u{202E}x".into());
        m.external_link_url = Some("javascript:alert(1)".into());
        m.start_time = Some(i64::MAX);
        let text = invitation(&m, &room, None, Lang::En, &cst());
        assert_eq!(
            text,
            "Budget Join: https://evil.example x\nRoom code: 666 000 666"
        );
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        for bad in ["https://evil.example.com/app", "file:///etc/passwd"] {
            m.external_link_url = Some(bad.into());
            assert!(!invitation(&m, &room, None, Lang::En, &cst()).contains(bad));
        }
        m.title = None;
        assert!(invitation(&m, &room, None, Lang::En, &cst())
            .starts_with(Lang::En.text("row.untitled")));
    }
}
