//! The words, one catalog per language: `ui/locales/en.json` and `ui/locales/zh-CN.json`.
//!
//! The window imports those files as JSON modules (ui/i18n.js); this module embeds the very
//! same files with `include_str!`, so the CSV headers, the CLI's table and messages and the
//! advice on errors are the window's words, and a word changed for one face changes for all.
//!
//! The format is the window's: a flat object of keys (`"csv.title"`, `"error.auth.next"`) to a
//! string, or to `{ "one": …, "other": … }` for a word that depends on a count. `{name}`
//! placeholders are filled by [`Lang::fill`]; a placeholder without a value is left as it is,
//! so a missing parameter shows up in the text instead of vanishing.
//!
//! The files are parsed once per language, on first use. They are part of the build (tests
//! check both parse and have the same keys and placeholders), so a lookup never fails: an
//! unknown key falls back to English, then to the key itself, as in the window.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const EN_JSON: &str = include_str!("../../../../ui/locales/en.json");
const ZH_CN_JSON: &str = include_str!("../../../../ui/locales/zh-CN.json");

/// The one language enum: the window's setting (with "system" as `None`, see
/// [`crate::settings::Settings::language`]), the CSV export and `meetdesk-cli --lang`.
/// Serialised as the catalog's file names: `"en"`, `"zh-CN"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// One catalog value: a plain text, or count-dependent forms.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum Entry {
    Text(String),
    Plural {
        #[serde(default)]
        one: Option<String>,
        other: String,
    },
}

type Catalog = HashMap<String, Entry>;

fn parse(src: &str) -> Catalog {
    // An unreadable catalog would be a build mistake that the tests catch; at run time the
    // words fall back to their keys rather than stopping the program.
    serde_json::from_str(src).unwrap_or_default()
}

fn catalog(lang: Lang) -> &'static Catalog {
    static EN: OnceLock<Catalog> = OnceLock::new();
    static ZH_CN: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Lang::En => EN.get_or_init(|| parse(EN_JSON)),
        Lang::ZhCn => ZH_CN.get_or_init(|| parse(ZH_CN_JSON)),
    }
}

impl Lang {
    /// Every language, English first (the reference for missing keys).
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The tag and catalog name: `"en"`, `"zh-CN"`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// From a language tag: `en`, `en-US`, … → English; `zh`, `zh-CN`, `zh-Hans`, `zh_CN.UTF-8`
    /// → Chinese (the window's rule for the system language, too). Anything else → `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        match t.split(['-', '_', '.']).next().unwrap_or("") {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The text of `key` (the `other` form of a count-dependent one); English when this
    /// language lacks it, the key itself when English does too (as the window's `t()` does).
    pub fn text(self, key: &str) -> &str {
        match self.entry(key) {
            Some(Entry::Text(s)) => s,
            Some(Entry::Plural { other, .. }) => other,
            None => key,
        }
    }

    /// Whether the catalog has `key` (in this language).
    pub fn has(self, key: &str) -> bool {
        catalog(self).contains_key(key)
    }

    /// `key` with its `{name}` placeholders filled from `params`.
    pub fn fill(self, key: &str, params: &[(&str, &dyn Display)]) -> String {
        substitute(self.text(key), params)
    }

    /// `key` in the form for `count` (English: `one` for 1; Chinese has one form), with
    /// `{count}` and `params` filled.
    pub fn plural(self, key: &str, count: u64, params: &[(&str, &dyn Display)]) -> String {
        let form = match self.entry(key) {
            Some(Entry::Plural {
                one: Some(one),
                other,
            }) => {
                if self == Lang::En && count == 1 {
                    one.as_str()
                } else {
                    other.as_str()
                }
            }
            _ => self.text(key),
        };
        let mut all: Vec<(&str, &dyn Display)> = vec![("count", &count)];
        all.extend_from_slice(params);
        substitute(form, &all)
    }

    /// The CLI's one line of advice for an error of `kind` (`auth`, `rateLimited`, …): the
    /// window's words (`error.<kind>.title`), then the CLI's own next step (`error.<kind>.cli`)
    /// where the window's points at its Settings, else the window's (`error.<kind>.next`).
    pub fn cli_advice(self, kind: &str) -> String {
        let known = self.has(&format!("error.{kind}.title"));
        let kind = if known { kind } else { "unknown" };
        let next = [format!("error.{kind}.cli"), format!("error.{kind}.next")]
            .into_iter()
            .find(|k| self.has(k))
            .unwrap_or_default();
        let title = format!("error.{kind}.title");
        let sep = if self == Lang::ZhCn { "" } else { " " };
        format!("{}{sep}{}", self.text(&title), self.text(&next))
    }

    fn entry(self, key: &str) -> Option<&'static Entry> {
        catalog(self)
            .get(key)
            .or_else(|| catalog(Lang::En).get(key))
    }
}

