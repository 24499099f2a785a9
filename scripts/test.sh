#!/usr/bin/env bash
# `npm test`: typecheck, build the web client, then run every test file under test/.
# Installs what npm cannot (system packages) first, and says so; skips nothing silently.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
command -v curl >/dev/null || need_apt+=(curl)
# The webmail's end-to-end tests and `npm run bench:web` drive Debian's Chromium
# (test/e2e/, scripts/lib/chromium.ts expect it at /usr/bin/chromium).
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
# The MX's spam filter tests run a real rspamd (test/helpers/rspamd.ts).
command -v rspamd >/dev/null || need_apt+=(rspamd)
if ((${#need_apt[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "npm test needs these system packages: ${need_apt[*]} (run as root, or install them: apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  echo "installing system packages: ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

[[ -d node_modules ]] || npm ci --no-audit --no-fund

echo "== lint and format (biome.jsonc)"
npx biome check .
echo "== typecheck (server, crypto, tests; client components)"
npm run --silent typecheck
echo "== build web client"
npx vite build --logLevel warn
echo "== tests"
mapfile -t files < <(find test -name '*.test.ts' | sort)
# Each file runs in its own process; two at a time on this 2-core machine.
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
