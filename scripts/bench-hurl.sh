#!/usr/bin/env bash
# Side-by-side: the same cases as one Hurl file (`imconform export hurl`) and as
# `imconform run --no-pacing`, against one emulator with the API and write rate limits off.
#   scripts/bench-hurl.sh [REPETITIONS] [LATENCY_MS]   (default 5 repetitions, 0 ms)
# LATENCY_MS makes the emulator answer each request that much later (`serve --latency`), as a
# distant target would: Hurl sends one request at a time, imconform runs cases side by side.
# Installs Hurl with `cargo install` under target/tools (needs the Debian packages
# libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev; installed with apt-get when missing
# and running as root). IMCONFORM_PROFILE=debug measures the debug build instead of release.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${1:-5}"
LATENCY_MS="${2:-0}"
export IMCONFORM_PROFILE="${IMCONFORM_PROFILE:-release}"
. scripts/lib-serve.sh
HURL_VERSION=8.0.1   # the newest that builds with Rust 1.95
HURL="$TARGET/tools/bin/hurl"

if ! [ -x "$HURL" ] || ! "$HURL" --version | grep -q "hurl $HURL_VERSION"; then
  missing=""
  for p in libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && apt-get install -y -qq $missing
    else
      echo "bench-hurl: install these Debian packages first:$missing" >&2
      exit 4
    fi
  fi
  echo "bench-hurl: cargo install hurl@$HURL_VERSION (several minutes)"
  cargo install "hurl@$HURL_VERSION" --locked --root "$TARGET/tools" --target-dir "$TARGET/hurl-build"
fi

find_imconform
start_emulator --no-api-rate-limits --no-write-rate-limits --latency "$LATENCY_MS"
OUT="$TARGET/bench-hurl"
mkdir -p "$OUT"

# The cases: everything but the write-rate probes (the write limit is off); cases Hurl
# cannot express (another UserSig per step) are reported by the export and left out of both.
SELECT=(--exclude rate)
"$BIN" export hurl "${SELECT[@]}" --output "$OUT/cases.hurl" --case-list "$OUT/hurl.ids" 2>"$OUT/export.log"
tail -n1 "$OUT/export.log"
while read -r id; do SELECT+=(--exclude "$id"); done < <(awk '/^# skipped /{sub(/:$/,"",$3); print $3}' "$OUT/cases.hurl")
"$BIN" run "${SELECT[@]}" --list >"$OUT/imconform.ids"
if ! diff -q "$OUT/hurl.ids" "$OUT/imconform.ids" >/dev/null; then
  echo "bench-hurl: the two selections differ:" >&2
  diff "$OUT/hurl.ids" "$OUT/imconform.ids" >&2 || true
  exit 3
fi
echo "bench-hurl: $(wc -l <"$OUT/hurl.ids") cases, $(grep -c '^HTTP ' "$OUT/cases.hurl") requests each side; $REPS repetitions; latency $LATENCY_MS ms; imconform: $BIN; $("$HURL" --version | head -n1 | cut -d' ' -f1-2)"

USERSIG="$("$BIN" usersig --sdkappid "$EMU_SDKAPPID" --key "$EMU_KEY" --identifier "$EMU_ADMIN")"
now() { date +%s.%N; }
hurl_times=()
imc_times=()
for i in $(seq 1 "$REPS"); do
  # Fresh fixture names each repetition, so no state is reused.
  "$BIN" export hurl "${SELECT[@]}" --run-id "$(printf 'b%02d%05d' "$i" $$)" --output "$OUT/cases.hurl" 2>/dev/null
  t0=$(now)
  "$HURL" --test --no-color \
    --variable "base_url=$BASE_URL" --variable "sdkappid=$EMU_SDKAPPID" \
    --variable "identifier=$EMU_ADMIN" --variable "usersig=$USERSIG" \
    "$OUT/cases.hurl" >"$OUT/hurl-$i.log" 2>&1 || { cat "$OUT/hurl-$i.log" >&2; echo "bench-hurl: hurl failed" >&2; exit 1; }
  t1=$(now)
  IMCONFORM_SECRET_KEY="$EMU_KEY" "$BIN" run --target "$BASE_URL" --sdkappid "$EMU_SDKAPPID" \
    "${SELECT[@]}" --no-pacing >"$OUT/imconform-$i.log" 2>&1 || { cat "$OUT/imconform-$i.log" >&2; echo "bench-hurl: imconform failed" >&2; exit 1; }
  t2=$(now)
  h=$(awk "BEGIN{print $t1 - $t0}"); m=$(awk "BEGIN{print $t2 - $t1}")
  hurl_times+=("$h"); imc_times+=("$m")
  awk -v i="$i" -v h="$h" -v m="$m" 'BEGIN{printf "bench-hurl: run %d: hurl %.3f s, imconform %.3f s, ratio %.2f\n", i, h, m, m / h}'
done
# On loopback the goal is half Hurl's time; at a distance, a tenth (cases side by side).
GOAL=0.5; [ "$LATENCY_MS" -gt 0 ] && GOAL=0.1
echo "${hurl_times[*]}" "${imc_times[*]}" | awk -v n="$REPS" -v goal="$GOAL" '{
  for (i = 1; i <= n; i++) { h += $i; m += $(i + n) }
  printf "bench-hurl: mean of %d: hurl %.3f s, imconform %.3f s, ratio imconform/hurl %.3f (goal <= %s), imconform %.1fx as fast\n", n, h / n, m / n, m / h, goal, h / m
}'
