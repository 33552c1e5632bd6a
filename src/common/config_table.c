/* Every setting of mailbox.conf with its default, type and meaning.
 * man/mailbox.conf.5 documents this table; keep them together. */
#include "common/config_table.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "common/str.h"

#define INTRANGE(lo, hi) lo, hi, NULL
#define NORANGE 0, 0, NULL

const struct config_setting config_settings[] = {
	{ "hostname", CT_HOSTNAME, "localhost.localdomain", NORANGE,
	  "name of this mail server in greetings, Received headers and the certificate" },
	{ "state_dir", CT_ABSPATH, "/var/lib/archmailbox", NORANGE,
	  "directory of the database, queue, mail store, keys and certificates" },
	{ "run_user", CT_USER, "", NORANGE,
	  "if set, every process runs as this user instead of the dedicated system users" },
	{ "smtp_listen", CT_LISTEN, "0.0.0.0:25 [::]:25", NORANGE,
	  "addresses for incoming mail (SMTP with STARTTLS)" },
	{ "submission_listen", CT_LISTEN, "0.0.0.0:587 [::]:587", NORANGE,
	  "addresses for mail submission (STARTTLS, then AUTH)" },
	{ "submissions_listen", CT_LISTEN, "0.0.0.0:465 [::]:465", NORANGE,
	  "addresses for mail submission over implicit TLS" },
	{ "imap_listen", CT_LISTEN, "0.0.0.0:143 [::]:143", NORANGE,
	  "addresses for IMAP (STARTTLS)" },
	{ "imaps_listen", CT_LISTEN, "0.0.0.0:993 [::]:993", NORANGE,
	  "addresses for IMAP over implicit TLS" },
	{ "tls_cert", CT_PATH, "tls/fullchain.pem", NORANGE,
	  "certificate chain in PEM (relative paths are under state_dir)" },
	{ "tls_key", CT_PATH, "tls/private.key", NORANGE,
	  "private key of the certificate in PEM" },
	{ "max_message_size", CT_SIZE, "100M", NORANGE,
	  "largest message accepted, announced with SIZE" },
	{ "max_recipients", CT_INT, "100", INTRANGE(1, 100000),
	  "recipients accepted per message" },
	{ "max_sessions", CT_INT, "200", INTRANGE(1, 100000),
	  "concurrent SMTP sessions in all" },
	{ "max_sessions_per_ip", CT_INT, "50", INTRANGE(1, 100000),
	  "concurrent SMTP sessions from one client address" },
	{ "smtp_timeout", CT_INT, "300", INTRANGE(10, 3600),
	  "seconds an SMTP client may stay idle" },
	{ "compression", CT_ENUM, "xz", 0, 0, "xz|zstd|none",
	  "how stored messages are compressed" },
	{ "compression_level", CT_INT, "1", INTRANGE(0, 19),
	  "compression level (xz 0-9, zstd 1-19)" },
	{ "default_quota", CT_SIZE, "15G", NORANGE,
	  "mailbox quota of new users" },
	{ "resolver", CT_HOSTPORT, "", NORANGE,
	  "DNS resolver IP[:PORT] to use instead of the system's" },
	{ "dnssec_trust_anchor", CT_ABSPATH, "/usr/share/dns/root.key", NORANGE,
	  "DNSSEC trust anchors (zone file format) for DANE; unused if missing" },
	{ "outbound_port", CT_INT, "25", INTRANGE(1, 65535),
	  "port of remote mail exchangers" },
	{ "mta_sts_ca_file", CT_STRING, "", NORANGE,
	  "CA certificates (PEM) that MTA-STS checks against; empty: the system's" },
	{ "mta_sts_port", CT_INT, "443", INTRANGE(1, 65535),
	  "port of the HTTPS servers MTA-STS policies are fetched from" },
	{ "relay_host", CT_HOSTPORT, "", NORANGE,
	  "smarthost HOST[:PORT] for all outbound mail, if set" },
	{ "queue_retry_min", CT_INT, "300", INTRANGE(1, 86400),
	  "seconds before the first retry of deferred mail; doubles after each" },
	{ "queue_retry_max", CT_INT, "14400", INTRANGE(1, 604800),
	  "longest interval between retries, seconds" },
	{ "queue_lifetime", CT_INT, "432000", INTRANGE(1, 31536000),
	  "seconds after which undeliverable mail is bounced" },
	{ "delay_notice_after", CT_INT, "14400", INTRANGE(0, 31536000),
	  "seconds after which the sender of still deferred mail is told; 0: never" },
	{ "relay_auth_user", CT_STRING, "", NORANGE,
	  "user name for AUTH at relay_host; empty: no authentication" },
	{ "relay_auth_password_file", CT_STRING, "", NORANGE,
	  "file whose first line is the password for relay_auth_user" },
	{ "mask_src", CT_BOOL, "no", NORANGE,
	  "hide the client's address in Received headers of submitted mail" },
	{ "log_level", CT_ENUM, "info", 0, 0, "error|warning|info|debug",
	  "least important messages logged" },
};

const unsigned config_nsettings = sizeof config_settings / sizeof config_settings[0];

