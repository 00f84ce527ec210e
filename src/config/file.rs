//! Reading `imconform.toml` into checked target entries, every problem located.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::IgnoredAny;
use toml::Spanned;

use crate::emulator::Fault;

use super::ConfigError;

/// A loaded config file.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// The path as it was given or found, for messages.
    pub path: PathBuf,
    /// In the file's order.
    pub targets: IndexMap<String, TargetEntry>,
}

/// One `[targets.NAME]` table, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetEntry {
    pub name: String,
    /// `file:line:column` of the entry, for later messages.
    pub location: String,
    pub kind: TargetKind,
    pub sdkappid: Option<u64>,
    pub admin: Option<String>,
    /// Where the secret key comes from.
    pub key: Option<KeyRef>,
    /// An environment variable holding a ready-made UserSig for `admin`.
    pub usersig_env: Option<String>,
    /// The known-deviations file, relative paths resolved against the config file's folder.
    pub known: Option<PathBuf>,
    /// Features whose absence fails the cases needing them (as `--require`).
    pub require: Vec<String>,
    /// Where fixtures made on this target are recorded (default: beside `--ledger`, named
    /// after the target).
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    Url(String),
    Emulator(EmulatorTarget),
}

/// The embedded emulator as a named target: a fresh instance per run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmulatorTarget {
    /// Fault names, checked when the file loads.
    pub faults: Vec<String>,
    pub details_differ: bool,
    pub no_community: bool,
    pub no_push: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// The name of an environment variable holding the key.
    Env(String),
    /// A file holding the key (resolved against the config file's folder).
    File(PathBuf),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    targets: IndexMap<String, Spanned<RawTarget>>,
    // Refused: see `secret_field`. (serde's `flatten` cannot be combined with
    // `deny_unknown_fields`, so these are spelled out in both tables.)
    key: Option<Spanned<IgnoredAny>>,
    secret_key: Option<Spanned<IgnoredAny>>,
    secret: Option<Spanned<IgnoredAny>>,
    usersig: Option<Spanned<IgnoredAny>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    url: Option<Spanned<String>>,
    emulator: Option<Spanned<RawEmulator>>,
    sdkappid: Option<u64>,
    admin: Option<String>,
    key_env: Option<Spanned<String>>,
    key_file: Option<String>,
    usersig_env: Option<Spanned<String>>,
    known: Option<String>,
    #[serde(default)]
    require: Vec<String>,
    ledger: Option<String>,
    // Refused: see `secret_field`.
    key: Option<Spanned<IgnoredAny>>,
    secret_key: Option<Spanned<IgnoredAny>>,
    secret: Option<Spanned<IgnoredAny>>,
    usersig: Option<Spanned<IgnoredAny>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEmulator {
    #[serde(default)]
    faults: Vec<Spanned<String>>,
    #[serde(default)]
    details_differ: bool,
    #[serde(default)]
    no_community: bool,
    #[serde(default)]
    no_push: bool,
}

type SecretField<'a> = (&'static str, &'a Option<Spanned<IgnoredAny>>);

