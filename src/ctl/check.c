/* mailboxctl check: the config (already validated when it loaded), the
 * certificate, the published DNS records, reverse DNS, the listeners,
 * and that port 25 is not an open relay. Exit status 1 if any FAILed. */
#include "ctl/check.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/config.h"

static const char *const level_names[] = { "OK  ", "WARN", "FAIL" };

void check_line(struct check_report *r, enum check_level lv,
    const char *fmt, ...)
{
	va_list ap;
	struct buf b = BUF_INIT;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	printf("%s %s\n", level_names[lv], buf_cstr(&b));
	fflush(stdout);
	buf_free(&b);
	r->n[lv]++;
}

int ctl_check(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage("usage: check");
	struct check_report r = { { 0 } };
	struct ctl_zone z;
	/* A listener that hangs up must not kill us in the middle. */
	signal(SIGPIPE, SIG_IGN);
	if (!ctl_zone_load(ctl, NULL, &z)) {
		printf("FAIL config: cannot be loaded (see above)\n");
		ctl_zone_free(&z);
		return 1;
	}
	check_line(&r, CHECK_OK, "config %s: valid", config_file(z.cfg));
	check_certificate(z.cfg, &r);
	check_records(&z, &r);
	check_reverse(&z, &r);
	check_ports(z.cfg, &r);
	check_open_relay(z.cfg, &r);
	printf("-- %u OK, %u WARN, %u FAIL\n", r.n[CHECK_OK], r.n[CHECK_WARN],
	    r.n[CHECK_FAIL]);
	ctl_zone_free(&z);
	return r.n[CHECK_FAIL] ? 1 : 0;
}
