#!/usr/bin/env bash
# Installs what Lifeboat and its tests need on a fresh Debian/Ubuntu machine, and nothing twice:
# PostgreSQL server programs (Lifeboat starts its own private server from them). Extras on request:
#   scripts/setup.sh chromium | pgbackrest | periods   (periods: SQL:2011 system versioning, the
#   benchmarks' peer for versioned writes, built for the PostgreSQL major version Lifeboat runs)
set -euo pipefail

need=()
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_pg || need+=(postgresql postgresql-contrib)

for extra in "$@"; do
  case "$extra" in
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    pgbackrest) command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest) ;;
    periods)
      # The extension must match the server's major version: the newest installed, as LocalPostgres picks it.
      major="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
      major="${major:-15}"
      [ -f "/usr/share/postgresql/$major/extension/periods.control" ] || need+=("postgresql-$major-periods")
      ;;
  esac
done

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: ${need[*]} must be installed, and this user cannot install packages. Ask an administrator to run: apt-get install ${need[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package starts a cluster of its own; Lifeboat does not use it.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r version name _; do
    "${as_root[@]}" pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
  done
fi
echo "setup: done"
