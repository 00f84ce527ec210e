//! `--target` values (URLs, names from `imconform.toml`, or the built-in `emulator`) turned
//! into one run config each, on top of the run's own flags.

use std::path::{Path, PathBuf};

use crate::emulator::DEFAULT_ADMIN;
use crate::pipeline::{AppIdentity, EmulatorOptions, KeySource, PipelineConfig};

use super::file::{ConfigFile, KeyRef, TargetEntry, TargetKind};
use super::{CONFIG_FILE_NAME, ConfigError};

/// The faithful embedded emulator, as a `--target` name that needs no config file (a file's
/// own `[targets.emulator]` wins).
pub const BUILTIN_EMULATOR: &str = "emulator";

/// One target of a run: the name its column and messages use, and its whole run config.
#[derive(Debug, Clone)]
pub struct TargetChoice {
    pub name: String,
    pub config: PipelineConfig,
}

/// One config per `--target` value, built on `base` (the run's flags).
///
/// - A URL takes the flags' app, key and known list, as a single `--target URL` always did.
/// - A name from the file takes its entry's URL or emulator, SDKAppID, admin, key source and
///   known list; its `require` adds to `--require`, and `--known` fills in a missing `known`.
///   The flags' SDKAppID, admin and key are not used: they belong to another target.
/// - `emulator` is the embedded emulator, with the flags' `--fault` and `--emulator-*`.
///
/// Also checks what the chosen targets need from this machine (the environment variable or
/// file of each key, the variable of a ready-made sig), and that `features` (the service's)
/// declares every required feature. With several targets, each gets its own folder for
/// snapshot mismatches and for `--record`/`--baseline`, named after it.
pub fn resolve_targets(
    values: &[String],
    file: Option<&ConfigFile>,
    base: &PipelineConfig,
    features: &[String],
    dir: &Path,
) -> Result<Vec<TargetChoice>, ConfigError> {
    if values.is_empty() {
        return Ok(vec![TargetChoice {
            name: BUILTIN_EMULATOR.to_owned(),
            config: base.clone(),
        }]);
    }
    let has_builtin = values.iter().any(|v| is_builtin(v, file));
    let mut choices: Vec<TargetChoice> = Vec::new();
    for value in values {
        let choice = if is_url(value) {
            let mut config = base.clone();
            config.target = Some(value.clone());
            if has_builtin {
                // The emulator flags are the built-in emulator's.
                config.emulator = EmulatorOptions::default();
            }
            TargetChoice {
                name: unique_name(&host_of(value), &choices),
                config,
            }
        } else if let Some(entry) = file.and_then(|f| f.targets.get(value)) {
            if base.emulator != EmulatorOptions::default() {
                return Err(ConfigError::Usage(format!(
                    "--fault, --details-differ and --emulator-* set up the built-in `{BUILTIN_EMULATOR}` target; target `{value}` sets up its own in {}",
                    file.map_or(CONFIG_FILE_NAME.into(), |f| f.path.display().to_string())
                )));
            }
            from_entry(entry, base, features)?
        } else if value == BUILTIN_EMULATOR {
            let mut config = base.clone();
            config.target = None;
            TargetChoice {
                name: BUILTIN_EMULATOR.to_owned(),
                config,
            }
        } else {
            return Err(match file {
                Some(f) => ConfigError::UnknownTarget {
                    name: value.clone(),
                    file: f.path.display().to_string(),
                    declared: f.names(),
                },
                None => ConfigError::NoConfigFile {
                    name: value.clone(),
                    dir: if dir == Path::new(".") {
                        "the working directory".to_owned()
                    } else {
                        dir.display().to_string()
                    },
                },
            });
        };
        if choices.iter().any(|c| c.name == choice.name) {
            return Err(ConfigError::Duplicate(choice.name));
        }
        choices.push(choice);
    }
    if choices.len() > 1 {
        apart(&mut choices)?;
    }
    Ok(choices)
}

pub(super) fn is_url(value: &str) -> bool {
    value.contains("://")
}

fn is_builtin(value: &str, file: Option<&ConfigFile>) -> bool {
    value == BUILTIN_EMULATOR && file.is_none_or(|f| !f.targets.contains_key(value))
}

/// `host[:port]` of a URL, as a column name.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if host.is_empty() {
        url.to_owned()
    } else {
        host.to_owned()
    }
}

/// The same host twice (two ports, two paths) gets `-2`, `-3`.
fn unique_name(wanted: &str, taken: &[TargetChoice]) -> String {
    let mut name = wanted.to_owned();
    let mut n = 2;
    while taken.iter().any(|c| c.name == name) {
        name = format!("{wanted}-{n}");
        n += 1;
    }
    name
}

fn from_entry(
    entry: &TargetEntry,
    base: &PipelineConfig,
    features: &[String],
) -> Result<TargetChoice, ConfigError> {
    let unusable = |problem: String| ConfigError::Unusable {
        target: entry.name.clone(),
        location: entry.location.clone(),
        problem,
    };
    let mut config = base.clone();
    config.name = Some(entry.name.clone());
    match &entry.kind {
        TargetKind::Url(url) => {
            config.target = Some(url.clone());
            config.emulator = EmulatorOptions::default();
        }
        TargetKind::Emulator(e) => {
            config.target = None;
            config.emulator = EmulatorOptions {
                faults: e.faults.clone(),
                details_differ: e.details_differ,
                no_community: e.no_community,
                no_push: e.no_push,
                no_push_clock: e.no_push_clock,
                // `--latency` places every emulator target at that distance.
                latency: base.emulator.latency,
            };
        }
    }
    let key = match &entry.key {
        None => None,
        Some(KeyRef::Env(var)) => {
            if std::env::var(var).map_or(true, |v| v.trim().is_empty()) {
                return Err(unusable(format!(
                    "its key comes from the environment variable {var} (`key_env`), which is not set"
                )));
            }
            Some(KeySource::Env(var.clone()))
        }
        Some(KeyRef::File(path)) => {
            if !path.is_file() {
                return Err(unusable(format!(
                    "its key file {} (`key_file`) does not exist",
                    path.display()
                )));
            }
            Some(KeySource::File(path.clone()))
        }
    };
    let usersig = match &entry.usersig_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(sig) if !sig.trim().is_empty() => Some(sig.trim().to_owned()),
            _ => {
                return Err(unusable(format!(
                    "its UserSig comes from the environment variable {var} (`usersig_env`), which is not set"
                )));
            }
        },
    };
    config.app = AppIdentity {
        sdkappid: entry.sdkappid,
        admin: entry
            .admin
            .clone()
            .unwrap_or_else(|| DEFAULT_ADMIN.to_owned()),
        key,
        usersig,
    };
    if let Some(feature) = entry.require.iter().find(|f| !features.contains(f)) {
        return Err(unusable(format!(
            "`require` names unknown feature {feature:?} (the service declares {})",
            features.join(", ")
        )));
    }
    for feature in &entry.require {
        if !config.verdicts.require.contains(feature) {
            config.verdicts.require.push(feature.clone());
        }
    }
    if entry.known.is_some() {
        config.verdicts.known = entry.known.clone();
    }
    config.ledger = entry.ledger.clone().unwrap_or_else(|| {
        base.ledger
            .with_file_name(format!("ledger-{}.jsonl", entry.name))
    });
    Ok(TargetChoice {
        name: entry.name.clone(),
        config,
    })
}

/// Several runs at once must not write the same files: each target's snapshot mismatches
/// and baselines go to a folder of its own. Recording snapshots is for one target at a time.
fn apart(choices: &mut [TargetChoice]) -> Result<(), ConfigError> {
    if choices.iter().any(|c| c.config.snapshots.update) {
        return Err(ConfigError::Usage(
            "--update-snapshots records one target's responses: give a single --target".into(),
        ));
    }
    for choice in choices {
        let folder = folder_name(&choice.name);
        let config = &mut choice.config;
        let pending = match &config.snapshots.pending_dir {
            Some(dir) => dir.join(&folder),
            None => PathBuf::from(crate::contract::NEW_SNAPSHOTS_DIR).join(&folder),
        };
        config.snapshots.pending_dir = Some(pending);
        let baseline = &mut config.baseline;
        baseline.record = baseline.record.as_ref().map(|d| d.join(&folder));
        baseline.compare = baseline.compare.as_ref().map(|d| d.join(&folder));
    }
    Ok(())
}

