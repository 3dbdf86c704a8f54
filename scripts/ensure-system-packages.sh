#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real: MariaDB (MySQL behaviour), Redis (fan-out and
# shared rate limits), Chromium (browser tests), nginx (the load balancer of the production-shaped topology
# tests) and NSS's certutil (a browser profile that trusts the topology's test CA). As root on Debian/Ubuntu it uses apt-get; elsewhere it says what to install and fails.
set -euo pipefail

declare -A want=(
  [mariadbd]=mariadb-server
  [mariadb]=mariadb-client
  [redis-server]=redis-server
  [chromium]=chromium
  [nginx]=nginx
  [certutil]=libnss3-tools
)
extra=("$@")

missing=()
for binary in "${!want[@]}"; do
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$binary" ]; then
    missing+=("${want[$binary]}")
  fi
done
for pair in "${extra[@]}"; do
  binary=${pair%%=*}
  package=${pair#*=}
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$binary" ] && [ ! -x "/usr/bin/$binary" ]; then
    missing+=("$package")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages needed by the tests: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages' own services are not used: tests start private instances on free loopback ports.
  for service in mariadb redis-server nginx; do
    if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
  done
  exit 0
fi

echo "The tests need these Debian/Ubuntu packages, which are missing: ${missing[*]}" >&2
echo "Install them (e.g. sudo apt-get install ${missing[*]}) and run npm test again." >&2
exit 1
