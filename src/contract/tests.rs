use std::path::{Path, PathBuf};

use super::*;

fn repo(part: Part) -> ContractSource {
    ContractSource::dir(
        part,
        Path::new(env!("CARGO_MANIFEST_DIR")).join(part.dir_name()),
    )
}

/// The built-in copy is the repository's contract, file for file and byte for byte. This is
/// also what fails when a file added to `specs/` or `snapshots/` did not rebuild the crate.
#[test]
fn the_built_in_contract_is_the_repository_one() {
    for part in [Part::Specs, Part::Snapshots] {
        let (built_in, local) = (ContractSource::embedded(part), repo(part));
        let files = built_in.files(Path::new("")).unwrap();
        let on_disk = local.files(Path::new("")).unwrap();
        let only = |a: &[PathBuf], b: &[PathBuf]| -> Vec<PathBuf> {
            a.iter().filter(|p| !b.contains(p)).cloned().collect()
        };
        assert!(
            files == on_disk,
            "{part:?}: only in the repository {:?}, only built in {:?} (a file added or removed did not rebuild the crate: build.rs names both folders)",
            only(&on_disk, &files),
            only(&files, &on_disk)
        );
        for rel in &files {
            assert_eq!(
                built_in.read(rel).unwrap(),
                local.read(rel).unwrap(),
                "{rel:?}"
            );
        }
    }
    let specs = ContractSource::embedded(Part::Specs);
    for rel in [
        "service.yaml",
        "endpoints/get_group_attr.yaml",
        "schemas/envelope.json",
        "language/endpoint.schema.json",
        "language/service.schema.json",
    ] {
        assert!(specs.exists(Path::new(rel)), "{rel} is not built in");
    }
    assert!(!specs.exists(Path::new("language/check.py")));
    let snapshots = ContractSource::embedded(Part::Snapshots)
        .files(Path::new(""))
        .unwrap();
    assert!(snapshots.len() >= 20, "{snapshots:?}");
    assert!(snapshots.iter().any(|p| p.starts_with("attr-2022")));
}

#[test]
fn files_lists_a_folder_and_reads_nothing_outside() {
    let specs = ContractSource::embedded(Part::Specs);
    let endpoints = specs.files(Path::new("endpoints")).unwrap();
    assert!(endpoints.len() >= 15);
    assert!(endpoints.iter().all(|p| p.starts_with("endpoints")));
    assert!(specs.files(Path::new("nothing")).unwrap().is_empty());
    assert!(
        repo(Part::Specs)
            .files(Path::new("nothing"))
            .unwrap()
            .is_empty()
    );
    let err = specs.read(Path::new("../Cargo.toml")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(specs.read(Path::new("/etc/hostname")).is_err());
}

#[test]
fn built_in_files_are_named_as_an_export_lays_them_out() {
    let specs = ContractSource::embedded(Part::Specs);
    assert_eq!(
        specs.shown_path(Path::new("endpoints/x.yaml")),
        PathBuf::from("specs/endpoints/x.yaml")
    );
    assert_eq!(
        specs.uri_path(Path::new("specs/endpoints/x.yaml")),
        PathBuf::from("/imconform-embedded/specs/endpoints/x.yaml")
    );
    let local = ContractSource::dir(Part::Specs, "my/specs");
    assert_eq!(
        local.shown_path(Path::new("service.yaml")),
        PathBuf::from("my/specs/service.yaml")
    );
    assert_eq!(specs.to_string(), "embedded");
    assert_eq!(local.to_string(), "my/specs");
}

#[test]
fn embedded_is_the_only_word_that_means_the_built_in_copy() {
    assert!(ContractSource::from_arg(Part::Specs, Path::new("embedded")).is_embedded());
    let dir = ContractSource::from_arg(Part::Specs, Path::new("./embedded"));
    assert_eq!(dir.local_dir(), Some(Path::new("./embedded")));
}

#[test]
fn a_written_contract_has_the_built_in_fingerprint_until_edited() {
    let dest = tempfile::tempdir().unwrap();
    let written = write_embedded(dest.path(), false).unwrap();
    assert_eq!(written.specs_dir, dest.path().join("specs"));
    assert!(written.spec_files >= 30 && written.snapshot_files >= 20);
    let built_in = describe(
        &ContractSource::embedded(Part::Specs),
        &ContractSource::embedded(Part::Snapshots),
    );
    let copy = |dir: &Path| {
        describe(
            &ContractSource::dir(Part::Specs, dir.join("specs")),
            &ContractSource::dir(Part::Snapshots, dir.join("snapshots")),
        )
    };
    assert_eq!(copy(dest.path()).fingerprint, built_in.fingerprint);
    assert!(built_in.fingerprint.starts_with("sha256:") && built_in.fingerprint.len() == 71);
    assert_eq!(built_in.embedded_version.as_deref(), Some(VERSION));
    assert_eq!(copy(dest.path()).embedded_version, None);

    // Writing again is refused (the copy may hold edits), unless asked for.
    assert!(matches!(
        write_embedded(dest.path(), false),
        Err(WriteError::Exists(_))
    ));
    let extra = dest.path().join("snapshots/mine.snap");
    std::fs::write(&extra, "---\n---\n{}\n").unwrap();
    assert_ne!(copy(dest.path()).fingerprint, built_in.fingerprint);
    write_embedded(dest.path(), true).unwrap();
    assert!(extra.exists(), "--force leaves other files alone");
    std::fs::remove_file(&extra).unwrap();
    assert_eq!(copy(dest.path()).fingerprint, built_in.fingerprint);

    // One changed byte changes it.
    let service = dest.path().join("specs/service.yaml");
    let mut text = std::fs::read(&service).unwrap();
    text.push(b'\n');
    std::fs::write(&service, text).unwrap();
    assert_ne!(copy(dest.path()).fingerprint, built_in.fingerprint);
}

#[test]
fn labels_say_which_contract_ran() {
    let built_in = describe(
        &ContractSource::embedded(Part::Specs),
        &ContractSource::embedded(Part::Snapshots),
    );
    let short = &built_in.fingerprint[..19];
    assert_eq!(
        built_in.label(),
        format!("embedded (imconform {VERSION}, {short})")
    );
    let mixed = describe(
        &ContractSource::dir(Part::Specs, "my/specs"),
        &ContractSource::embedded(Part::Snapshots),
    );
    assert!(
        mixed.label().starts_with(&format!(
            "specs my/specs, snapshots embedded in imconform {VERSION} (sha256:"
        )),
        "{}",
        mixed.label()
    );
}

#[test]
fn a_lint_argument_names_the_built_in_contract_a_spec_directory_or_a_contract_directory() {
    let (specs, snapshots) = sources_in(Path::new("embedded"));
    assert!(specs.is_embedded() && snapshots.is_some_and(|s| s.is_embedded()));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (specs, snapshots) = sources_in(&repo.join("specs"));
    assert_eq!(specs.local_dir(), Some(repo.join("specs").as_path()));
    assert!(snapshots.is_none(), "a spec directory brings no snapshots");
    let (specs, snapshots) = sources_in(repo);
    assert_eq!(specs.local_dir(), Some(repo.join("specs").as_path()));
    assert_eq!(
        snapshots.unwrap().local_dir(),
        Some(repo.join("snapshots").as_path())
    );
}
