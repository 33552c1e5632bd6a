/* mailboxctl queue list | flush | delete ID
 *
 * list reads the spool's envelopes without taking part in the queue's
 * recovery (mailboxd may be running): it only opens env/<id> files for
 * reading. flush asks the running mailboxd (SIGUSR1 to the pid in
 * state_dir/mailboxd.pid) to retry every deferred recipient now.
 * delete leaves a request, queue/delete/<id>, for the queue process,
 * which owns the spool, and wakes it with flush's SIGUSR1 (SIGUSR2 is the
 * certificate check); with mailboxd stopped it removes the files itself,
 * envelope first as the queue does. */
#include "ctl/queue.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "smtp/envelope.h"
#include "smtp/queue_id.h"

#define QUEUE_USAGE "usage: queue list | queue flush | queue delete ID"

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

/* The pid of the running mailboxd, or 0 (why in err). */
static long mailboxd_pid(const struct config *cfg, struct buf *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	config_state_path(cfg, "mailboxd.pid", &path);
	long pid = 0;
	if (file_read_all(path.data, 64, &text, err)) {
		pid = strtol(buf_cstr(&text), NULL, 10);
		if (pid <= 1 || kill((pid_t)pid, 0) != 0) {
			buf_printf(err, "no process %ld (from %s)", pid, path.data);
			pid = 0;
		}
	}
	buf_free(&path);
	buf_free(&text);
	return pid;
}

static int flush(const struct config *cfg)
{
	struct buf err = BUF_INIT;
	int rc = 0;
	long pid = mailboxd_pid(cfg, &err);
	if (pid == 0)
		rc = ctl_fail("mailboxd is not running (%s)", buf_cstr(&err));
	else if (kill((pid_t)pid, SIGUSR1) != 0)
		rc = ctl_fail("cannot signal mailboxd (pid %ld): %s", pid,
		    strerror(errno));
	else
		printf("asked mailboxd (pid %ld) to retry deferred mail now\n", pid);
	buf_free(&err);
	return rc;
}

static bool spool_file(const char *dir, const char *sub, const char *id,
    struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s/%s", dir, sub, id);
	return file_exists(out->data);
}

/* mailboxd is stopped: nobody else touches the spool. */
static int delete_offline(const char *dir, const char *id)
{
	struct buf path = BUF_INIT;
	int rc = 0;
	spool_file(dir, "env", id, &path);
	if (unlink(path.data) != 0)
		rc = ctl_fail("%s: %s", path.data, strerror(errno));
	spool_file(dir, "msg", id, &path);
	if (rc == 0 && unlink(path.data) != 0 && errno != ENOENT)
		rc = ctl_fail("%s: %s", path.data, strerror(errno));
	if (rc == 0)
		printf("%s: deleted\n", id);
	buf_free(&path);
	return rc;
}

/* The queue process takes the request and removes the message once no
 * delivery of it is under way. */
static int delete_online(const char *dir, const char *id, long pid)
{
	struct buf req = BUF_INIT, env = BUF_INIT, err = BUF_INIT;
	int rc = 0;
	buf_printf(&req, "%s/delete/%s", dir, id);
	if (!file_write_atomic(req.data, "", 0, 0600, &err))
		rc = ctl_fail("%s", buf_cstr(&err));
	else if (kill((pid_t)pid, SIGUSR1) != 0)
		rc = ctl_fail("cannot signal mailboxd (pid %ld): %s", pid,
		    strerror(errno));
	for (int i = 0; rc == 0 && i < 100 && file_exists(req.data); i++)
		usleep(100 * 1000);
	if (rc == 0 && file_exists(req.data))
		rc = ctl_fail("%s: mailboxd did not take the request (it stays "
		    "in %s)", id, req.data);
	else if (rc == 0)
		printf(spool_file(dir, "env", id, &env) ? "%s: will be deleted when "
		    "its delivery under way ends\n" : "%s: deleted\n", id);
	buf_free(&req);
	buf_free(&env);
	buf_free(&err);
	return rc;
}

static int delete(const struct config *cfg, const char *dir, const char *id)
{
	struct buf env = BUF_INIT, err = BUF_INIT;
	int rc;
	if (!queue_id_valid(id))
		rc = ctl_fail("%s: not a queue id", id);
	else if (!spool_file(dir, "env", id, &env))
		rc = ctl_fail("%s: no such message in the queue", id);
	else {
		long pid = mailboxd_pid(cfg, &err);
		rc = pid == 0 ? delete_offline(dir, id) : delete_online(dir, id, pid);
	}
	buf_free(&env);
	buf_free(&err);
	return rc;
}

int ctl_queue(struct ctl *ctl, int argc, char **argv)
{
	bool del = argc == 3 && strcmp(argv[1], "delete") == 0;
	if (!del && (argc != 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "flush") != 0)))
		return ctl_usage(QUEUE_USAGE);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return 1;
	int rc;
	struct buf dir = BUF_INIT;
	config_state_path(cfg, "queue", &dir);
	if (del)
		rc = delete(cfg, dir.data, argv[2]);
	else if (strcmp(argv[1], "list") == 0)
		rc = list(dir.data);
	else
		rc = flush(cfg);
	buf_free(&dir);
	config_free(cfg);
	return rc;
}