const struct config_setting *config_find(const char *key)
{
	for (unsigned i = 0; i < config_nsettings; i++)
		if (strcmp(config_settings[i].key, key) == 0)
			return &config_settings[i];
	return NULL;
}

bool config_parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	for (unsigned i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) { *out = true; return true; }
		if (strcasecmp(v, no[i]) == 0) { *out = false; return true; }
	}
	return false;
}

static bool valid_hostname(const char *h)
{
	size_t len = strlen(h), label = 0;
	if (len == 0 || len > 253 || h[0] == '.' || h[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return h[len - 1] != '-';
}

static bool valid_port(const char *p)
{
	char *end;
	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	long v = strtol(p, &end, 10);
	return errno == 0 && *end == '\0' && v >= 1 && v <= 65535;
}

static bool valid_ip(const char *s)
{
	unsigned char tmp[16];
	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

/* "1.2.3.4:25", "[::1]:25", "host:25"; with port_optional also without port. */
static bool valid_hostport(const char *s, bool port_optional, bool need_ip)
{
	char host[256];
	const char *port = NULL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || (size_t)(close - s - 1) >= sizeof host)
			return false;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		unsigned char tmp[16];
		if (inet_pton(AF_INET6, host, tmp) != 1)
			return false;
		if (close[1] == '\0')
			return port_optional;
		return close[1] == ':' && valid_port(close + 2);
	}
	const char *colon = strrchr(s, ':');
	if (colon != NULL && strchr(s, ':') != colon)
		return false;       /* bare IPv6 needs brackets */
	size_t hlen = colon ? (size_t)(colon - s) : strlen(s);
	if (hlen == 0 || hlen >= sizeof host)
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	port = colon ? colon + 1 : NULL;
	if (port == NULL && !port_optional)
		return false;
	if (port != NULL && !valid_port(port))
		return false;
	return need_ip ? valid_ip(host) : valid_ip(host) || valid_hostname(host);
}

static bool valid_listen(const char *v)
{
	char *copy = strdup(v), *save = NULL;
	bool ok = copy != NULL;
	for (char *t = ok ? strtok_r(copy, " \t,", &save) : NULL; t != NULL;
	    t = strtok_r(NULL, " \t,", &save))
		ok = ok && valid_hostport(t, false, true);
	free(copy);
	return ok;
}

static bool valid_int(const struct config_setting *s, const char *v)
{
	char *end;
	if (*v == '\0')
		return false;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' && n >= s->min && n <= s->max;
}

static bool valid_enum(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; *p; ) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, v, n) == 0)
			return true;
		p += len + (bar != NULL);
	}
	return false;
}

static bool valid_user(const char *v)
{
	size_t n = strlen(v);
	if (n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!isalnum(c) && c != '_' && c != '-' && c != '.' &&
		    !(c == '$' && i == n - 1))
			return false;
	}
	return n == 0 || v[0] != '-';
}

static bool printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static const char *type_name(const struct config_setting *s)
{
	switch (s->type) {
	case CT_HOSTNAME: return "a fully qualified host name";
	case CT_PATH:     return "a path";
	case CT_ABSPATH:  return "an absolute path";
	case CT_LISTEN:   return "a list of IP:PORT ([IPv6]:PORT) addresses";
	case CT_HOSTPORT: return "HOST[:PORT] or nothing";
	case CT_SIZE:     return "a size such as 100M or 15G";
	case CT_INT:      return "a whole number in range";
	case CT_BOOL:     return "yes or no";
	case CT_ENUM:     return "one of the listed choices";
	case CT_USER:     return "a user name";
	default:          return "printable text";
	}
}

bool config_check_value(const struct config_setting *s, const char *v,
    struct buf *err)
{
	unsigned long long size;
	bool b;
	bool ok = printable(v);
	switch (s->type) {
	case CT_STRING:   break;
	case CT_HOSTNAME: ok = ok && valid_hostname(v) && strchr(v, '.') != NULL; break;
	case CT_PATH:     ok = ok && *v != '\0'; break;
	case CT_ABSPATH:  ok = ok && v[0] == '/'; break;
	case CT_LISTEN:   ok = ok && valid_listen(v); break;
	case CT_HOSTPORT: ok = ok && (*v == '\0' || valid_hostport(v, true,
	    strcmp(s->key, "resolver") == 0)); break;
	case CT_SIZE:     ok = ok && str_parse_size(v, &size); break;
	case CT_INT:      ok = ok && valid_int(s, v); break;
	case CT_BOOL:     ok = ok && config_parse_bool(v, &b); break;
	case CT_ENUM:     ok = ok && valid_enum(s->choices, v); break;
	case CT_USER:     ok = ok && valid_user(v); break;
	}
	if (!ok) {
		buf_printf(err, "%s: invalid value '%s': expected %s", s->key, v,
		    type_name(s));
		if (s->type == CT_INT)
			buf_printf(err, " %lld..%lld", s->min, s->max);
		if (s->type == CT_ENUM)
			buf_printf(err, " (%s)", s->choices);
	}
	return ok;
}