/// A target's name as a folder name: a URL target's `host:port` loses its colon.
fn folder_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> Vec<String> {
        vec!["community_groups".into(), "push_service".into()]
    }

    fn file(text: &str) -> ConfigFile {
        ConfigFile::parse(Path::new("imconform.toml"), text).expect("a valid file")
    }

    fn resolve(values: &[&str], file: Option<&ConfigFile>) -> Result<Vec<TargetChoice>, String> {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        resolve_targets(
            &values,
            file,
            &PipelineConfig::default(),
            &features(),
            Path::new("/work/here"),
        )
        .map_err(|e| e.to_string())
    }

    const FILE: &str = "[targets.a]\nemulator = { faults = [\"avchatroom-refused\"] }\nrequire = [\"push_service\"]\nknown = \"k/a.yaml\"\n\n\
                        [targets.b]\nurl = \"https://b.example.com\"\nsdkappid = 7\nadmin = \"root\"\nkey_env = \"IMCONFORM_TEST_UNSET_VARIABLE_B\"\n";

    #[test]
    fn names_urls_and_the_builtin_emulator_each_become_a_run() {
        let f = file(FILE);
        let choices = resolve(&["a", "https://x.example.com:8443/", "emulator"], Some(&f)).unwrap();
        let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "x.example.com:8443", "emulator"]);
        let a = &choices[0].config;
        assert_eq!(a.target, None);
        assert_eq!(a.name.as_deref(), Some("a"));
        assert_eq!(a.emulator.faults, ["avchatroom-refused"]);
        assert_eq!(a.verdicts.require, ["push_service"]);
        assert_eq!(a.verdicts.known, Some(PathBuf::from("k/a.yaml")));
        assert_eq!(a.ledger, PathBuf::from(".imconform/ledger-a.jsonl"));
        assert_eq!(
            a.snapshots.pending_dir,
            Some(PathBuf::from("imconform-new-snapshots/a"))
        );
        let url = &choices[1].config;
        assert_eq!(url.target.as_deref(), Some("https://x.example.com:8443/"));
        assert_eq!(url.name, None);
        assert_eq!(url.ledger, PathBuf::from(".imconform/ledger.jsonl"));
        assert_eq!(choices[2].config.target, None);
        assert!(choices[2].config.emulator.faults.is_empty());
        // One target alone keeps the flags' folders.
        let one = resolve(&["a"], Some(&f)).unwrap();
        assert_eq!(one[0].config.snapshots.pending_dir, None);
    }

    #[test]
    fn a_named_url_target_takes_its_app_and_key_source_from_the_file() {
        // PATH is set wherever tests run; only its presence is checked here.
        let f = file(
            "[targets.c]\nurl = \"https://c.example.com\"\nsdkappid = 7\nadmin = \"root\"\nkey_env = \"PATH\"\n",
        );
        let c = &resolve(&["c"], Some(&f)).unwrap()[0].config;
        assert_eq!(c.target.as_deref(), Some("https://c.example.com"));
        assert_eq!(c.app.sdkappid, Some(7));
        assert_eq!(c.app.admin, "root");
        assert!(matches!(&c.app.key, Some(KeySource::Env(v)) if v == "PATH"));
    }

    #[test]
    fn what_cannot_be_run_is_said_before_anything_runs() {
        let f = file(FILE);
        assert_eq!(
            resolve(&["nosuch"], Some(&f)).unwrap_err(),
            "unknown target `nosuch`: imconform.toml declares `a`, `b` (a --target is a name from it, `emulator`, or an http:// or https:// URL)"
        );
        assert_eq!(
            resolve(&["nosuch"], None).unwrap_err(),
            "--target `nosuch` is neither an http:// or https:// URL nor `emulator`, and there is no imconform.toml in /work/here to name it (give --config FILE)"
        );
        assert_eq!(
            resolve(&["b"], Some(&f)).unwrap_err(),
            "target `b` (imconform.toml:6:1): its key comes from the environment variable IMCONFORM_TEST_UNSET_VARIABLE_B (`key_env`), which is not set"
        );
        assert_eq!(
            resolve(&["a", "a"], Some(&f)).unwrap_err(),
            "--target `a` is given twice"
        );
        let f = file("[targets.d]\nemulator = {}\nrequire = [\"teleport\"]\n");
        assert_eq!(
            resolve(&["d"], Some(&f)).unwrap_err(),
            "target `d` (imconform.toml:1:1): `require` names unknown feature \"teleport\" (the service declares community_groups, push_service)"
        );
        let f = file("[targets.e]\nemulator = {}\nkey_file = \"/no/such/key\"\n");
        assert!(
            resolve(&["e"], Some(&f))
                .unwrap_err()
                .ends_with("its key file /no/such/key (`key_file`) does not exist")
        );
    }

    #[test]
    fn several_targets_cannot_record_snapshots_and_keep_baselines_apart() {
        let values = vec!["emulator".to_owned(), "http://127.0.0.1:9".to_owned()];
        let mut base = PipelineConfig::default();
        base.baseline.compare = Some(PathBuf::from("base"));
        let choices = resolve_targets(&values, None, &base, &features(), Path::new(".")).unwrap();
        assert_eq!(
            choices[1].config.baseline.compare,
            Some(PathBuf::from("base/127.0.0.1_9"))
        );
        base.snapshots.update = true;
        let e = resolve_targets(&values, None, &base, &features(), Path::new(".")).unwrap_err();
        assert!(e.to_string().starts_with("--update-snapshots"), "{e}");
    }
}
