//! Which DingTalk to talk to, and as whom: the demo simulator, the environment, or the settings
//! plus the secrets vault, in that order of precedence.

use dingtalk::{Credentials, Secret};

use crate::error::AppError;
use crate::secrets::SecretName;
use crate::settings::{CredentialMode, EnvOverrides, Host, Settings};

/// Where requests go and how they are authorised. `key` identifies it so a cached client (and
/// its cached token) is reused until something that matters changes.
pub struct Connection {
    pub base_url: String,
    pub credentials: Credentials,
    /// Domain whose join links are trusted besides DingTalk's own (a private deployment).
    pub custom_link_domain: Option<String>,
    pub key: String,
}

/// The demo simulator's address, when demo mode is on.
pub struct Demo<'a> {
    pub base_url: &'a str,
}

pub fn resolve(
    settings: &Settings,
    env: &EnvOverrides,
    secret: impl Fn(SecretName) -> Option<String>,
    demo: Option<Demo<'_>>,
) -> Result<Connection, AppError> {
    if let Some(demo) = demo {
        return Ok(Connection {
            base_url: demo.base_url.to_string(),
            credentials: Credentials::InternalApp {
                app_key: dingtalk_sim::DEMO_APP_KEY.to_string(),
                app_secret: Secret::new(dingtalk_sim::DEMO_APP_SECRET),
            },
            custom_link_domain: None,
            key: format!("demo|{}", demo.base_url),
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
    } else {
        from_settings(settings, &secret)?
    };
    // The key must change when a secret changes (a new token or ticket means a new client), but
    // must not contain the secret itself: a short non-reversible fingerprint is enough.
    let fingerprint = fingerprint(&credentials);
    Ok(Connection {
        key: format!("{base_url}|{who}|{fingerprint:x}"),
        base_url,
        credentials,
        custom_link_domain,
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

    fn none(_: SecretName) -> Option<String> {
        None
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
            |n| (n == SecretName::AppSecret).then(|| "sec".into()),
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
        let a = resolve(&s, &EnvOverrides::default(), |_| Some("one".into()), None).unwrap();
        let b = resolve(&s, &EnvOverrides::default(), |_| Some("two".into()), None).unwrap();
        assert_ne!(a.key, b.key);
    }
}
