/* mailboxctl queue list | flush
 *
 * list reads the spool's envelopes without taking part in the queue's
 * recovery (mailboxd may be running): it only opens env/<id> files for
 * reading. flush asks the running mailboxd (SIGUSR1 to the pid in
 * state_dir/mailboxd.pid) to retry every deferred recipient now. */
#include "ctl/queue.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "smtp/envelope.h"
#include "smtp/queue_id.h"

#define QUEUE_USAGE "usage: queue list | queue flush"

static void print_time(uint64_t t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
	fputs(s, stdout);
}

static void print_envelope(const struct envelope *e)
{
	printf("%s %10llu  ", e->id, (unsigned long long)e->size);
	print_time(e->arrival);
	printf("  <%s>\n", e->sender);
	for (size_t i = 0; i < e->nrcpts; i++) {
		const struct rcpt *r = &e->rcpts[i];
		printf("    %-9s <%s>", rcpt_state_name(r->state), r->dest);
		if (strcmp(r->dest, r->orig) != 0)
			printf(" (for <%s>)", r->orig);
		if (r->state == RCPT_DEFERRED) {
			printf(" next try ");
			print_time(r->next_attempt);
		}
		if (*r->error)
			printf("\n              %s", r->error);
		putchar('\n');
	}
}

int ctl_queue_scan(const char *dir, ctl_queue_fn *fn, void *arg, size_t *n)
{
	struct buf envdir = BUF_INIT;
	buf_printf(&envdir, "%s/env", dir);
	*n = 0;
	DIR *d = opendir(envdir.data);
	if (d == NULL && errno == ENOENT) {
		/* mailboxd has not run yet: nothing was ever queued. */
		buf_free(&envdir);
		return 0;
	}
	if (d == NULL) {
		ctl_fail("%s: %s", envdir.data, strerror(errno));
		buf_free(&envdir);
		return -1;
	}
	size_t bad = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!queue_id_valid(de->d_name))
			continue;      /* ".", "..", <id>.tmp */
		struct buf path = BUF_INIT, data = BUF_INIT, err = BUF_INIT;
		struct envelope e = { .nrcpts = 0 };   /* decode fills it */
		buf_printf(&path, "%s/%s", envdir.data, de->d_name);
		if (file_read_all(path.data, ENVELOPE_MAX_FILE, &data, &err) &&
		    envelope_decode((const unsigned char *)data.data, data.len, &e, &err)) {
			fn(&e, arg);
			(*n)++;
		} else if (errno != ENOENT) {
			/* Delivered and removed while we looked is not an error. */
			fprintf(stderr, "mailboxctl: %s: %s\n", de->d_name, buf_cstr(&err));
			bad++;
		}
		envelope_free(&e);
		buf_free(&path);
		buf_free(&data);
		buf_free(&err);
	}
	closedir(d);
	buf_free(&envdir);
	return (int)(bad > 0);
}

static void print_one(const struct envelope *e, void *arg)
{
	(void)arg;
	print_envelope(e);
}

static int list(const char *dir)
{
	size_t n;
	int bad = ctl_queue_scan(dir, print_one, NULL, &n);
	if (bad < 0)
		return 1;
	if (n == 0 && bad == 0)
		printf("Mail queue is empty\n");
	else
		printf("-- %zu message%s in the queue\n", n, n == 1 ? "" : "s");
	return bad ? 1 : 0;
}

static int flush(const struct config *cfg)
{
	struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, "mailboxd.pid", &path);
	int rc = 0;
	long pid = 0;
	if (!file_read_all(path.data, 64, &text, &err))
		rc = ctl_fail("mailboxd is not running (%s)", buf_cstr(&err));
	else if ((pid = strtol(buf_cstr(&text), NULL, 10)) <= 1 ||
	    kill((pid_t)pid, SIGUSR1) != 0)
		rc = ctl_fail("cannot signal mailboxd (pid %ld from %s): %s", pid,
		    path.data, pid <= 1 ? "bad pid" : strerror(errno));
	else
		printf("asked mailboxd (pid %ld) to retry deferred mail now\n", pid);
	buf_free(&path);
	buf_free(&text);
	buf_free(&err);
	return rc;
}

int ctl_queue(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "flush") != 0))
		return ctl_usage(QUEUE_USAGE);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return 1;
	int rc;
	if (strcmp(argv[1], "list") == 0) {
		struct buf dir = BUF_INIT;
		config_state_path(cfg, "queue", &dir);
		rc = list(dir.data);
		buf_free(&dir);
	} else {
		rc = flush(cfg);
	}
	config_free(cfg);
	return rc;
}
