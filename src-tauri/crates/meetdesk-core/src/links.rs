//! Is a join link safe to hand to the browser?
//!
//! A join link comes from the API, so it is data, not trust: a compromised or misconfigured
//! server (or a hostile title's neighbour) could send `javascript:`, `file:` or a look-alike host.
//! We open only `https://` links whose host is DingTalk's own (`dingtalk.com`, `dingtalk.io` and
//! their subdomains) or, for a private deployment, the domain of the custom host the user chose.
//!
//! Optionally Join opens the DingTalk app instead, through its jump link
//! ([`dingtalk_app_link`], [`join_targets`]), built only around a link that passed this check.

use url::{Host, Url};

use crate::error::AppError;

const DINGTALK_DOMAINS: &[&str] = &["dingtalk.com", "dingtalk.io"];

/// The domain whose subdomains a custom deployment's join links may use: the custom API host
/// without its first label (`api.meet.corp.cn` → `meet.corp.cn`), but never wider than the
/// host's registrable domain by the public suffix list (`api.co.uk` stays `api.co.uk`, not
/// `co.uk`; `x.github.io` stays `x.github.io`, not `github.io`, which anyone can publish under).
/// A host that is itself a public suffix (or a single label like `localhost`) trusts only
/// itself. Deliberately narrow: a deployment's join links are expected next to its API host.
pub fn custom_link_domain(custom_base_url: &str) -> Option<String> {
    let url = Url::parse(custom_base_url.trim()).ok()?;
    let host = match url.host()? {
        Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
        _ => return None,
    };
    if host.is_empty() {
        return None;
    }
    let Some(registrable) = psl::domain_str(&host) else {
        return Some(host);
    };
    let parent = host
        .split_once('.')
        .map(|(_, rest)| rest)
        .filter(|p| p.len() >= registrable.len() && host_in(p, registrable));
    Some(parent.unwrap_or(registrable).to_owned())
}

/// The warning logged when Join refuses a link. The conference id comes from the page (and
/// before that from the server) and the reason may quote the server's link: both are escaped, so
/// a newline in them cannot forge a line of the log.
pub fn refusal_log_line(conference_id: &str, reason: &str) -> String {
    format!(
        "join: refused a link for meeting {}: {}",
        dingtalk::log_safe(conference_id),
        dingtalk::log_safe(reason)
    )
}