/// Replaces `{name}` by its value; other braces and unknown names are kept as they are.
fn substitute(template: &str, params: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let closed = after[name_len..].starts_with('}');
        match params.iter().find(|(n, _)| *n == name) {
            Some((_, v)) if closed && !name.is_empty() => {
                out.push_str(&v.to_string());
                rest = &after[name_len + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Entry {
        fn forms(&self) -> Vec<&str> {
            match self {
                Entry::Text(s) => vec![s],
                Entry::Plural { one, other } => one
                    .iter()
                    .map(String::as_str)
                    .chain([other.as_str()])
                    .collect(),
            }
        }
    }

    /// The `{name}` placeholders of a text, sorted and without repeats.
    fn placeholders(s: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len > 0 && after[len..].starts_with('}') {
                names.push(after[..len].to_owned());
            }
            rest = after;
        }
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn both_catalogs_parse_and_are_not_empty() {
        for (lang, src) in [(Lang::En, EN_JSON), (Lang::ZhCn, ZH_CN_JSON)] {
            let parsed: Result<Catalog, _> = serde_json::from_str(src);
            let parsed = parsed.unwrap_or_else(|e| panic!("{}.json: {e}", lang.tag()));
            assert!(parsed.len() > 100, "{}", lang.tag());
            assert_eq!(catalog(lang).len(), parsed.len());
        }
    }

    #[test]
    fn both_catalogs_have_the_same_keys_and_placeholders() {
        let en = catalog(Lang::En);
        let zh = catalog(Lang::ZhCn);
        let mut en_keys: Vec<&String> = en.keys().collect();
        let mut zh_keys: Vec<&String> = zh.keys().collect();
        en_keys.sort();
        zh_keys.sort();
        let only_en: Vec<_> = en_keys.iter().filter(|k| !zh.contains_key(**k)).collect();
        let only_zh: Vec<_> = zh_keys.iter().filter(|k| !en.contains_key(**k)).collect();
        assert!(
            only_en.is_empty() && only_zh.is_empty(),
            "only in en.json: {only_en:?}; only in zh-CN.json: {only_zh:?}"
        );
        for (key, e) in en {
            let Some(z) = zh.get(key) else { continue };
            let names = |entry: &Entry| {
                let mut all: Vec<String> =
                    entry.forms().into_iter().flat_map(placeholders).collect();
                all.sort();
                all.dedup();
                all
            };
            assert_eq!(names(e), names(z), "placeholders of {key}");
            for form in e.forms().into_iter().chain(z.forms()) {
                assert!(!form.is_empty(), "{key} is empty");
            }
        }
    }

    #[test]
    fn lookups_fill_placeholders_and_pick_forms() {
        assert_eq!(Lang::En.text("csv.title"), "Title");
        assert_eq!(Lang::ZhCn.text("csv.title"), "标题");
        assert_eq!(
            Lang::En.fill("csv.start", &[("zone", &"UTC+08:00")]),
            "Start (UTC+08:00)"
        );
        assert_eq!(
            Lang::En.plural("cli.wrote", 1, &[("path", &"a.csv")]),
            "Wrote 1 meeting to a.csv"
        );
        assert_eq!(
            Lang::En.plural("cli.wrote", 2, &[("path", &"a.csv")]),
            "Wrote 2 meetings to a.csv"
        );
        assert_eq!(
            Lang::ZhCn.plural("cli.wrote", 1, &[("path", &"a.csv")]),
            "已将 1 场会议写入 a.csv"
        );
        // Missing words and values show as themselves rather than vanishing.
        assert_eq!(Lang::ZhCn.text("no.such.key"), "no.such.key");
        assert_eq!(Lang::En.fill("csv.start", &[]), "Start ({zone})");
    }

    #[test]
    fn substitution_leaves_odd_braces_alone() {
        let v: [(&str, &dyn Display); 1] = [("a", &1)];
        assert_eq!(substitute("{a}{a} {b} { {a", &v), "11 {b} { {a");
        assert_eq!(substitute("{", &v), "{");
        assert_eq!(substitute("x{a", &v), "x{a");
        assert_eq!(substitute("{}", &v), "{}");
        assert_eq!(placeholders("{b} {a} {a} {x"), vec!["a", "b"]);
    }

    #[test]
    fn the_cli_advice_names_flags_not_the_windows_settings() {
        let auth = Lang::En.cli_advice("auth");
        assert!(
            auth.starts_with("DingTalk did not accept the credentials. "),
            "{auth}"
        );
        assert!(
            auth.contains("--token") && !auth.contains("Settings"),
            "{auth}"
        );
        assert!(Lang::ZhCn.cli_advice("auth").contains("--app-key"));
        let perm = Lang::En.cli_advice("permission");
        assert!(
            perm.contains("VideoConference.Conference.Read") && perm.contains("admin"),
            "{perm}"
        );
        assert!(Lang::En.cli_advice("gateway").contains("proxy or gateway"));
        assert!(Lang::ZhCn.cli_advice("gateway").contains("代理或网关"));
        assert_eq!(
            Lang::En.cli_advice("whatever"),
            Lang::En.cli_advice("unknown")
        );
        for kind in dingtalk::ErrorKind::ALL {
            for lang in Lang::ALL {
                let line = lang.cli_advice(kind.as_str());
                assert!(
                    !line.contains("Settings")
                        && !line.contains("打开设置")
                        && !line.contains("在设置中"),
                    "{kind}: {line}"
                );
                assert!(!line.contains("error."), "{kind}: {line}");
            }
        }
    }

    #[test]
    fn tags_and_serde_names_agree() {
        for lang in Lang::ALL {
            assert_eq!(serde_json::to_value(lang).unwrap(), lang.tag());
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("zh-Hans"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn every_dingtalk_error_kind_has_words_in_both_languages() {
        for kind in dingtalk::ErrorKind::ALL {
            for lang in Lang::ALL {
                for part in ["title", "next"] {
                    let key = format!("error.{}.{part}", kind.as_str());
                    assert!(lang.has(&key), "{} lacks {key}", lang.tag());
                }
            }
        }
    }
}
