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
echo "deps: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
