#!/usr/bin/env bash
# Exports the OpenAPI document for every profile and validates it with openapi-spec-validator
# (installed from PyPI into a venv under target/). Usage: scripts/openapi-validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET/venv-openapi"
if [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet openapi-spec-validator
fi
BIN="${IMCONFORM_BIN:-}"
if [ -z "$BIN" ]; then
  cargo build --quiet --bin imconform
  BIN="$TARGET/debug/imconform"
fi
OUT="$TARGET/openapi"
mkdir -p "$OUT"
status=0
for profile in current attr-2022 push-legacy; do
  doc="$OUT/openapi-$profile.json"
  "$BIN" export openapi --profile "$profile" --output "$doc"
  if "$VENV/bin/openapi-spec-validator" "$doc"; then
    echo "openapi-validate: $profile: valid"
  else
    echo "openapi-validate: $profile: INVALID" >&2
    status=1
  fi
done
exit $status
