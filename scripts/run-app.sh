#!/usr/bin/env bash
# Installs what is missing and opens the golive window. With no Stripe account it opens the
# offline rehearsal: local stand-ins for Stripe and Cloudflare, nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The rehearsal drives a real wrangler: the one this repository installs.
export GOLIVE_WRANGLER="${GOLIVE_WRANGLER:-$PWD/node_modules/.bin/wrangler}"
echo "==> building and starting golive (the first build takes a few minutes)"
exec cargo run --release --quiet -p golive-app