/// Fields that would hold a secret itself are parsed only to be refused with a clear message:
/// the first one present, with the span of its value. The values are never kept
/// (`IgnoredAny`) nor printed.
fn secret_field(fields: [SecretField<'_>; 4]) -> Option<(&'static str, std::ops::Range<usize>)> {
    fields
        .into_iter()
        .find_map(|(name, field)| field.as_ref().map(|f| (name, f.span())))
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ConfigFile::parse(path, &text)
    }

    /// Parses the text of the file at `path` (relative paths in it are resolved against its
    /// folder).
    pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
        let file = path.display().to_string();
        let at = |offset: usize| format!("{file}:{}", line_column(text, offset));
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            // The message alone: the error's Display quotes the offending line, which could
            // be a line holding a key.
            let offset = e.span().map_or(0, |s| s.start);
            ConfigError::Invalid(vec![format!("{}: {}", at(offset), e.message())])
        })?;
        let mut problems = Vec::new();
        let secret = secret_field([
            ("key", &raw.key),
            ("secret_key", &raw.secret_key),
            ("secret", &raw.secret),
            ("usersig", &raw.usersig),
        ]);
        if let Some((field, span)) = secret {
            problems.push(format!(
                "{}: `{field}` holds a secret; the config file only says where the key comes from ({})",
                at(span.start),
                HOW_TO_NAME_A_KEY
            ));
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut targets = IndexMap::new();
        for (name, spanned) in raw.targets {
            let location = at(spanned.span().start);
            match entry(&name, location, spanned.into_inner(), dir, &at) {
                Ok(entry) => {
                    targets.insert(name, entry);
                }
                Err(mut p) => problems.append(&mut p),
            }
        }
        if problems.is_empty() {
            Ok(ConfigFile {
                path: path.to_path_buf(),
                targets,
            })
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// The declared target names, for messages.
    pub fn names(&self) -> String {
        if self.targets.is_empty() {
            return "no target".to_owned();
        }
        (self.targets.keys())
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

const HOW_TO_NAME_A_KEY: &str = "`key_env = \"VARIABLE\"` or `key_file = \"PATH\"`, or `usersig_env = \"VARIABLE\"` for a ready-made UserSig): remove it, and rotate the key if the file was ever shared";

fn entry(
    name: &str,
    location: String,
    raw: RawTarget,
    dir: &Path,
    at: &dyn Fn(usize) -> String,
) -> Result<TargetEntry, Vec<String>> {
    let mut problems = Vec::new();
    let here = |what: String| format!("{location}: target `{name}`: {what}");
    if !valid_name(name) {
        problems.push(here(
            "a target name is letters, digits, `-`, `_` and `.`, starting with a letter or digit"
                .to_owned(),
        ));
    }
    let secret = secret_field([
        ("key", &raw.key),
        ("secret_key", &raw.secret_key),
        ("secret", &raw.secret),
        ("usersig", &raw.usersig),
    ]);
    if let Some((field, span)) = secret {
        problems.push(format!(
            "{}: target `{name}`: `{field}` holds a secret; the config file only says where the key comes from ({})",
            at(span.start),
            HOW_TO_NAME_A_KEY
        ));
    }
    let kind = match (raw.url, raw.emulator) {
        (Some(url), None) => {
            let trimmed = url.get_ref().trim_end_matches('/');
            let scheme_ok = trimmed.starts_with("http://") || trimmed.starts_with("https://");
            if !scheme_ok || trimmed.len() < 10 {
                problems.push(format!(
                    "{}: target `{name}`: `url` must be an http:// or https:// base URL, found {:?}",
                    at(url.span().start),
                    url.get_ref()
                ));
            }
            if raw.sdkappid.is_none() {
                problems.push(here(
                    "a `url` target needs its `sdkappid` (the app the requests are for)".to_owned(),
                ));
            }
            let has_credentials =
                raw.key_env.is_some() || raw.key_file.is_some() || raw.usersig_env.is_some();
            if !has_credentials {
                problems.push(here(format!(
                    "a `url` target needs to say where its key comes from: {}",
                    "`key_env = \"VARIABLE\"`, `key_file = \"PATH\"` or `usersig_env = \"VARIABLE\"`"
                )));
            }
            TargetKind::Url(trimmed.to_owned())
        }
        (None, Some(emulator)) => {
            let raw = emulator.into_inner();
            let mut faults = Vec::new();
            for fault in raw.faults {
                if let Err(e) = fault.get_ref().parse::<Fault>() {
                    problems.push(format!("{}: target `{name}`: {e}", at(fault.span().start)));
                }
                faults.push(fault.into_inner());
            }
            TargetKind::Emulator(EmulatorTarget {
                faults,
                details_differ: raw.details_differ,
                no_community: raw.no_community,
                no_push: raw.no_push,
            })
        }
        (Some(_), Some(_)) => {
            problems.push(here(
                "give either `url` (a real target) or `emulator` (the embedded one), not both"
                    .to_owned(),
            ));
            TargetKind::Emulator(EmulatorTarget::default())
        }
        (None, None) => {
            problems.push(here(
                "give `url = \"https://...\"` (a real target) or `emulator = {}` (the embedded one)"
                    .to_owned(),
            ));
            TargetKind::Emulator(EmulatorTarget::default())
        }
    };
    let key = match (raw.key_env, raw.key_file) {
        (Some(var), None) => {
            if let Err(problem) = check_variable_name(var.get_ref()) {
                problems.push(format!(
                    "{}: target `{name}`: `key_env` {problem}",
                    at(var.span().start)
                ));
            }
            Some(KeyRef::Env(var.into_inner()))
        }
        (None, Some(file)) => Some(KeyRef::File(dir.join(file))),
        (None, None) => None,
        (Some(_), Some(_)) => {
            problems.push(here("give `key_env` or `key_file`, not both".to_owned()));
            None
        }
    };
    if let Some(var) = &raw.usersig_env
        && let Err(problem) = check_variable_name(var.get_ref())
    {
        problems.push(format!(
            "{}: target `{name}`: `usersig_env` {problem}",
            at(var.span().start)
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(TargetEntry {
        name: name.to_owned(),
        location,
        kind,
        sdkappid: raw.sdkappid,
        admin: raw.admin,
        key,
        usersig_env: raw.usersig_env.map(Spanned::into_inner),
        known: raw.known.map(|k| dir.join(k)),
        require: raw.require,
        ledger: raw.ledger.map(|l| dir.join(l)),
    })
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// An environment variable's name, and not a secret pasted where the name goes. The value is
/// never repeated in the message.
fn check_variable_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let shaped = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    // A TLS secret key is 64 hex digits; a variable name that long in hex digits alone is a
    // key pasted in the wrong place.
    let looks_like_a_key = name.len() >= 32 && name.chars().all(|c| c.is_ascii_hexdigit());
    if looks_like_a_key {
        Err(
            "looks like a key itself, not the name of the environment variable holding it (the value is not shown): remove it, and rotate the key if the file was ever shared",
        )
    } else if !shaped {
        Err("must be the name of an environment variable (letters, digits and `_`)")
    } else {
        Ok(())
    }
}

/// `line:column`, both 1-based, of a byte offset (columns count characters).
fn line_column(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{line}:{column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    fn parse(text: &str) -> Result<ConfigFile, String> {
        ConfigFile::parse(Path::new("conf/imconform.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_url_and_emulator_targets_in_order_with_paths_beside_the_file() {
        let file = parse(
            "[targets.sgp]\nurl = \"https://adminapisgp.im.qcloud.com/\"\nsdkappid = 1400000001\n\
             key_env = \"SGP_KEY\"\nknown = \"known/sgp.yaml\"\nrequire = [\"push_service\"]\n\n\
             [targets.faulty]\nemulator = { faults = [\"avchatroom-refused\"], details_differ = true }\n\
             key_file = \"k.txt\"\n",
        )
        .unwrap();
        let names: Vec<&String> = file.targets.keys().collect();
        assert_eq!(names, ["sgp", "faulty"]);
        let sgp = &file.targets["sgp"];
        assert_eq!(
            sgp.kind,
            TargetKind::Url("https://adminapisgp.im.qcloud.com".into())
        );
        assert_eq!(sgp.sdkappid, Some(1400000001));
        assert_eq!(sgp.key, Some(KeyRef::Env("SGP_KEY".into())));
        assert_eq!(sgp.known, Some(PathBuf::from("conf/known/sgp.yaml")));
        assert_eq!(sgp.require, ["push_service"]);
        assert_eq!(sgp.location, "conf/imconform.toml:1:1");
        let faulty = &file.targets["faulty"];
        assert_eq!(
            faulty.kind,
            TargetKind::Emulator(EmulatorTarget {
                faults: vec!["avchatroom-refused".into()],
                details_differ: true,
                ..EmulatorTarget::default()
            })
        );
        assert_eq!(faulty.key, Some(KeyRef::File("conf/k.txt".into())));
        assert_eq!(faulty.location, "conf/imconform.toml:8:1");
    }

    #[test]
    fn a_key_in_the_file_is_refused_without_being_shown() {
        for field in ["key", "secret_key", "usersig"] {
            let text = format!(
                "[targets.sgp]\nurl = \"https://a.example.com\"\nsdkappid = 1\n{field} = \"{KEY}\"\n"
            );
            let e = parse(&text).unwrap_err();
            assert!(!e.contains(KEY), "{e}");
            assert!(
                e.starts_with(&format!(
                    "conf/imconform.toml:4:{}: target `sgp`: `{field}` holds a secret",
                    field.len() + 4
                )),
                "{e}"
            );
            assert!(e.contains("key_env"), "{e}");
        }
        let e = parse(&format!("key = \"{KEY}\"\n")).unwrap_err();
        assert!(
            e.starts_with("conf/imconform.toml:1:7: `key` holds a secret"),
            "{e}"
        );
        // Pasted where the variable's name goes.
        let e = parse(&format!(
            "[targets.a]\nurl = \"https://a.example.com\"\nsdkappid = 1\nkey_env = \"{KEY}\"\n"
        ))
        .unwrap_err();
        assert!(!e.contains(KEY), "{e}");
        assert!(
            e.contains("4:11: target `a`: `key_env` looks like a key itself"),
            "{e}"
        );
        // A syntax error on the key's line does not quote the line.
        let e = parse(&format!("[targets.a]\nkey = {KEY}\n")).unwrap_err();
        assert!(!e.contains(KEY), "{e}");
        assert!(e.starts_with("conf/imconform.toml:2:"), "{e}");
    }

    #[test]
    fn every_problem_is_located() {
        let e = parse(
            "[targets.a]\nurl = \"ftp://x\"\n\n[targets.b]\nemulator = { faults = [\"nosuch\"] }\n\n\
             [targets.c]\n\n[targets.\"bad name\"]\nemulator = {}\n",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(
            lines[0],
            "conf/imconform.toml:2:7: target `a`: `url` must be an http:// or https:// base URL, found \"ftp://x\""
        );
        assert!(
            lines[1].starts_with(
                "conf/imconform.toml:1:1: target `a`: a `url` target needs its `sdkappid`"
            ),
            "{e}"
        );
        assert!(
            lines[2].contains("target `a`: a `url` target needs to say where its key comes from"),
            "{e}"
        );
        assert!(
            lines[3].starts_with("conf/imconform.toml:5:24: target `b`: unknown fault"),
            "{e}"
        );
        assert!(
            lines[4].starts_with("conf/imconform.toml:7:1: target `c`: give `url"),
            "{e}"
        );
        assert!(
            lines[5].starts_with("conf/imconform.toml:9:1: target `bad name`: a target name is"),
            "{e}"
        );
        assert_eq!(lines.len(), 6, "{e}");
        let e = parse("[targets.a]\nemulator = {}\nsdkapid = 1\n").unwrap_err();
        assert!(
            e.starts_with("conf/imconform.toml:3:1: unknown field `sdkapid`"),
            "{e}"
        );
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncé d", 7), "2:4");
        assert_eq!(line_column("", 5), "1:1");
    }
}