fn host_in(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// Returns the parsed link when it may be opened, or an `unsafeLink` error that says why not.
pub fn check_join_link(link: &str, custom_domain: Option<&str>) -> Result<Url, AppError> {
    let refuse = |why: &str| {
        AppError::new(
            "unsafeLink",
            format!("MeetDesk did not open this link because {why}."),
        )
    };
    let url = Url::parse(link.trim()).map_err(|_| refuse("it is not a valid web address"))?;
    if url.scheme() != "https" {
        return Err(refuse(&format!(
            "it is a {}: link, and only https:// meeting links are opened",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    let host = match url.host() {
        Some(Host::Domain(d)) => d.to_ascii_lowercase(),
        _ => return Err(refuse("it does not name a DingTalk host")),
    };
    let allowed = DINGTALK_DOMAINS.iter().any(|d| host_in(&host, d))
        || custom_domain.is_some_and(|d| host_in(&host, d));
    if !allowed {
        return Err(refuse(&format!("{host} is not a DingTalk host")));
    }
    Ok(url)
}

/// The DingTalk desktop app's "unified jump protocol" link (../shared/dingtalk-api.md): the
/// OS hands `dingtalk://` to the installed client, which opens `url`; `pc_slide=false` opens it
/// in a browser window rather than the client's side panel, where a meeting cannot run.
const DINGTALK_APP_LINK_BASE: &str = "dingtalk://dingtalkclient/page/link";

/// The jump link that opens `link` in the DingTalk app:
/// `dingtalk://dingtalkclient/page/link?url=<link, percent-encoded>&pc_slide=false`.
///
/// It checks `link` with [`check_join_link`] itself, so a jump link can only ever wrap a link
/// Join would open in the browser, and builds the query with the `url` crate, so nothing in the
/// link (an `&pc_slide=true`, a `#`) can add or change a parameter of the jump link.
pub fn dingtalk_app_link(link: &str, custom_domain: Option<&str>) -> Result<Url, AppError> {
    let checked = check_join_link(link, custom_domain)?;
    let mut jump = Url::parse(DINGTALK_APP_LINK_BASE).map_err(|e| {
        AppError::new(
            "unsafeLink",
            format!("The DingTalk app link is malformed: {e}"),
        )
    })?;
    jump.query_pairs_mut()
        .append_pair("url", checked.as_str())
        .append_pair("pc_slide", "false");
    Ok(jump)
}

/// What Join opens, in order: the DingTalk app's jump link first when `in_app`
/// (`Settings::open_in_dingtalk_app`), then the checked https link, the fallback for a machine
/// where nothing handles `dingtalk://`. An unsafe link gives an error and nothing to open.
pub fn join_targets(
    link: &str,
    custom_domain: Option<&str>,
    in_app: bool,
) -> Result<Vec<Url>, AppError> {
    let https = check_join_link(link, custom_domain)?;
    let mut targets = Vec::with_capacity(2);
    if in_app {
        targets.push(dingtalk_app_link(link, custom_domain)?);
    }
    targets.push(https);
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(u: &Url) -> Vec<(String, String)> {
        u.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn the_dingtalk_app_link_wraps_the_checked_link_percent_encoded() {
        let link = "https://meeting.dingtalk.com/app?roomCode=427233559&token=1_7ac9";
        let jump = dingtalk_app_link(link, None).unwrap();
        assert_eq!(
            jump.as_str(),
            "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fmeeting.dingtalk.com%2Fapp%3FroomCode%3D427233559%26token%3D1_7ac9&pc_slide=false"
        );
        assert_eq!(
            query(&jump),
            [
                ("url".into(), link.into()),
                ("pc_slide".into(), "false".into())
            ]
        );
        let targets = join_targets(link, None, true).unwrap();
        assert_eq!(
            targets.iter().map(Url::scheme).collect::<Vec<_>>(),
            ["dingtalk", "https"]
        );
        let targets = join_targets(link, None, false).unwrap();
        assert_eq!(targets.iter().map(Url::as_str).collect::<Vec<_>>(), [link]);
    }

    #[test]
    fn hostile_links_never_make_a_jump_link() {
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fevil.example",
            "dingtalk://dingtalkclient/action/sendmsg?x=1",
            "http://meeting.dingtalk.com/app",
            "https://evil.example.com/app?u=https://meeting.dingtalk.com",
            "https://dingtalk.com.evil.example/app",
            "https://user:pw@meeting.dingtalk.com/app",
            "",
        ] {
            assert_eq!(
                dingtalk_app_link(bad, None).unwrap_err().kind,
                "unsafeLink",
                "{bad}"
            );
            assert!(join_targets(bad, None, true).is_err(), "{bad}");
        }
        // A checked link that tries to smuggle parameters stays inside `url`.
        for sly in [
            "https://meeting.dingtalk.com/app?x=1&pc_slide=true",
            "https://meeting.dingtalk.com/app#&pc_slide=true&url=https://evil.example",
            "https://meeting.dingtalk.com/a b?c=d e",
        ] {
            let jump = dingtalk_app_link(sly, None).unwrap();
            let q = query(&jump);
            assert_eq!(q.len(), 2, "{sly}: {q:?}");
            assert_eq!(q[1], ("pc_slide".into(), "false".into()), "{sly}");
            assert_eq!(
                q[0].1,
                check_join_link(sly, None).unwrap().as_str(),
                "{sly}"
            );
            assert!(!jump.as_str().contains(' '), "{jump}");
        }
    }

    #[test]
    fn dingtalk_https_links_open() {
        for ok in [
            "https://meeting.dingtalk.com/app?roomCode=427233559&token=1_7ac9",
            "https://meeting.dingtalk.io/app?roomCode=42726&token=1_7ac9",
            "https://meeting.dingtalk.com/j/abc123",
            "https://dingtalk.com/x",
        ] {
            check_join_link(ok, None).unwrap();
        }
    }

    #[test]
    fn other_schemes_hosts_and_lookalikes_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "http://meeting.dingtalk.com/app",
            "https://evil.example.com/app",
            "https://dingtalk.com.evil.example/app",
            "https://evildingtalk.com/app",
            "https://user:pw@meeting.dingtalk.com/app",
            "https://127.0.0.1/app",
            "not a link",
            "",
        ] {
            let e = check_join_link(bad, None).unwrap_err();
            assert_eq!(e.kind, "unsafeLink", "{bad}");
        }
    }

    #[test]
    fn a_custom_domain_never_widens_to_a_public_suffix() {
        let d = |u| custom_link_domain(u);
        assert_eq!(d("https://api.co.uk").as_deref(), Some("api.co.uk"));
        assert_eq!(d("https://x.github.io").as_deref(), Some("x.github.io"));
        assert_eq!(
            d("https://a.b.x.github.io").as_deref(),
            Some("b.x.github.io")
        );
        assert_eq!(
            d("https://api.example.com.cn").as_deref(),
            Some("example.com.cn")
        );
        // A host that is a public suffix trusts only itself.
        assert_eq!(d("https://co.uk").as_deref(), Some("co.uk"));
        assert_eq!(d("https://github.io").as_deref(), Some("github.io"));
        assert_eq!(d("https://localhost:8443").as_deref(), Some("localhost"));
        assert_eq!(
            d("https://API.Example.COM.").as_deref(),
            Some("example.com")
        );
        // What that means for links: a stranger's site under the same suffix is refused.
        let uk = d("https://api.co.uk").unwrap();
        assert!(check_join_link("https://evil.co.uk/app", Some(&uk)).is_err());
        check_join_link("https://meet.api.co.uk/app", Some(&uk)).unwrap();
        let gh = d("https://x.github.io").unwrap();
        assert!(check_join_link("https://attacker.github.io/app", Some(&gh)).is_err());
        check_join_link("https://x.github.io/j/1", Some(&gh)).unwrap();
    }

    #[test]
    fn a_refused_links_log_line_cannot_be_forged() {
        let line = refusal_log_line(
            "c1\n[2026-11-26][INFO] export: forged\r",
            "evil\nline is not a DingTalk host",
        );
        assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
        assert!(line.starts_with("join: refused"), "{line}");
        assert!(
            line.contains("c1 [2026") && line.contains("evil line"),
            "{line}"
        );
    }

    #[test]
    fn a_custom_deployment_allows_its_own_domain_only() {
        let d = custom_link_domain("https://api.meet.corp.cn").unwrap();
        assert_eq!(d, "meet.corp.cn");
        check_join_link("https://join.meet.corp.cn/app?x=1", Some(&d)).unwrap();
        assert!(check_join_link("https://corp.cn/app", Some(&d)).is_err());
        assert_eq!(
            custom_link_domain("https://example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(custom_link_domain("http://127.0.0.1:8787"), None);
    }
}
