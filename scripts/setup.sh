#!/usr/bin/env bash
# Installs what golive needs on a fresh Debian/Ubuntu machine: the system libraries Tauri
# builds against (and, with --test, what the tests drive: Xvfb, WebKitWebDriver, a Secret
# Service), the node packages from package-lock.json (wrangler, tauri-driver, the UI
# toolchain), then builds the front end. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

app_packages=(pkg-config build-essential libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev libssl-dev)
# git: the audit's tests make fixture repositories with it.
test_packages=(git xvfb xauth webkit2gtk-driver dbus dbus-daemon gnome-keyring libsecret-tools imagemagick)
packages=("${app_packages[@]}")
$want_test && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "cargo is missing: install Rust from https://rustup.rs, then run this again." >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js is missing: install Node.js 20 or newer (wrangler needs it), then run this again." >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "Node.js $(node --version) is too old: wrangler 4 needs 20 or newer." >&2; exit 1; }

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The versions are the lockfile's. Not `npm ci`: it refuses a lockfile that lacks other
  # platforms' optional binaries (e.g. @tauri-apps/cli-darwin-arm64), which a registry may
  # not carry at the pinned version; `npm install --no-save` installs the same tree and
  # never rewrites the lockfile.
  echo "==> installing node packages (locked versions)"
  npm install --no-save --no-audit --no-fund --loglevel=error
fi

# The front end is rebuilt only when what it is built from changed (by content, not mtimes):
# a rebuild rewrites ui/dist, and the app embeds ui/dist, so every rebuild would also make
# cargo recompile the app.
ui_hash=$(cat package-lock.json ui/index.html ui/tsconfig.json ui/vite.config.ts \
  $(find ui/src -type f ! -name '*.test.ts' | LC_ALL=C sort) | sha256sum | cut -d' ' -f1)
if [ -f ui/dist/index.html ] && [ "$(cat ui/dist/.source-hash 2>/dev/null)" = "$ui_hash" ]; then
  echo "==> the front end is up to date"
else
  echo "==> building the front end"
  npm run --silent build:ui >/dev/null
  echo "$ui_hash" > ui/dist/.source-hash
fi
