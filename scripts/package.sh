#!/usr/bin/env bash
# Builds the installable packages: the release app and the `golive` CLI, bundled by Tauri's
# own bundler (@tauri-apps/cli at the lockfile's version) into a Debian package and an RPM,
# each holding the app (`golive-app`, with its desktop entry and icons at every size),
# `/usr/bin/golive`, and the commit they were built from (`golive --version`, the app's
# About line). AppImage stays in the bundle configuration for connected builds: its bundler
# downloads helper tools (linuxdeploy) at build time, which an offline machine cannot.
# Prints the paths of the packages it made, one per line, last.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2

# The commit goes into both binaries (option_env! in the engine); "+dirty" when the tree
# has changes that are not committed, so a package never claims a commit it does not match.
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit+dirty"; fi
export GOLIVE_COMMIT="$commit"

echo "==> building the app and the golive CLI (release, commit $commit)" >&2
# One cargo run for both binaries, so what they share (the engine, Stripe's client, tokio…)
# is compiled once; the app with `custom-protocol`, as `tauri build` would build it (its
# window loads the embedded ui/dist, built by setup.sh above). Then Tauri's bundler packs
# what was built.
cargo build --release --quiet -p golive-app -p golive-cli --features golive-app/custom-protocol >&2
echo "==> bundling the app (.deb, .rpm)" >&2
rm -rf target/release/bundle/deb target/release/bundle/rpm
# --ci: no prompts.
npx --no-install tauri bundle --ci --bundles deb,rpm >&2
ls target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm
