#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "smtp/queue_store.h"

static void test_envelope(struct envelope *e, const char *id)
{
	envelope_init(e);
	memcpy(e->id, id, QUEUE_ID_SIZE);
	e->arrival = (uint64_t)time(NULL);
	envelope_set(&e->sender, "alice@example.org");
	envelope_set(&e->helo, "mx.example.org");
	envelope_set(&e->client, "192.0.2.1");
	envelope_add_rcpt(e, "Bob+lists@example.test", "bob@example.test", "lists",
	    RCPT_LOCAL);
	envelope_add_rcpt(e, "carol@example.net", "carol@example.net", "",
	    RCPT_REMOTE);
}

/* The bytes the message with this id holds: its size depends on the id,
 * and it ends in a marker, so a short file is noticed. */
static void message_bytes(const char *id, struct buf *out)
{
	buf_reset(out);
	size_t n = 100 + (size_t)strtoul(id + QUEUE_ID_LEN - 4, NULL, 16) % 20000;
	for (size_t i = 0; i < n; i++)
		buf_addch(out, (char)('a' + (id[i % QUEUE_ID_LEN] + i) % 26));
	buf_addstr(out, "\r\n.END.\r\n");
}

static bool write_all(int fd, const struct buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

/* Creates, fills and commits one message; true only if commit did. */
static bool put_message(struct queue_store *qs, char id[QUEUE_ID_SIZE])
{
	struct buf body = BUF_INIT, err = BUF_INIT;
	struct envelope e;
	int fd;
	if (!queue_store_create(qs, id, &fd, &err)) {
		buf_free(&err);
		return false;
	}
	message_bytes(id, &body);
	bool ok = write_all(fd, &body);
	close(fd);
	test_envelope(&e, id);
	ok = ok && queue_store_commit(qs, &e, &err);
	envelope_free(&e);
	buf_free(&body);
	buf_free(&err);
	return ok;
}

static bool message_complete(struct queue_store *qs, const char *id)
{
	struct buf want = BUF_INIT, got = BUF_INIT, err = BUF_INIT;
	struct envelope e;
	bool ok = queue_store_load(qs, id, &e, &err);
	int fd = ok ? queue_store_open_msg(qs, id, &err) : -1;
	if (fd >= 0) {
		char chunk[4096];
		ssize_t n;
		while ((n = read(fd, chunk, sizeof chunk)) > 0)
			buf_add(&got, chunk, (size_t)n);
		close(fd);
	}
	message_bytes(id, &want);
	ok = ok && fd >= 0 && got.len == want.len && e.size == want.len &&
	    memcmp(got.data, want.data, want.len) == 0;
	envelope_free(&e);
	buf_free(&want);
	buf_free(&got);
	buf_free(&err);
	return ok;
}

static bool exists_in(const char *dir, const char *sub, const char *name)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s/%s", dir, sub, name);
	struct stat st;
	bool ok = lstat(p.data, &st) == 0;
	buf_free(&p);
	return ok;
}

static size_t count_in(const char *dir, const char *sub)
{
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "ls -A '%s/%s' | wc -l", dir, sub);
	FILE *f = popen(cmd.data, "r");
	unsigned long n = 9999;
	if (f == NULL || fscanf(f, "%lu", &n) != 1)
		n = 9999;
	if (f != NULL)
		pclose(f);
	buf_free(&cmd);
	return n;
}

static void put_file(const char *dir, const char *sub, const char *name,
    const void *data, size_t len)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s/%s", dir, sub, name);
	int fd = open(p.data, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
	buf_free(&p);
}

