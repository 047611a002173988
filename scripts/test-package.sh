#!/usr/bin/env bash
# The installable package as a user gets it. Installs the .deb scripts/package.sh built
# (path in $1) with dpkg, checks what it put where, then — from a folder outside the source
# tree, in a fresh HOME and data folder, with no GOLIVE_NODE_MODULES, no GOLIVE_WRANGLER and
# no repository node_modules anywhere on PATH — runs `golive --version`, the whole offline
# rehearsal with the installed CLI (golive installs its pinned node packages itself with
# `npm ci`, from the npm cache setup.sh filled, so nothing reaches the network), and the
# installed app to its first paint; then removes the package. Needs a display and a Secret
# Service (scripts/test.sh runs it inside its Xvfb and D-Bus session), and root or sudo.
# Prints one line per check and "package: N checks passed" last; exits non-zero on the first
# failed check.
set -euo pipefail
deb=$(realpath "$1")
repo=$(realpath "$(dirname "$0")/..")
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
checks=0
ok() { checks=$((checks + 1)); echo "  ✓ $*"; }
fail() { echo "  ✗ $*" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  $sudo_cmd dpkg -r golive >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> package: install $(basename "$deb") ($(du -h "$deb" | cut -f1))"
$sudo_cmd dpkg -i "$deb" >/dev/null
files=$(dpkg -L golive)
for f in /usr/bin/golive /usr/bin/golive-app /usr/share/applications/golive.desktop \
  /usr/share/icons/hicolor/{32x32,64x64,128x128,256x256,512x512}/apps/golive-app.png; do
  grep -qx "$f" <<<"$files" || fail "the package has no $f"
done
ok "the package holds both binaries, the desktop entry and icons at 32–512 px"
grep -q '^Exec=golive-app' /usr/share/applications/golive.desktop || fail "the desktop entry does not start golive-app"
ok "the desktop entry starts golive-app"

# A user's world: a new HOME, a folder far from the source tree, PATH without the repository.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME" "$work/elsewhere"
cd "$work/elsewhere"
unset GOLIVE_NODE_MODULES GOLIVE_WRANGLER GOLIVE_DATA_DIR GOLIVE_STRIPE_API_BASE CLOUDFLARE_API_BASE_URL CLOUDFLARE_API_TOKEN
PATH=$(tr ':' '\n' <<<"$PATH" | grep -v "^$repo" | paste -sd: -)
export PATH
# npm installs from the cache setup.sh filled, and may not go to the network for anything.
export npm_config_cache="${GOLIVE_TEST_NPM_CACHE:?set by scripts/test.sh}" npm_config_offline=true

commit=$(git -C "$repo" rev-parse --short=12 HEAD)
version=$(golive --version)
[[ "$version" == "golive 0.1.0 (commit $commit"* ]] || fail "golive --version says “$version”, not commit $commit"
ok "golive --version: $version"

started=$(date +%s)
if ! golive --rehearsal go-live --yes --accept-suggestions --report "$work/report" >"$work/go-live.out" 2>&1; then
  tail -30 "$work/go-live.out" >&2
  fail "the installed CLI did not complete the offline rehearsal"
fi
ok "the installed CLI walked the whole offline rehearsal in $(( $(date +%s) - started )) s"
[ -x "$XDG_DATA_HOME/golive/node/node_modules/.bin/wrangler" ] || fail "golive did not install its node packages in its data folder"
ok "golive installed wrangler and stripe into its data folder"
grep -q "Rehearsal passed" "$work/report/go-live-report.md" || fail "the go-live report does not say the rehearsal passed"
ok "the go-live report says the rehearsal passed"

first_paint=$(GOLIVE_BENCH_FIRST_PAINT=1 timeout 120 golive-app 2>/dev/null | sed -n 's/^first-paint-ms //p')
[ -n "$first_paint" ] || fail "the installed app did not paint its first view within 2 minutes"
ok "the installed app painted its first view in $first_paint ms"

cd /
$sudo_cmd dpkg -r golive >/dev/null
[ ! -e /usr/bin/golive ] && [ ! -e /usr/bin/golive-app ] || fail "removing the package left its binaries"
ok "the package removes cleanly"
echo "package: $checks checks passed"
