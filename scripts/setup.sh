#!/usr/bin/env bash
# Installs what Lifeboat and its tests need on a fresh Debian/Ubuntu machine, and nothing twice:
# PostgreSQL server programs (Lifeboat starts its own private server from them). Extras on request:
#   scripts/setup.sh chromium | pgbackrest | periods | axe | postfix | nginx | wrk   (periods: SQL:2011 system versioning, the
#   benchmarks' peer for versioned writes, built for the PostgreSQL major version Lifeboat runs;
#   axe: the pinned axe-core the console's accessibility tests inject into each page, fetched once with
#   npm into LIFEBOAT_AXE_CACHE, ~/.cache/lifeboat/axe by default, npm itself from Debian if missing;
#   postfix: a real mail server on 127.0.0.1 only, which delivers mail for the domain lifeboat.test into the
#   Maildir /var/mail/lifeboat-test/inbox, where the notification tests read it back, and for the reserved names the
#   sample's customers use (example.com, its subdomains and the .example top-level domain, RFC 2606) into
#   /var/mail/lifeboat-test/example, where the drill and the benchmarks count it; anything else, such as .invalid, is
#   refused at RCPT time, except support.lifeboat.test, which postfix relays to Lifeboat's SMTP listener on 127.0.0.1:2525; nginx and wrk: the status page benchmark's peer web server and load generator,
#   installed without starting Debian's own nginx service)
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

want_postfix=false
# Loopback only, nothing relayed anywhere, no STARTTLS (it would offer a self-signed certificate no client should
# accept): mail to anyone@lifeboat.test lands in /var/mail/lifeboat-test/inbox/.
configure_postfix() {
  if ! $want_postfix; then
    return 0
  fi
  "${as_root[@]}" mkdir -p /var/mail/lifeboat-test
  "${as_root[@]}" chown 65534:65534 /var/mail/lifeboat-test
  # The virtual agent allows no substitution in its maps: every recipient shares one Maildir (tests tell theirs by the To header).
  printf '%s\n' '/@lifeboat\.test$/ inbox/' '/@([a-z0-9-]+\.)*example(\.com)?$/ example/' | "${as_root[@]}" tee /etc/postfix/lifeboat-mailboxes >/dev/null
  echo '/^([a-z0-9-]+\.)*example(\.com)?$/ OK' | "${as_root[@]}" tee /etc/postfix/lifeboat-domains >/dev/null
  "${as_root[@]}" postconf -e \
    'inet_interfaces = loopback-only' 'inet_protocols = ipv4' 'myhostname = lifeboat.localhost' 'mydestination = localhost' \
    'mynetworks = 127.0.0.0/8' 'relayhost =' 'default_transport = error:this mail server delivers to lifeboat.test and the example domains only' \
    'virtual_mailbox_domains = lifeboat.test, regexp:/etc/postfix/lifeboat-domains' 'virtual_mailbox_base = /var/mail/lifeboat-test' \
    'virtual_mailbox_maps = regexp:/etc/postfix/lifeboat-mailboxes' 'virtual_uid_maps = static:65534' 'virtual_gid_maps = static:65534' \
    'smtpd_tls_security_level = none' 'maillog_file = /var/log/postfix.log' \
    'smtpd_error_sleep_time = 0' 'smtpd_soft_error_limit = 1000' 'smtpd_hard_error_limit = 10000'
  # Mail to anyone@support.lifeboat.test is relayed to Lifeboat's own SMTP listener on loopback (the server's
  # Lifeboat:Support:Inbound:Listen=127.0.0.1:2525): it becomes a ticket. While Lifeboat is down postfix keeps the mail in
  # its queue and tries again, so nothing is lost.
  echo 'support.lifeboat.test smtp:[127.0.0.1]:2525' | "${as_root[@]}" tee /etc/postfix/lifeboat-transport >/dev/null
  # Its size limit is above Lifeboat's (25 MB: three 5 MB files in base64), so a mail too large hears why from Lifeboat.
  "${as_root[@]}" postconf -e 'relay_domains = support.lifeboat.test' 'transport_maps = texthash:/etc/postfix/lifeboat-transport' \
    'message_size_limit = 30000000'
  if "${as_root[@]}" postfix status >/dev/null 2>&1; then
    "${as_root[@]}" postfix reload >/dev/null 2>&1
  else
    "${as_root[@]}" postfix start >/dev/null 2>&1
  fi
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
    postfix)
      want_postfix=true
      command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || need+=(postfix)
      ;;
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light) ;;
    wrk) command -v wrk >/dev/null 2>&1 || need+=(wrk) ;;
    periods)
      # The extension must match the server's major version: the newest installed, as LocalPostgres picks it.
      major="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
      major="${major:-15}"
      [ -f "/usr/share/postgresql/$major/extension/periods.control" ] || need+=("postgresql-$major-periods")
      ;;
  esac
done

# Root acts itself; anyone else through sudo, when there is one (installing needs it; configuring postfix too).
as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
fi

if [ ${#need[@]} -eq 0 ]; then
  fetch_axe
  configure_postfix
  exit 0
fi

echo "setup: installing ${need[*]}"
if [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ]; then
  echo "setup: ${need[*]} must be installed, and this user cannot install packages. Ask an administrator to run: apt-get install ${need[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# postfix asks how it is used unless told: a local-only server, configured below.
if printf '%s\n' "${need[@]}" | grep -qx postfix; then
  printf 'postfix postfix/main_mailer_type select Local only\npostfix postfix/mailname string lifeboat.localhost\n' | "${as_root[@]}" debconf-set-selections
fi
# Debian starts the services it installs (nginx on every interface's port 80); the benchmark starts its own on loopback.
no_start=false
if printf '%s\n' "${need[@]}" | grep -qx nginx-light && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  no_start=true
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
if $no_start; then
  "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
fi
# The Debian package starts a cluster of its own; Lifeboat does not use it.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r version name _; do
    "${as_root[@]}" pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
  done
fi
fetch_axe
configure_postfix
echo "setup: done"