TEST(queue_store_lifecycle)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT;
	struct queue_ids ids;
	struct queue_store *qs = queue_store_open(dir, &ids, &err);
	CHECK(qs != NULL);
	CHECK(ids.n == 0);
	struct stat st;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	char id[QUEUE_ID_SIZE];
	CHECK(put_message(qs, id));
	CHECK(message_complete(qs, id));
	CHECK(!exists_in(dir, "incoming", id));
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/msg/%s", dir, id);
	CHECK(stat(p.data, &st) == 0 && (st.st_mode & 0777) == 0600);

	struct envelope e;
	CHECK(queue_store_load(qs, id, &e, &err));
	e.rcpts[0].state = RCPT_DELIVERED;
	rcpt_set_error(&e.rcpts[1], "451 4.3.0 try later");
	e.rcpts[1].attempts = 3;
	CHECK(queue_store_update(qs, &e, &err));
	envelope_free(&e);
	CHECK(queue_store_load(qs, id, &e, &err));
	CHECK(e.rcpts[0].state == RCPT_DELIVERED && e.rcpts[1].attempts == 3);
	CHECK_STR(e.rcpts[1].error, "451 4.3.0 try later");
	envelope_free(&e);

	char id2[QUEUE_ID_SIZE];
	CHECK(put_message(qs, id2));
	CHECK(queue_store_list(qs, &ids, &err));
	CHECK(ids.n == 2 && strcmp(ids.ids[0], ids.ids[1]) < 0);
	queue_ids_free(&ids);
	CHECK(queue_store_remove(qs, id, &err));
	CHECK(!exists_in(dir, "env", id) && !exists_in(dir, "msg", id));
	CHECK(!queue_store_remove(qs, id, &err));
	queue_store_close(qs);

	qs = queue_store_open(dir, &ids, &err);
	CHECK(qs != NULL && ids.n == 1 && strcmp(ids.ids[0], id2) == 0);
	CHECK(message_complete(qs, id2));
	queue_ids_free(&ids);
	queue_store_close(qs);
	buf_free(&p);
	buf_free(&err);
}

TEST(queue_store_abort_and_failed_commit_leave_nothing)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT;
	struct queue_store *qs = queue_store_open(dir, NULL, &err);
	char id[QUEUE_ID_SIZE];
	int fd;
	CHECK(queue_store_create(qs, id, &fd, &err));
	CHECK(write(fd, "x", 1) == 1);
	close(fd);
	queue_store_abort(qs, id);
	CHECK(count_in(dir, "incoming") == 0);

	/* Commit of a message that was never created (or aborted). */
	struct envelope e;
	test_envelope(&e, id);
	buf_reset(&err);
	CHECK(!queue_store_commit(qs, &e, &err));
	CHECK(err.len > 0);
	CHECK(count_in(dir, "msg") == 0 && count_in(dir, "env") == 0);
	envelope_free(&e);

	/* An envelope the store refuses: nothing is half-written. */
	CHECK(queue_store_create(qs, id, &fd, &err));
	close(fd);
	test_envelope(&e, id);
	envelope_set(&e.sender, "evil\r\nsender");
	CHECK(!queue_store_commit(qs, &e, &err));
	CHECK(count_in(dir, "env") == 0);
	envelope_free(&e);
	queue_store_abort(qs, id);
	CHECK(count_in(dir, "msg") == 0);

	/* A second commit under a committed id cannot replace it. */
	char id2[QUEUE_ID_SIZE];
	CHECK(put_message(qs, id2));
	put_file(dir, "incoming", id2, "short", 5);
	test_envelope(&e, id2);
	CHECK(!queue_store_commit(qs, &e, &err));
	CHECK(message_complete(qs, id2));
	envelope_free(&e);
	queue_store_close(qs);
	buf_free(&err);
}

TEST(queue_store_recovery_rules)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT;
	struct queue_store *qs = queue_store_open(dir, NULL, &err);
	char done[QUEUE_ID_SIZE], orphan[QUEUE_ID_SIZE], recv[QUEUE_ID_SIZE];
	CHECK(put_message(qs, done));
	CHECK(put_message(qs, orphan));
	queue_store_close(qs);
	/* A commit cut short before its envelope, an update cut short, a
	 * message still being received, and a foreign file. */
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/env/%s", dir, orphan);
	CHECK(unlink(p.data) == 0);
	buf_reset(&p);
	buf_printf(&p, "%s.tmp", done);
	put_file(dir, "env", p.data, "partial", 7);
	queue_id_new((uint64_t)time(NULL), recv);
	put_file(dir, "incoming", recv, "half a mess", 11);
	put_file(dir, "msg", "README", "keep", 4);

	struct queue_ids ids;
	qs = queue_store_open(dir, &ids, &err);
	CHECK(qs != NULL);
	CHECK(ids.n == 1 && strcmp(ids.ids[0], done) == 0);
	CHECK(message_complete(qs, done));
	CHECK(!exists_in(dir, "msg", orphan));
	CHECK(!exists_in(dir, "env", p.data));
	CHECK(count_in(dir, "incoming") == 0);
	CHECK(exists_in(dir, "msg", "README"));
	queue_ids_free(&ids);
	queue_store_close(qs);
	buf_free(&p);
	buf_free(&err);
}

TEST(queue_store_corrupt_envelopes_moved_aside)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT, p = BUF_INIT, data = BUF_INIT;
	struct queue_store *qs = queue_store_open(dir, NULL, &err);
	char torn[QUEUE_ID_SIZE], flipped[QUEUE_ID_SIZE], nomsg[QUEUE_ID_SIZE],
	    good[QUEUE_ID_SIZE];
	CHECK(put_message(qs, torn));
	CHECK(put_message(qs, flipped));
	CHECK(put_message(qs, nomsg));
	CHECK(put_message(qs, good));
	queue_store_close(qs);

	buf_printf(&p, "%s/env/%s", dir, torn);
	CHECK(truncate(p.data, 40) == 0);
	buf_reset(&p);
	buf_printf(&p, "%s/env/%s", dir, flipped);
	int fd = open(p.data, O_RDWR);
	CHECK(fd >= 0 && pwrite(fd, "Z", 1, 30) == 1);
	close(fd);
	buf_reset(&p);
	buf_printf(&p, "%s/msg/%s", dir, nomsg);
	CHECK(unlink(p.data) == 0);

	struct queue_ids ids;
	qs = queue_store_open(dir, &ids, &err);
	CHECK(qs != NULL && ids.n == 1 && strcmp(ids.ids[0], good) == 0);
	const char *bad[] = { torn, flipped, nomsg };
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s.env", bad[i]);
		CHECK(exists_in(dir, "corrupt", p.data));
		CHECK(!exists_in(dir, "env", bad[i]));
	}
	buf_reset(&p);
	buf_printf(&p, "%s.msg", torn);
	CHECK(exists_in(dir, "corrupt", p.data));

	/* Corruption found later, by load, is handled the same way. */
	buf_reset(&p);
	buf_printf(&p, "%s/env/%s", dir, good);
	CHECK(truncate(p.data, 100) == 0);
	struct envelope e;
	buf_reset(&err);
	CHECK(!queue_store_load(qs, good, &e, &err));
	CHECK(strstr(buf_cstr(&err), "corrupt") != NULL);
	envelope_free(&e);
	CHECK(count_in(dir, "env") == 0 && count_in(dir, "msg") == 0);
	CHECK(count_in(dir, "corrupt") == 7);
	queue_ids_free(&ids);
	queue_store_close(qs);
	buf_free(&data);
	buf_free(&p);
	buf_free(&err);
}

TEST(queue_store_refuses_bad_ids)
{
	const char *dir = t_tmpdir();
	struct buf err = BUF_INIT;
	struct queue_store *qs = queue_store_open(dir, NULL, &err);
	put_file(dir, "", "secret", "s", 1);
	struct envelope e;
	const char *bad[] = { "../secret", "../env/x", "", "0123456789abcdef012/" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(!queue_store_load(qs, bad[i], &e, &err));
		envelope_free(&e);
		CHECK(queue_store_open_msg(qs, bad[i], &err) < 0);
		CHECK(!queue_store_remove(qs, bad[i], &err));
		queue_store_abort(qs, bad[i]);
	}
	CHECK(exists_in(dir, "", "secret"));
	test_envelope(&e, "0123456789abcdef0123");
	memcpy(e.id, "../../../../tmp/x\0", 18);
	CHECK(!queue_store_commit(qs, &e, &err));
	CHECK(!queue_store_update(qs, &e, &err));
	/* A valid id that was never committed cannot be updated into being. */
	memcpy(e.id, "0123456789abcdef0123", QUEUE_ID_SIZE);
	CHECK(!queue_store_update(qs, &e, &err));
	CHECK(count_in(dir, "env") == 0);
	envelope_free(&e);
	queue_store_close(qs);
	buf_free(&err);
}

/* The child of the crash test: commits messages until killed, reporting
 * each id on the pipe only after its commit returned. */
static _Noreturn void commit_forever(const char *dir, int out)
{
	struct buf err = BUF_INIT;
	struct queue_store *qs = queue_store_open(dir, NULL, &err);
	if (qs == NULL)
		_exit(3);
	for (;;) {
		char id[QUEUE_ID_SIZE];
		if (!put_message(qs, id))
			_exit(4);
		char line[QUEUE_ID_LEN + 1];
		memcpy(line, id, QUEUE_ID_LEN);
		line[QUEUE_ID_LEN] = '\n';
		if (write(out, line, sizeof line) != (ssize_t)sizeof line)
			_exit(5);
	}
}

static void read_reported(int fd, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)n);
}

