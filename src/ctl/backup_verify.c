/* mailboxctl backup verify FILE [--passphrase-file F]: decrypts and
 * checks a whole backup (every chunk authenticated, every record and
 * file hash), writing nothing. */
#include "ctl/ctl.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl/backup.h"

#define VERIFY_USAGE "usage: backup verify FILE [--passphrase-file F]"

static void print_summary(const struct backup_file *bf,
    const struct backup_check *c)
{
	char when[64] = "?";
	time_t t = (time_t)(bf->h.created_us / 1000000);
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("%s: %s backup of %s, made %s\n"
	    "  config %s, state_dir %s\n"
	    "  %llu directories, %llu files (%llu bytes)",
	    bf->path, c->incremental ? "incremental" : "full",
	    c->info.hostname ? c->info.hostname : "?", when,
	    c->info.config_path, c->info.state_dir,
	    (unsigned long long)c->dirs, (unsigned long long)c->files,
	    (unsigned long long)c->bytes);
	if (c->incremental)
		printf(", %llu unchanged files listed", (unsigned long long)c->listed);
	printf("\n  OK: every chunk authenticated, every file matches its hash\n");
}

int ctl_backup_verify(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	static const struct option longopts[] = {
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *passfile = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'p')
			return ctl_usage(VERIFY_USAGE);
		passfile = optarg;
	}
	if (optind != argc - 1)
		return ctl_usage(VERIFY_USAGE);
	struct backup_file bf;
	struct backup_check chk;
	struct password pw = { NULL, 0 };
	struct progress pr;
	struct buf err = BUF_INIT;
	memset(&chk, 0, sizeof chk);
	bool ok = backup_file_open(&bf, argv[optind], &err);
	if (ok) {
		chk.incremental = bf.h.kind == ARCHIVE_INCREMENTAL;
		progress_start(&pr, "verify", bf.size, PROGRESS_BYTES);
		ok = backup_passphrase(passfile, false, &pw, &err) &&
		    backup_file_unlock(&bf, &pw, &err) &&
		    backup_file_read(&bf, &backup_check_ops, &chk, &pr, &err);
		progress_end(&pr);
		if (ok)
			print_summary(&bf, &chk);
		backup_file_close(&bf);
	}
	int rc = ok ? 0 : ctl_fail("backup verify: %s: %s", argv[optind],
	    buf_cstr(&err));
	password_free(&pw);
	backup_check_free(&chk);
	buf_free(&err);
	return rc;
}
