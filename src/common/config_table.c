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
	{ "managesieve_listen", CT_LISTEN, "", NORANGE,
	  "addresses for ManageSieve (STARTTLS; 4190 is its port), none by default" },
	{ "tls_cert", CT_PATH, "tls/fullchain.pem", NORANGE,
	  "certificate chain in PEM (relative paths are under state_dir)" },
	{ "tls_key", CT_PATH, "tls/private.key", NORANGE,
	  "private key of the certificate in PEM" },
	{ "acme_directory", CT_STRING, "https://acme-v02.api.letsencrypt.org/directory",
	  NORANGE, "ACME server directory URL for `mailboxctl cert issue`" },
	{ "acme_extra_names", CT_HOSTLIST, "", NORANGE,
	  "names the certificate covers besides hostname (space-separated)" },
	{ "acme_tls_port", CT_INT, "443", INTRANGE(0, 65535),
	  "port where mailboxd answers TLS-ALPN-01 challenges (0: none)" },
	{ "acme_http_port", CT_INT, "80", INTRANGE(0, 65535),
	  "port where mailboxd answers HTTP-01 challenges (0: none)" },
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
	{ "public_ipv4", CT_IPV4, "", NORANGE,
	  "the server's public IPv4 address, for mailboxctl dns and check" },
	{ "public_ipv6", CT_IPV6, "", NORANGE,
	  "the server's public IPv6 address, for mailboxctl dns and check" },
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
	{ "dnsbl_zones", CT_HOSTLIST, "", NORANGE,
	  "DNS block lists (space-separated zones) asked about inbound clients" },
	{ "dnsbl_action", CT_ENUM, "score", 0, 0, "score|reject",
	  "a listed client: its mail gets dnsbl_score points (score), or 554 at RCPT (reject)" },
	{ "dnsbl_score", CT_SCORE, "3.0", INTRANGE(0, 1000000),
	  "spam points a message gets for each list naming its client" },
	{ "greylisting", CT_BOOL, "no", NORANGE,
	  "defer mail from an unknown client/sender/recipient triplet once" },
	{ "greylist_delay", CT_INT, "300", INTRANGE(1, 86400),
	  "seconds a new triplet is deferred" },
	{ "greylist_expiry", CT_INT, "35", INTRANGE(1, 3650),
	  "days a triplet not seen again is remembered" },
	{ "spam_junk_score", CT_SCORE, "5.0", INTRANGE(-1000000, 1000000),
	  "spam score from which a message is filed into Junk" },
	{ "spam_reject_score", CT_SCORE, "15.0", INTRANGE(-1000000, 1000000),
	  "spam score from which mail is refused at the end of DATA" },
	{ "rspamd_url", CT_STRING, "", NORANGE,
	  "rspamd's normal worker, e.g. http://127.0.0.1:11333, to ask about inbound mail" },
	{ "clamd_socket", CT_STRING, "", NORANGE,
	  "clamd's socket (absolute path, or HOST:PORT) to scan inbound mail for viruses" },
	{ "filter_fail", CT_ENUM, "open", 0, 0, "open|closed",
	  "when rspamd or clamd is down: accept with a header (open) or defer (closed)" },
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

bool config_parse_score(const char *v, long long *thousandths)
{
	bool neg = *v == '-';
	long long n = 0;
	int frac = -1;          /* digits after the point; -1: no point yet */
	v += neg || *v == '+';
	if (!isdigit((unsigned char)*v))
		return false;
	for (; *v; v++) {
		if (*v == '.' && frac < 0) {
			frac = 0;
		} else if (isdigit((unsigned char)*v) && frac < 3 &&
		    n < 2000000000LL) {
			n = n * 10 + (*v - '0');
			frac += frac >= 0;
		} else {
			return false;
		}
	}
	for (int i = frac < 0 ? 0 : frac; i < 3; i++)
		n *= 10;
	if (n > 2000000000LL)
		return false;
	*thousandths = neg ? -n : n;
	return true;
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

static bool valid_ip_of(int af, const char *s)
{
	unsigned char tmp[16];
	return inet_pton(af, s, tmp) == 1;
}

static bool valid_ip(const char *s)
{
	return valid_ip_of(AF_INET, s) || valid_ip_of(AF_INET6, s);
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

static bool valid_hostlist(const char *v)
{
	char name[256];
	while (*v) {
		size_t n = strcspn(v, " \t");
		if (n >= sizeof name)
			return false;
		memcpy(name, v, n);
		name[n] = '\0';
		if (n > 0 && (!valid_hostname(name) || strchr(name, '.') == NULL))
			return false;
		v += n + strspn(v + n, " \t");
	}
	return true;
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
	case CT_SCORE:    return "a score such as 5.0 or -1.5";
	case CT_HOSTLIST: return "space-separated host names";
	case CT_IPV4:     return "an IPv4 address or nothing";
	case CT_IPV6:     return "an IPv6 address or nothing";
	default:          return "printable text";
	}
}

bool config_check_value(const struct config_setting *s, const char *v,
    struct buf *err)
{
	unsigned long long size;
	long long score;
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
	case CT_SCORE:    ok = ok && config_parse_score(v, &score) &&
	    score >= s->min && score <= s->max; break;
	case CT_HOSTLIST: ok = ok && valid_hostlist(v); break;
	case CT_IPV4:     ok = ok && (*v == '\0' || valid_ip_of(AF_INET, v)); break;
	case CT_IPV6:     ok = ok && (*v == '\0' || valid_ip_of(AF_INET6, v)); break;
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
