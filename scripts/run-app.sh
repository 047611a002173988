#!/usr/bin/env bash
# Installs what is missing and opens the golive window. With no Stripe account it opens the
# offline rehearsal: local stand-ins for Stripe and Cloudflare, nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The rehearsal drives a real wrangler and runs its sample Worker with the npm `stripe`
# package: the ones this repository installs (an installed golive fetches them once instead).
export GOLIVE_WRANGLER="${GOLIVE_WRANGLER:-$PWD/node_modules/.bin/wrangler}"
export GOLIVE_NODE_MODULES="${GOLIVE_NODE_MODULES:-$PWD/node_modules}"
echo "==> building and starting golive (the first build takes a few minutes)"
exec cargo run --release --quiet -p golive-app
