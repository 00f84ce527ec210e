# Sourced by the scripts: builds (or finds) the imconform binary and starts the emulator.
# After `start_emulator ARGS...`: $BASE_URL is its base URL; it is stopped on exit.
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac

find_imconform() {
  if [ -n "${IMCONFORM_BIN:-}" ]; then
    BIN="$IMCONFORM_BIN"
  elif [ "${IMCONFORM_PROFILE:-debug}" = release ]; then
    cargo build --quiet --release --bin imconform
    BIN="$TARGET/release/imconform"
  else
    cargo build --quiet --bin imconform
    BIN="$TARGET/debug/imconform"
  fi
}

start_emulator() {
  local out
  out="$(mktemp)"
  "$BIN" serve --addr 127.0.0.1:0 "$@" >"$out" 2>&1 &
  SERVE_PID=$!
  trap 'kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    BASE_URL="$(head -n1 "$out" | grep -E '^https?://' || true)"
    [ -n "$BASE_URL" ] && break
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then
      cat "$out" >&2
      echo "imconform serve exited" >&2
      exit 3
    fi
    sleep 0.1
  done
  if [ -z "$BASE_URL" ]; then
    echo "imconform serve did not print its URL" >&2
    exit 3
  fi
}

# The emulator's defaults.
EMU_SDKAPPID=1400000000
EMU_KEY=imconform-emulator-test-key
EMU_ADMIN=administrator
