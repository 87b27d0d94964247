//! Is a join link safe to hand to the browser?
//!
//! A join link comes from the API, so it is data, not trust: a compromised or misconfigured
//! server (or a hostile title's neighbour) could send `javascript:`, `file:` or a look-alike host.
//! We open only `https://` links whose host is DingTalk's own (`dingtalk.com`, `dingtalk.io` and
//! their subdomains) or, for a private deployment, the domain of the custom host the user chose.

use url::{Host, Url};

use crate::error::AppError;

const DINGTALK_DOMAINS: &[&str] = &["dingtalk.com", "dingtalk.io"];

/// The domain whose subdomains a custom deployment's join links may use: the custom API host
/// without its first label when it has three or more (`api.meet.corp.cn` → `meet.corp.cn`),
/// else the host itself. Deliberately narrow: we never widen to a public suffix.
pub fn custom_link_domain(custom_base_url: &str) -> Option<String> {
    let url = Url::parse(custom_base_url.trim()).ok()?;
    let host = match url.host()? {
        Host::Domain(d) => d.to_ascii_lowercase(),
        _ => return None,
    };
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() >= 3 {
        Some(labels[1..].join("."))
    } else {
        Some(host)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
