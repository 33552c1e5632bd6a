#!/bin/sh
# `make run`: a demo instance in ./var for example.test with user
# demo@example.test, then the server in the foreground.
set -eu
BIN=${1:-build/rel/bin}
VAR=${VAR:-$PWD/var}
CONF="$VAR/mailbox.conf"
CTL="$BIN/mailboxctl -c $CONF"

if [ ! -f "$CONF" ]; then
	"$BIN/mailboxctl" init "$VAR" --domain example.test --local
	PASS=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
	printf '%s\n' "$PASS" | $CTL user add demo@example.test --password-stdin
	printf '%s\n' "$PASS" > "$VAR/demo-password"
	chmod 600 "$VAR/demo-password"
fi
PASS=$(cat "$VAR/demo-password")
cat <<MSG

archmailbox demo instance in $VAR
  domain     example.test
  user       demo@example.test
  password   $PASS   (also in $VAR/demo-password)
  config     $CONF   (mailboxctl -c $CONF ...)
  SMTP 127.0.0.1:2525, submission 2587, submissions 2465,
  IMAP 127.0.0.1:2143, IMAPS 2993 (self-signed certificate)

MSG
cat <<MSG
Deliver a message to it (in another terminal):
  swaks --server 127.0.0.1:2525 --to demo@example.test --from someone@sender.test --header "Subject: hello" --body "Hello from swaks"

Read it back, decrypted:
  ls $VAR/mail/example.test/demo/Maildir/new/
  $BIN/treesutil -d -u demo@example.test -C $CONF -i FILE -o message.eml < $VAR/demo-password

Stop the server with Ctrl-C.

MSG
exec "$BIN/mailboxd" -c "$CONF" -f
