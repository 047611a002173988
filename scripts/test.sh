#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, checks format and
# lints, runs the UI unit tests, then every Rust test (engine, stand-ins, CLI, the real app
# under Xvfb through WebDriver) inside a D-Bus session with an unlocked gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> front-end type check and unit tests"
npx --no-install tsc --noEmit -p ui
npx --no-install vitest run --root ui

echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "==> cargo test (under Xvfb, with a Secret Service)"
export GOLIVE_SCREENSHOT_DIR="${GOLIVE_SCREENSHOT_DIR:-$PWD/target/screenshots}"
xvfb-run -a -s '-screen 0 1280x900x24' dbus-run-session -- sh -c \
  'echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && cargo test --workspace'
