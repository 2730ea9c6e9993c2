#!/usr/bin/env bash
# Installs what Lifeboat and its tests need on a fresh Debian/Ubuntu machine, and nothing twice:
# PostgreSQL server programs (Lifeboat starts its own private server from them). Extras on request:
#   scripts/setup.sh chromium | pgbackrest | periods | axe   (periods: SQL:2011 system versioning, the
#   benchmarks' peer for versioned writes, built for the PostgreSQL major version Lifeboat runs;
#   axe: the pinned axe-core the console's accessibility tests inject into each page, fetched once with
#   npm into LIFEBOAT_AXE_CACHE, ~/.cache/lifeboat/axe by default, npm itself from Debian if missing)
set -euo pipefail

# One pinned version: a new axe-core brings new rules, and a rule change should be a commit, not a surprise.
AXE_VERSION=4.10.3
axe_dir="${LIFEBOAT_AXE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lifeboat/axe}/axe-core-$AXE_VERSION"
want_axe=false
fetch_axe() {
  if ! $want_axe || [ -f "$axe_dir/axe.min.js" ]; then
    return 0
  fi
  echo "setup: fetching axe-core $AXE_VERSION into $axe_dir"
  local work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null && tar -xzf "axe-core-$AXE_VERSION.tgz")
  mkdir -p "$axe_dir"
  cp "$work/package/axe.min.js" "$axe_dir/axe.min.js.part" && mv "$axe_dir/axe.min.js.part" "$axe_dir/axe.min.js"
  rm -rf "$work"
}

need=()
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_pg || need+=(postgresql postgresql-contrib)

for extra in "$@"; do
  case "$extra" in
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    axe)
      want_axe=true
      [ -f "$axe_dir/axe.min.js" ] || command -v npm >/dev/null 2>&1 || need+=(npm)
      ;;
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
  fetch_axe
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
fetch_axe
echo "setup: done"
