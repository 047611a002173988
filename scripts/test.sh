#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, checks format and
# lints, runs the UI unit tests, builds the installable package, then every Rust test
# (engine, stand-ins, CLI, the real app under Xvfb through WebDriver) inside a D-Bus session
# with an unlocked gnome-keyring, and last the package installed and used as a user would
# (scripts/test-package.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# The suite builds each crate once per run: incremental data would only add gigabytes to the
# target folder (it was 12 of CI's 40 GB when the disk filled). A developer may set it to 1.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> front-end type check and unit tests"
mkdir -p target
npx --no-install tsc --noEmit -p ui
npx --no-install vitest run --root ui --reporter=default --reporter=json --outputFile.json="$PWD/target/vitest.json"

echo "==> cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "==> the installable package (scripts/package.sh: release build, .deb and .rpm)"
export GOLIVE_TEST_DEB
GOLIVE_TEST_DEB=$(bash scripts/package.sh | grep '\.deb$')
# The installed golive installs its node packages with npm from this cache (filled by
# setup.sh's npm install), offline: the tests' HOME below is a new one.
export GOLIVE_TEST_NPM_CACHE
GOLIVE_TEST_NPM_CACHE=$(npm config get cache)

echo "==> cargo test (under Xvfb, with a private Secret Service)"
export GOLIVE_SCREENSHOT_DIR="${GOLIVE_SCREENSHOT_DIR:-$PWD/target/screenshots}"
# The rehearsal's node packages (wrangler, stripe): the locked ones setup.sh installed, so no
# test reaches the npm registry.
export GOLIVE_NODE_MODULES="$PWD/node_modules"
# The tests' keyring is a new, empty one in a private HOME: never the machine's login keyring.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
test_home=$(mktemp -d)
trap 'rm -rf "$test_home"' EXIT
export HOME="$test_home" XDG_DATA_HOME="$test_home/.local/share" XDG_CONFIG_HOME="$test_home/.config" XDG_CACHE_HOME="$test_home/.cache"
xvfb-run -a -s '-screen 0 1280x900x24' dbus-run-session -- sh -c \
  'echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && cargo test --workspace 2>&1' \
  | tee target/cargo-test.log

echo "==> the installed package, used as a user would"
xvfb-run -a -s '-screen 0 1280x900x24' dbus-run-session -- sh -c \
  'echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && bash scripts/test-package.sh "$GOLIVE_TEST_DEB" 2>&1' \
  | tee target/package-test.log

# One closing line for the whole suite: cargo's last line is a doc-test run of 0 tests.
rust_passed=$(grep -Eo '^test result: [a-zA-Z]+\. [0-9]+ passed' target/cargo-test.log | awk '{s+=$4} END {print s+0}')
rust_failed=$(grep -Eo '[0-9]+ failed;' target/cargo-test.log | awk '{s+=$1} END {print s+0}')
ui_passed=$(node -p 'require("./target/vitest.json").numPassedTests')
ui_failed=$(node -p 'require("./target/vitest.json").numFailedTests')
package_passed=$(sed -n 's/^package: \([0-9]*\) checks passed$/\1/p' target/package-test.log)
echo
echo "suite: $((rust_passed + ui_passed + ${package_passed:-0})) passed, $((rust_failed + ui_failed)) failed"
