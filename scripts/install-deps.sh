#!/bin/sh
# Installs the Debian packages that building, testing and `make run` need.
# Quiet and quick when everything is already there.
set -eu
PKGS="build-essential clang pkg-config libssl-dev libsodium-dev libsqlite3-dev
liblzma-dev libzstd-dev libevent-dev libunbound-dev libcurl4-openssl-dev
libjansson-dev libidn2-dev libunistring-dev libpsl-dev publicsuffix openssl
sqlite3 mandoc python3 python3-pytest python3-nacl python3-dkim opendkim-tools
swaks isync python3-dnslib postfix pebble debhelper nftables sieve-connect opendkim
clamav-daemon rspamd"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# Tests run private Postfix instances; the system one stays unconfigured.
case "$missing" in *" postfix"*)
	echo "postfix postfix/main_mailer_type select No configuration" |
		$SUDO debconf-set-selections ;;
esac
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
