#!/usr/bin/env bash
# Checks that the contract built into the binary follows specs/ and snapshots/: a file added,
# edited or removed there is in the next build (rust-embed alone tracks edits only; build.rs
# makes cargo notice the rest). It does this on a real `cargo install` of a copy of the tracked
# files, so the checkout is left alone, and runs the installed binary from an empty directory.
# The copy shares this checkout's target dir, so only imconform itself is compiled.
# Usage: scripts/check-contract-build.sh   (about 2-3 minutes on 2 cores)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$src/target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo" "$work/cwd"
(cd "$src" && git ls-files -z | xargs -0 tar cf -) | (cd "$work/repo" && tar xf -)

install() {
  cargo install --quiet --locked --offline --debug --force --path "$work/repo" \
    --root "$work/root" --target-dir "$target" 2>&1 |
    grep -v -e "^warning: be sure to add" -e "^ *Installed" -e "^ *Replaced" || true
}
imconform() { (cd "$work/cwd" && "$work/root/bin/imconform" "$@"); }
fail() { echo "check-contract-build: FAILED: $*" >&2; exit 1; }
exported() {
  rm -rf "$work/cwd/out"
  imconform export contract out >/dev/null
}

echo "== install, then run from an empty directory"
install
schemas() { imconform lint | sed -n 's/.* \([0-9]*\) schema files.*/\1/p'; }
before="$(schemas)"
[ -n "$before" ] || fail "lint did not count the schema files"
echo "built in: $before schema files"

echo "== a schema file and a snapshot added"
echo '{"type": "object"}' > "$work/repo/specs/schemas/zz_probe.json"
printf -- '---\nsource: "probe"\nexpression: "probe"\n---\n{"probe": 1}\n' \
  > "$work/repo/snapshots/zz_probe.snap"
install
[ "$(schemas)" = "$((before + 1))" ] || fail "an added schema file is not built in"
exported
grep -q '"probe": 1' "$work/cwd/out/snapshots/zz_probe.snap" || fail "an added snapshot is not built in"

echo "== the snapshot edited"
printf -- '---\nsource: "probe"\nexpression: "probe"\n---\n{"probe": 2}\n' \
  > "$work/repo/snapshots/zz_probe.snap"
install
exported
grep -q '"probe": 2' "$work/cwd/out/snapshots/zz_probe.snap" || fail "an edited snapshot is not rebuilt"

echo "== both removed"
rm "$work/repo/specs/schemas/zz_probe.json" "$work/repo/snapshots/zz_probe.snap"
install
[ "$(schemas)" = "$before" ] || fail "a removed schema file is still built in"
exported
[ ! -e "$work/cwd/out/snapshots/zz_probe.snap" ] || fail "a removed snapshot is still built in"
echo "check-contract-build: ok (added, edited and removed files all reach the installed binary)"
