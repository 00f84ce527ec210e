#!/usr/bin/env bash
# Schemathesis against the emulator, from the exported OpenAPI document.
#   scripts/schemathesis.sh [MAX_EXAMPLES]      (default 20 examples per operation)
# Installs schemathesis from PyPI into a venv under target/, starts `imconform serve` on a free
# port with the API rate limits off, exports the document with that server URL and runs the
# server-error and response-schema checks with a valid UserSig on every request.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-serve.sh
MAX_EXAMPLES="${1:-20}"
VENV="$TARGET/venv-schemathesis"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet schemathesis
fi
find_imconform
start_emulator --no-api-rate-limits --no-write-rate-limits
OUT="$TARGET/schemathesis"
mkdir -p "$OUT"
"$BIN" export openapi --server "$BASE_URL" --output "$OUT/openapi.json"
IMCONFORM_USERSIG="$("$BIN" usersig --sdkappid "$EMU_SDKAPPID" --key "$EMU_KEY" --identifier "$EMU_ADMIN")"
export IMCONFORM_USERSIG
cat >"$OUT/schemathesis.toml" <<TOML
# The app and admin are fixed; the UserSig comes through the document's security scheme.
[parameters]
"query.sdkappid" = $EMU_SDKAPPID
"query.identifier" = "$EMU_ADMIN"

[auth.openapi.UserSig]
api_key = "\${IMCONFORM_USERSIG}"
TOML
echo "schemathesis: $("$VENV/bin/schemathesis" --version) against $BASE_URL, $MAX_EXAMPLES examples per operation"
start=$(date +%s)
set +e
# From $OUT, so that schemathesis' own cache directories stay under target/.
(cd "$OUT" && "$VENV/bin/schemathesis" --config-file schemathesis.toml run openapi.json \
  --url "$BASE_URL" \
  --checks not_a_server_error,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" \
  --seed 1 \
  --workers 1 \
  --no-color \
  --generation-database none \
  --report junit,har --report-dir report)
status=$?
set -e
echo "schemathesis: exit $status after $(( $(date +%s) - start ))s"
exit $status
