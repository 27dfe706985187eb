#!/usr/bin/env bash
# Installs what locflow uses from Debian's packages when they are missing:
# Apertium with its fr-es and eng-spa pairs and the APy server (real offline
# translation), Redis (queue, glossary, TM), Chromium (web page tests) and xmllint
# (schema checks of the XLIFF and TMX exports).
# Needs root; without it, prints what to install and exits 0 so `npm run
# setup` never blocks a user who does not want system packages.
set -euo pipefail

need=()
command -v apertium >/dev/null 2>&1 || need+=(apertium)
[ -e /usr/share/apertium/modes/fr-es.mode ] || need+=(apertium-fr-es)
[ -e /usr/share/apertium/modes/spa-eng.mode ] || need+=(apertium-eng-spa)
command -v apertium-apy >/dev/null 2>&1 || need+=(apertium-apy)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# xmllint validates XLIFF exports against the OASIS strict schema and TMX against its DTD in the tests.
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: not root; install these Debian packages yourself: ${need[*]}" >&2
    exit 0
  fi
  echo "setup: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Redis must answer for the queue and the tests; start a local one without persistence if none does.
if ! redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/locflow.log
  for _ in $(seq 1 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
echo "setup: apertium $(command -v apertium >/dev/null && echo ok || echo missing), redis $(redis-cli ping 2>/dev/null || echo missing), chromium $(command -v chromium >/dev/null && echo ok || echo missing)" >&2
