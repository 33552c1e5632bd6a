/* mailboxctl ban list | del ADDR
 *
 * The bans live in state_dir/bans, kept by mailboxd's master (see
 * common/banlist.h). list reads it; del removes the address from it
 * under the file's lock, deletes its nftables element, and sends SIGHUP
 * to the running mailboxd so lookup lifts the ban at once. */
#include "ctl/ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/banlist.h"
#include "common/config.h"
#include "common/fileutil.h"
#include "common/xmalloc.h"

#define BAN_USAGE "usage: ban list | ban del ADDR"

static int ban_list(const char *path)
{
	struct banlist *l = xmalloc(sizeof *l);
	struct buf err = BUF_INIT;
	long long now = (long long)time(NULL);
	int rc = 0;
	if (!banlist_load(path, now, l, &err)) {
		rc = ctl_fail("ban list: %s", buf_cstr(&err));
	} else {
		for (size_t i = 0; i < l->n; i++) {
			char date[32];
			time_t t = (time_t)l->v[i].until;
			struct tm tm;
			strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
			printf("%-40s until %s (%lld s)\n", l->v[i].addr, date,
			    l->v[i].until - now);
		}
		if (l->n == 0)
			printf("no address is banned\n");
	}
	free(l);
	buf_free(&err);
	return rc;
}

/* Tells mailboxd, if it runs, to re-read the list. */
static void signal_daemon(const struct config *cfg)
{
	struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, "mailboxd.pid", &path);
	long pid = file_read_all(path.data, 64, &text, &err) ?
	    strtol(buf_cstr(&text), NULL, 10) : 0;
	if (pid > 1 && kill((pid_t)pid, SIGHUP) != 0)
		fprintf(stderr, "mailboxctl: cannot signal mailboxd (pid %ld): %s\n",
		    pid, strerror(errno));
	buf_free(&path);
	buf_free(&text);
	buf_free(&err);
}

static int ban_del(const struct config *cfg, const char *path, const char *addr)
{
	char canon[BAN_ADDR_MAX];
	if (!ban_addr_canon(addr, canon))
		return ctl_usage("ban del: '%s' is not an IP address", addr);
	struct banlist *l = xmalloc(sizeof *l);
	struct buf err = BUF_INIT;
	int rc = 0;
	int lock = banlist_lock(config_str(cfg, "state_dir"));
	if (lock < 0)
		rc = ctl_fail("ban del: cannot lock the ban list: %s", strerror(errno));
	else if (!banlist_load(path, (long long)time(NULL), l, &err))
		rc = ctl_fail("ban del: %s", buf_cstr(&err));
	else if (!banlist_del(l, canon))
		rc = ctl_fail("ban del: %s is not banned", canon);
	else if (!banlist_save(path, l, &err))
		rc = ctl_fail("ban del: %s", buf_cstr(&err));
	banlist_unlock(lock);
	struct nft_cmd cmd;
	if (rc == 0 && nft_ban_cmd(false, canon, 0, &cmd))
		(void)nft_run(&cmd);    /* no set or no element: nothing to drop */
	if (rc == 0) {
		signal_daemon(cfg);
		printf("%s unbanned\n", canon);
	}
	free(l);
	buf_free(&err);
	return rc;
}

int ctl_ban(struct ctl *ctl, int argc, char **argv)
{
	bool list = argc == 2 && strcmp(argv[1], "list") == 0;
	bool del = argc == 3 && strcmp(argv[1], "del") == 0;
	if (!list && !del)
		return ctl_usage(BAN_USAGE);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return 1;
	struct buf path = BUF_INIT;
	config_state_path(cfg, BANLIST_FILE, &path);
	int rc = list ? ban_list(path.data) : ban_del(cfg, path.data, argv[2]);
	buf_free(&path);
	config_free(cfg);
	return rc;
}
