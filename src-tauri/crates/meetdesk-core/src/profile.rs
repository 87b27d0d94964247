//! Which DingTalk to talk to, and as whom: the demo simulator, the environment, or the settings
//! plus the secrets vault, in that order of precedence.
//!
//! Stored secrets are only ever paired with the host and mode they were saved for
//! ([`Binding`]): the lookup asks for exactly that binding, and a `MEETDESK_BASE_URL` that points
//! elsewhere gets the environment's credentials or none.

use dingtalk::{Credentials, Secret};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::settings::{CredentialMode, EnvOverrides, Host, Settings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretName {
    AppSecret,
    SuiteSecret,
    SuiteTicket,
    AccessToken,
}

impl SecretName {
    pub const ALL: [SecretName; 4] = [
        SecretName::AppSecret,
        SecretName::SuiteSecret,
        SecretName::SuiteTicket,
        SecretName::AccessToken,
    ];
}

/// The host and credential mode a set of secrets belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    /// Normalised with [`normalise_base_url`], so `https://API.dingtalk.io:443/` and
    /// `https://api.dingtalk.io` are the same host and `https://api.dingtalk.io.evil` is not.
    pub base_url: String,
    pub mode: CredentialMode,
}

impl Binding {
    pub fn new(base_url: &str, mode: CredentialMode) -> Binding {
        Binding {
            base_url: normalise_base_url(base_url),
            mode,
        }
    }

    /// The binding of the secrets these settings would use.
    pub fn of(settings: &Settings) -> Binding {
        Binding::new(settings.base_url(), settings.credential_mode)
    }
}

/// One spelling per host: scheme and host lower-cased, the default port and a trailing slash
/// dropped (the `url` crate's own normalisation). Something that is not a URL is kept as typed
/// (trimmed): it can never equal a real host's spelling, and validation refuses it anyway.
pub fn normalise_base_url(s: &str) -> String {
    let s = s.trim();
    match url::Url::parse(s) {
        Ok(u) => u.as_str().trim_end_matches('/').to_string(),
        Err(_) => s.to_string(),
    }
}

/// What the user typed into the secret fields; `None` or empty means "leave as is".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretInput {
    pub app_secret: Option<String>,
    pub suite_secret: Option<String>,
    pub suite_ticket: Option<String>,
    pub access_token: Option<String>,
}

impl SecretInput {
    pub fn entries(&self) -> impl Iterator<Item = (SecretName, &str)> {
        [
            (SecretName::AppSecret, &self.app_secret),
            (SecretName::SuiteSecret, &self.suite_secret),
            (SecretName::SuiteTicket, &self.suite_ticket),
            (SecretName::AccessToken, &self.access_token),
        ]
        .into_iter()
        .filter_map(|(n, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (n, v))
        })
    }
}

/// Where requests go and how they are authorised. `key` identifies it so a cached client (and
/// its cached token) is reused until something that matters changes.
pub struct Connection {
    pub base_url: String,
    pub credentials: Credentials,
    /// Domain whose join links are trusted besides DingTalk's own (a private deployment).
    pub custom_link_domain: Option<String>,
    /// Seconds a page may take (the `timeoutSecs` setting).
    pub timeout_secs: u32,
    pub key: String,
}

/// The demo simulator, when demo mode is on: its address and the app key it accepts (the app
/// passes them in, so the core does not depend on the simulator).
pub struct Demo<'a> {
    pub base_url: &'a str,
    pub app_key: &'a str,
    pub app_secret: &'a str,
}

/// `secret(binding, name)` looks a stored secret up for exactly that host and mode.
pub fn resolve(
    settings: &Settings,
    env: &EnvOverrides,
    secret: impl Fn(&Binding, SecretName) -> Option<String>,
    demo: Option<Demo<'_>>,
) -> Result<Connection, AppError> {
    if let Some(demo) = demo {
        return Ok(Connection {
            base_url: demo.base_url.to_string(),
            credentials: Credentials::InternalApp {
                app_key: demo.app_key.to_string(),
                app_secret: Secret::new(demo.app_secret),
            },
            custom_link_domain: None,
            timeout_secs: settings.timeout_secs,
            key: format!("demo|{}|{}", demo.base_url, settings.timeout_secs),
        });
    }

    let base_url = env
        .base_url
        .clone()
        .unwrap_or_else(|| settings.base_url().to_string());
    let custom_link_domain = match (&env.base_url, settings.host) {
        (Some(url), _) => crate::links::custom_link_domain(url),
        (None, Host::Custom) => crate::links::custom_link_domain(&settings.custom_base_url),
        _ => None,
    };

    let (credentials, who) = if let Some(token) = &env.access_token {
        (
            Credentials::AccessToken(Secret::new(token)),
            "env-token".to_string(),
        )
    } else if let (Some(k), Some(s)) = (&env.app_key, &env.app_secret) {
        (
            Credentials::InternalApp {
                app_key: k.clone(),
                app_secret: Secret::new(s),
            },
            format!("env-app|{k}"),
        )
    } else if env
        .base_url
        .as_deref()
        .is_some_and(|u| normalise_base_url(u) != normalise_base_url(settings.base_url()))
    {
        // The stored secrets were entered for the saved host, not for this one.
        return Err(AppError::new(
            "notConfigured",
            format!(
                "MEETDESK_BASE_URL points at {base_url}, but the saved secrets belong to {}: set MEETDESK_APP_KEY and MEETDESK_APP_SECRET (or MEETDESK_ACCESS_TOKEN) for that host, or unset MEETDESK_BASE_URL.",
                normalise_base_url(settings.base_url())
            ),
        ));
    } else {
        let binding = Binding::of(settings);
        from_settings(settings, &|n| secret(&binding, n))?
    };
    // The key must change when a secret changes (a new token or ticket means a new client), but
    // must not contain the secret itself: a short non-reversible fingerprint is enough.
    let fingerprint = fingerprint(&credentials);
    Ok(Connection {
        key: format!("{base_url}|{who}|{fingerprint:x}|{}", settings.timeout_secs),
        base_url,
        credentials,
        custom_link_domain,
        timeout_secs: settings.timeout_secs,
    })
}

