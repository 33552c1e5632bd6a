/* mailboxctl check: one line per check, "OK", "WARN" or "FAIL", a
 * subject and the reason. */
#ifndef AMB_CTL_CHECK_H
#define AMB_CTL_CHECK_H
#include <stdbool.h>

#include "ctl/zone.h"
#include "mailauth/spf.h"

enum check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct check_report {
	unsigned n[3];          /* lines per level */
};

void check_line(struct check_report *r, enum check_level lv,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* check_dns.c: every record of the zone; the reverse DNS of the public
 * addresses (a FAIL when there are none). */
void check_records(const struct ctl_zone *z, struct check_report *r);
void check_reverse(const struct ctl_zone *z, struct check_report *r);
/* check_spf.c: the SPF result for mail from postmaster@domain sent from
 * addr, the domain's published policy evaluated through z's resolver. */
enum spf_result check_spf_for(const struct ctl_zone *z, const char *addr,
    const char *domain);

/* check_net.c: every configured listener answers; port 25 refuses to
 * relay. */
void check_ports(const struct config *cfg, struct check_report *r);
void check_open_relay(const struct config *cfg, struct check_report *r);

/* certinfo.c: the certificate of tls_cert. */
struct cert_info {
	bool loaded;
	char error[256];
	long long not_after;     /* Unix time */
	bool self_signed;
	bool names_host;         /* valid for hostname */
	bool key_matches;        /* tls_key is its private key */
	bool chain_ok;           /* verifies against the system's CAs */
	char chain_error[128];   /* why not */
};
void cert_info_load(const struct config *cfg, struct cert_info *ci);
void check_certificate(const struct config *cfg, struct check_report *r);

#endif
