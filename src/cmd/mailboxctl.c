/* mailboxctl: administration of an archmailbox instance. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ctl/ctl.h"

static const struct {
	const char *name;
	ctl_cmd_fn *fn;
	const char *usage;
} commands[] = {
	{ "init",   ctl_init,   "init DIR --domain DOMAIN [--hostname HOST] [--local]" },
	{ "config", ctl_config, "config get [KEY] | config set KEY VALUE" },
	{ "domain", ctl_domain, "domain add DOMAIN [--postmaster ADDR] | del DOMAIN [--force] | list" },
	{ "user",   ctl_user,   "user add ADDR [--password-stdin] [--quota SIZE] [--no-encryption]\n"
	                        "  user del ADDR | passwd ADDR [--password-stdin] [--reset]\n"
	                        "  user list [DOMAIN]" },
	{ "alias",  ctl_alias,  "alias add SRC DST | del SRC [DST] | list" },
	{ "resolve", ctl_resolve, "resolve ADDRESS" },
	{ "queue",  ctl_queue,  "queue list | flush | delete ID" },
	{ "sieve",  ctl_sieve,  "sieve set ADDR FILE [--name N] | get ADDR [NAME] | list ADDR\n"
	                        "  sieve del ADDR NAME | activate ADDR NAME | deactivate ADDR" },
	{ "spam",   ctl_spam,   "spam train ADDR --spam|--ham FILE... | status ADDR" },
	{ "cert",   ctl_cert,   "cert issue [--staging] [--directory URL] [--directory-ca FILE]\n"
	                        "  cert renew [--force] | deploy FULLCHAIN KEY | status" },
	{ "import", ctl_import, "import archmailbox --db FILE --mail DIR [--dkim DIR] [--acme DIR]\n"
	                        "  import encpipe FILE [--output OUT] [--passphrase-file F]\n"
	                        "  import maildir ADDR PATH | mbox ADDR FILE [--folder NAME]" },
	{ "export", ctl_export, "export ADDR DIR [--password-stdin]" },
	{ "backup", ctl_backup, "backup [--output FILE|-] [--passphrase-file F] "
	                        "[--incremental SINCE-FILE]\n"
	                        "  backup verify FILE [--passphrase-file F]" },
	{ "restore", ctl_restore, "restore FILE [INCREMENTAL...] [--into DIR] [--yes] "
	                        "[--passphrase-file F]" },
	{ "dkim",   ctl_dkim,   "dkim keygen DOMAIN [--selector S] | list | dns DOMAIN\n"
	                        "  dkim rotate DOMAIN [--selector S] | sign DOMAIN [FILE]\n"
	                        "  dkim verify [FILE] [--key NAME=RECORD]..." },
	{ "dns",    ctl_dns,    "dns [DOMAIN]" },
	{ "check",  ctl_check,  "check" },
	{ "status", ctl_status, "status" },
	{ "ban",    ctl_ban,    "ban list | del ADDR" },
	{ "spf",    ctl_spf,    "spf IP HELO MAILFROM" },
	{ "dmarc",  ctl_dmarc,  "dmarc FILE IP HELO MAILFROM" },
};

static int usage(FILE *out)
{
	fprintf(out, "usage: mailboxctl [-c CONF] COMMAND [ARGS]\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %s\n", commands[i].usage);
	return out == stdout ? 0 : 2;
}

/* Takes every "-c CONF" (or "-cCONF", "--config CONF") out of argv, so the
 * option works before or after the subcommand. Returns the new argc. */
static int strip_conf_option(int argc, char **argv, const char **conf)
{
	int out = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) &&
		    i + 1 < argc) {
			*conf = argv[++i];
		} else if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] != '\0') {
			*conf = argv[i] + 2;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "mailboxctl: libsodium failed to initialise\n");
		return 1;
	}
	struct ctl ctl = { NULL };
	argc = strip_conf_option(argc, argv, &ctl.conf_arg);
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(&ctl, argc - 1, argv + 1);
	fprintf(stderr, "mailboxctl: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