/* SIGKILL at random moments: everything reported committed survives
 * whole, nothing else lingers. (Process crashes only: a power cut would
 * also need the fsyncs, which this cannot show.) */
TEST(queue_store_crash_consistency)
{
	const char *dir = t_tmpdir();
	struct buf reported = BUF_INIT, err = BUF_INIT;
	size_t total = 0, bad = 0, rounds = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	srand((unsigned)start.tv_nsec);
	log_set_level(LOG_LVL_WARN);   /* recovery notes every kill */
	do {
		int pfd[2];
		CHECK(pipe(pfd) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			commit_forever(dir, pfd[1]);
		}
		close(pfd[1]);
		usleep((useconds_t)(rand() % 30000));
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status));
		buf_reset(&reported);
		read_reported(pfd[0], &reported);
		close(pfd[0]);

		struct queue_ids ids;
		struct queue_store *qs = queue_store_open(dir, &ids, &err);
		CHECK(qs != NULL);
		for (size_t off = 0; qs && off + QUEUE_ID_SIZE <= reported.len;
		    off += QUEUE_ID_SIZE) {
			reported.data[off + QUEUE_ID_LEN] = '\0';
			total++;
			if (!message_complete(qs, reported.data + off)) {
				fprintf(stderr, "    reported %s incomplete\n",
				    reported.data + off);
				bad++;
			}
		}
		/* Committed but killed before reporting is fine, if whole. */
		for (size_t i = 0; qs && i < ids.n; i++)
			if (!message_complete(qs, ids.ids[i])) {
				fprintf(stderr, "    listed %s incomplete\n", ids.ids[i]);
				bad++;
			}
		CHECK(count_in(dir, "incoming") == 0);
		CHECK(count_in(dir, "corrupt") == 0);
		queue_ids_free(&ids);
		queue_store_close(qs);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Enough rounds and commits, however busy the machine is. */
	} while ((rounds < 30 || total < 30) && now.tv_sec - start.tv_sec < 20);
	log_set_level(LOG_LVL_INFO);
	fprintf(stderr, "    %zu kills, %zu reported commits checked\n", rounds, total);
	CHECK(rounds > 20 && total > 20);
	CHECK(bad == 0);
	buf_free(&reported);
	buf_free(&err);
}

/* Fills the file system holding path until writes fail. */
static void fill_disk(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	static char block[65536];
	while (write(fd, block, sizeof block) > 0)
		;
	while (write(fd, block, 1) > 0)
		;
	close(fd);
}

/* In a private mount namespace, on a 256 KiB tmpfs: a commit on a full
 * disk fails with ENOSPC and leaves nothing; once there is space again a
 * commit works. Returns 0 or the number of the failed step. */
static int enospc_child(const char *dir)
{
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0700") != 0)
		return 100;
	struct buf err = BUF_INIT, q = BUF_INIT, filler = BUF_INIT, body = BUF_INIT;
	buf_printf(&q, "%s/queue", dir);
	buf_printf(&filler, "%s/filler", dir);
	struct queue_store *qs = queue_store_open(q.data, NULL, &err);
	if (qs == NULL)
		return 1;
	char id[QUEUE_ID_SIZE];
	int fd;
	if (!queue_store_create(qs, id, &fd, &err))
		return 2;
	message_bytes(id, &body);
	if (!write_all(fd, &body))
		return 3;
	close(fd);
	fill_disk(filler.data);
	struct envelope e;
	test_envelope(&e, id);
	if (queue_store_commit(qs, &e, &err))
		return 4;
	if (strstr(buf_cstr(&err), strerror(ENOSPC)) == NULL)
		return 5;
	if (count_in(q.data, "incoming") + count_in(q.data, "msg") +
	    count_in(q.data, "env") != 0)
		return 6;
	envelope_free(&e);
	unlink(filler.data);
	if (!put_message(qs, id) || !message_complete(qs, id))
		return 7;
	queue_store_close(qs);
	return 0;
}

TEST(queue_store_enospc_leaves_nothing)
{
	const char *dir = t_tmpdir();
	if (geteuid() != 0) {
		fprintf(stderr, "    skipped: a private tmpfs needs root\n");
		CHECK(true);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(enospc_child(dir));
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status) == 100) {
		fprintf(stderr, "    skipped: cannot mount a private tmpfs here\n");
		CHECK(true);
		return;
	}
	if (WEXITSTATUS(status) != 0)
		fprintf(stderr, "    enospc step %d failed\n", WEXITSTATUS(status));
	CHECK(WEXITSTATUS(status) == 0);
}