fn from_settings(
    settings: &Settings,
    secret: &impl Fn(SecretName) -> Option<String>,
) -> Result<(Credentials, String), AppError> {
    let need = |name: SecretName| secret(name).ok_or_else(AppError::not_configured);
    let nonempty = |v: &str| {
        if v.trim().is_empty() {
            Err(AppError::not_configured())
        } else {
            Ok(v.trim().to_string())
        }
    };
    Ok(match settings.credential_mode {
        CredentialMode::Token => (
            Credentials::AccessToken(Secret::new(need(SecretName::AccessToken)?)),
            "token".into(),
        ),
        CredentialMode::InternalApp => {
            let app_key = nonempty(&settings.app_key)?;
            (
                Credentials::InternalApp {
                    app_key: app_key.clone(),
                    app_secret: Secret::new(need(SecretName::AppSecret)?),
                },
                format!("app|{app_key}"),
            )
        }
        CredentialMode::ThirdParty => {
            let suite_key = nonempty(&settings.suite_key)?;
            let auth_corp_id = nonempty(&settings.auth_corp_id)?;
            (
                Credentials::ThirdParty {
                    suite_key: suite_key.clone(),
                    suite_secret: Secret::new(need(SecretName::SuiteSecret)?),
                    auth_corp_id: auth_corp_id.clone(),
                    suite_ticket: Secret::new(need(SecretName::SuiteTicket)?),
                },
                format!("suite|{suite_key}|{auth_corp_id}"),
            )
        }
    })
}

