/* mailboxctl status: is mailboxd running (its pid file, and its
 * processes from /proc), the queue, the certificate's expiry, and each
 * user's mailbox against the quota. Read-only. */
#include "ctl/check.h"

#include <dirent.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/str.h"
#include "ctl/ctl_userdb.h"
#include "ctl/queue.h"
#include "smtp/envelope.h"
#include "store/maildir.h"

/* ppid and uid of /proc/<pid>; false if it is gone. */
static bool proc_ids(long pid, long *ppid, long *uid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	*ppid = *uid = -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "PPid:", 5) == 0)
			*ppid = strtol(line + 5, NULL, 10);
		else if (strncmp(line, "Uid:", 4) == 0)
			*uid = strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return *ppid >= 0;
}

/* "mailboxd -R smtp" -> "smtp"; the master has no -R. */
static void proc_role(long pid, char *out, size_t size)
{
	char path[64], args[512];
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	snprintf(out, size, "master");
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(args, 1, sizeof args - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	args[n] = '\0';
	for (size_t i = 0; i + 1 < n; i += strlen(args + i) + 1)
		if (strcmp(args + i, "-R") == 0 && i + 3 < n)
			snprintf(out, size, "%s", args + i + 3);
}

static void print_proc(long pid, const char *indent)
{
	long ppid, uid;
	char role[64];
	if (!proc_ids(pid, &ppid, &uid))
		return;
	struct passwd *pw = getpwuid((uid_t)uid);
	proc_role(pid, role, sizeof role);
	printf("%s%-8ld %-12s %s\n", indent, pid, role, pw ? pw->pw_name : "?");
}

static void show_processes(const struct config *cfg)
{
	struct buf path = BUF_INIT, text = BUF_INIT, err = BUF_INIT;
	config_state_path(cfg, "mailboxd.pid", &path);
	long pid = file_read_all(path.data, 64, &text, &err) ?
	    strtol(buf_cstr(&text), NULL, 10) : 0;
	long ppid, uid;
	if (pid <= 1 || !proc_ids(pid, &ppid, &uid)) {
		printf("mailboxd: not running%s%s\n", pid > 1 ? " (stale " : "",
		    pid > 1 ? "pid file)" : "");
	} else {
		printf("mailboxd: running\n");
		print_proc(pid, "  ");
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL) {
			long child = strtol(de->d_name, NULL, 10);
			if (child > 0 && proc_ids(child, &ppid, &uid) && ppid == pid)
				print_proc(child, "    ");
		}
		if (d != NULL)
			closedir(d);
	}
	buf_free(&path);
	buf_free(&text);
	buf_free(&err);
}

struct queue_count {
	size_t deferred, pending;
};

static void count_rcpts(const struct envelope *e, void *arg)
{
	struct queue_count *q = arg;
	for (size_t i = 0; i < e->nrcpts; i++) {
		q->deferred += e->rcpts[i].state == RCPT_DEFERRED;
		q->pending += e->rcpts[i].state == RCPT_PENDING;
	}
}

static void show_queue(const struct config *cfg)
{
	struct buf dir = BUF_INIT;
	struct queue_count q = { 0, 0 };
	size_t n = 0;
	config_state_path(cfg, "queue", &dir);
	if (ctl_queue_scan(dir.data, count_rcpts, &q, &n) >= 0)
		printf("queue: %zu message%s, %zu recipient%s pending, %zu deferred\n",
		    n, n == 1 ? "" : "s", q.pending, q.pending == 1 ? "" : "s",
		    q.deferred);
	buf_free(&dir);
}

static void show_certificate(const struct config *cfg)
{
	struct cert_info ci;
	cert_info_load(cfg, &ci);
	if (!ci.loaded) {
		printf("certificate: %s\n", ci.error);
		return;
	}
	char date[32];
	time_t t = (time_t)ci.not_after;
	struct tm tm;
	strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
	long long left = ci.not_after - (long long)time(NULL);
	printf("certificate: expires %s (%s%lld days)%s\n", date,
	    left < 0 ? "expired " : "", (left < 0 ? -left : left) / 86400,
	    ci.self_signed ? ", self-signed" : "");
}

static void show_user(const struct userdb_user *u, void *arg)
{
	const char *mail_dir = arg;
	struct buf md = BUF_INIT;
	char used[32], quota[32];
	maildir_user_path(mail_dir, u->address, &md);
	uint64_t bytes = maildir_usage(md.data);
	str_format_size(bytes, used, sizeof used);
	str_format_size(u->quota, quota, sizeof quota);
	if (u->quota > 0)
		printf("  %-40s %10s of %-8s %3llu%%\n", u->address, used, quota,
		    (unsigned long long)(bytes * 100 / u->quota));
	else
		printf("  %-40s %10s (no quota)\n", u->address, used);
	buf_free(&md);
}

int ctl_status(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage("usage: status");
	struct config *cfg = NULL;
	struct userdb *db = ctl_userdb_open(ctl, &cfg);
	if (db == NULL) {
		config_free(cfg);
		return 1;
	}
	struct buf err = BUF_INIT, mail = BUF_INIT;
	show_processes(cfg);
	show_queue(cfg);
	show_certificate(cfg);
	config_state_path(cfg, "mail", &mail);
	printf("mailboxes:\n");
	bool ok = userdb_user_list(db, NULL, show_user, mail.data, &err);
	userdb_close(db);
	config_free(cfg);
	buf_free(&mail);
	return ctl_userdb_result(ok, "status", &err);
}
