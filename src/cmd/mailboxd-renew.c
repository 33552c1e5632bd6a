/* mailboxd-renew: the master's twice-daily certificate check, run as
 * `mailboxd-renew -c CONF`; it is `mailboxctl cert renew`, kept out of
 * the master so the master does not map libcurl and OpenSSL. */
#include <stdio.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl/ctl.h"

int main(int argc, char **argv)
{
	const char *conf = NULL;
	int c;
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			fprintf(stderr, "usage: mailboxd-renew -c CONF\n");
			return 2;
		}
		conf = optarg;
	}
	if (optind != argc || sodium_init() < 0)
		return 2;
	struct ctl ctl = { .conf_arg = conf };
	char *args[] = { (char *)"cert", (char *)"renew", NULL };
	int rc = ctl_cert(&ctl, 2, args);
	fflush(stdout);
	return rc;
}