fn fingerprint(c: &Credentials) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match c {
        Credentials::AccessToken(t) => t.expose().hash(&mut h),
        Credentials::InternalApp { app_secret, .. } => app_secret.expose().hash(&mut h),
        Credentials::ThirdParty {
            suite_secret,
            suite_ticket,
            ..
        } => {
            suite_secret.expose().hash(&mut h);
            suite_ticket.expose().hash(&mut h);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_inputs_leave_secrets_unchanged() {
        let input = SecretInput {
            app_secret: Some("  ".into()),
            access_token: Some(" tok ".into()),
            ..Default::default()
        };
        let got: Vec<_> = input.entries().collect();
        assert_eq!(got, vec![(SecretName::AccessToken, "tok")]);
    }

    fn none(_: &Binding, _: SecretName) -> Option<String> {
        None
    }

    /// A vault holding `secret` for every name, for `binding` only.
    fn stored_for(binding: Binding) -> impl Fn(&Binding, SecretName) -> Option<String> {
        move |b, _| (*b == binding).then(|| "STORED-SECRET".to_string())
    }

    #[test]
    fn nothing_configured_says_so() {
        let e = resolve(&Settings::default(), &EnvOverrides::default(), none, None)
            .err()
            .unwrap();
        assert_eq!(e.kind, "notConfigured");
    }

    #[test]
    fn settings_and_vault_make_an_internal_app_connection() {
        let s = Settings {
            app_key: "dingkey".into(),
            ..Settings::default()
        };
        let c = resolve(
            &s,
            &EnvOverrides::default(),
            |_, n| (n == SecretName::AppSecret).then(|| "sec".into()),
            None,
        )
        .unwrap();
        assert_eq!(c.base_url, "https://api.dingtalk.io");
        assert!(
            matches!(c.credentials, Credentials::InternalApp { ref app_key, .. } if app_key == "dingkey")
        );
        assert!(
            !c.key.contains("sec"),
            "the cache key must not carry the secret"
        );
    }

    #[test]
    fn the_environment_beats_the_settings_and_demo_beats_both() {
        let s = Settings {
            app_key: "dingkey".into(),
            ..Settings::default()
        };
        let env = EnvOverrides {
            base_url: Some("http://127.0.0.1:9".into()),
            access_token: Some("tok".into()),
            ..Default::default()
        };
        let c = resolve(&s, &env, none, None).unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:9");
        assert!(matches!(c.credentials, Credentials::AccessToken(_)));
        let d = resolve(
            &s,
            &env,
            none,
            Some(Demo {
                base_url: "http://127.0.0.1:7",
                app_key: "demo-key",
                app_secret: "demo-secret",
            }),
        )
        .unwrap();
        assert_eq!(d.base_url, "http://127.0.0.1:7");
        assert!(matches!(d.credentials, Credentials::InternalApp { .. }));
    }

    #[test]
    fn a_new_secret_changes_the_key() {
        let s = Settings {
            credential_mode: CredentialMode::Token,
            ..Settings::default()
        };
        let a = resolve(
            &s,
            &EnvOverrides::default(),
            |_, _| Some("one".into()),
            None,
        )
        .unwrap();
        let b = resolve(
            &s,
            &EnvOverrides::default(),
            |_, _| Some("two".into()),
            None,
        )
        .unwrap();
        assert_ne!(a.key, b.key);
        let c = resolve(
            &Settings {
                timeout_secs: 60,
                ..s.clone()
            },
            &EnvOverrides::default(),
            |_, _| Some("one".into()),
            None,
        )
        .unwrap();
        assert_ne!(a.key, c.key, "a new timeout means a new client");
        assert_eq!(c.timeout_secs, 60);
    }

    fn saved_for(host: Host, custom: &str, mode: CredentialMode) -> Settings {
        Settings {
            host,
            custom_base_url: custom.into(),
            credential_mode: mode,
            app_key: "dingkey".into(),
            suite_key: "suite".into(),
            auth_corp_id: "corp".into(),
            ..Settings::default()
        }
    }

    #[test]
    fn secrets_stored_for_one_host_are_never_paired_with_another() {
        let stored = saved_for(Host::International, "", CredentialMode::InternalApp);
        let secrets = || stored_for(Binding::of(&stored));
        // The saved host works …
        resolve(&stored, &EnvOverrides::default(), secrets(), None).unwrap();
        // … every other host or mode is not configured, whatever the page sends.
        for other in [
            saved_for(Host::Mainland, "", CredentialMode::InternalApp),
            saved_for(
                Host::Custom,
                "https://evil.example",
                CredentialMode::InternalApp,
            ),
            saved_for(
                Host::Custom,
                "https://api.dingtalk.io.evil.example",
                CredentialMode::InternalApp,
            ),
            saved_for(
                Host::Custom,
                "http://127.0.0.1:9",
                CredentialMode::InternalApp,
            ),
            saved_for(Host::International, "", CredentialMode::ThirdParty),
            saved_for(Host::International, "", CredentialMode::Token),
        ] {
            let e = resolve(&other, &EnvOverrides::default(), secrets(), None)
                .err()
                .unwrap_or_else(|| {
                    panic!(
                        "{:?} {:?} got the secret",
                        other.host, other.custom_base_url
                    )
                });
            assert_eq!(e.kind, "notConfigured");
        }
        // The same host spelled differently is the same host.
        let same = saved_for(
            Host::Custom,
            "HTTPS://api.dingtalk.io:443/",
            CredentialMode::InternalApp,
        );
        resolve(&same, &EnvOverrides::default(), secrets(), None).unwrap();
    }

    #[test]
    fn an_environment_host_other_than_the_saved_one_uses_only_environment_credentials() {
        let stored = saved_for(Host::International, "", CredentialMode::InternalApp);
        let env = EnvOverrides {
            base_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let e = resolve(&stored, &env, stored_for(Binding::of(&stored)), None)
            .err()
            .unwrap();
        assert_eq!(e.kind, "notConfigured");
        assert!(e.message.contains("MEETDESK_BASE_URL"), "{}", e.message);

        // With its own credentials it works, and the stored secret is not what it carries.
        let env = EnvOverrides {
            app_key: Some("envkey".into()),
            app_secret: Some("envsecret".into()),
            ..env
        };
        let c = resolve(&stored, &env, stored_for(Binding::of(&stored)), None).unwrap();
        assert!(
            matches!(c.credentials, Credentials::InternalApp { ref app_secret, .. } if app_secret.expose() == "envsecret")
        );

        // The saved host named again in the environment may use the stored secrets.
        let env = EnvOverrides {
            base_url: Some("https://api.dingtalk.io/".into()),
            ..Default::default()
        };
        let c = resolve(&stored, &env, stored_for(Binding::of(&stored)), None).unwrap();
        assert!(
            matches!(c.credentials, Credentials::InternalApp { ref app_secret, .. } if app_secret.expose() == "STORED-SECRET")
        );
    }
}
