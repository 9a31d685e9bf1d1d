#!/usr/bin/env bash
# Installs the database engines the local cloud runs, from Debian, when they
# are missing: PostgreSQL 15 (postgres instances), MariaDB (mysql and
# mariadb instances) and Redis (ElastiCache redis and valkey groups). As root it installs them; otherwise it says what to
# install and goes on (the local cloud names a missing engine when asked
# for it).
set -euo pipefail

need=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || command -v postgres >/dev/null || need+=(postgresql-15)
command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || need+=(mariadb-server)
command -v redis-server >/dev/null || [[ -x /usr/bin/redis-server ]] || need+=(redis-server)
[[ ${#need[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing ${need[*]}; install them (Debian: sudo apt-get install ${need[*]}) for the engines that need them" >&2
  exit 0
fi
# apt's output (hundreds of lines) goes to a log, not into the first screen.
log=${XDG_CACHE_HOME:-$HOME/.cache}/provider-appinfra/deps.log
mkdir -p "$(dirname "$log")"
echo "deps: installing ${need[*]} from Debian (a minute or two; log: $log)" >&2
export DEBIAN_FRONTEND=noninteractive
# A new machine's first boot may hold apt's lock (unattended upgrades): wait.
if ! { apt-get -o DPkg::Lock::Timeout=600 update && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
  echo "deps: installing ${need[*]} failed; the end of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "deps: installed ${need[*]}" >&2
