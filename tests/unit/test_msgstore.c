#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "common/buf.h"
#include "common/fileutil.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "store/maildir.h"
#include "store/msgstore.h"
#include "store/stream.h"

#define ADDR "alice@example.test"

static unsigned char upk[TREES_PK_LEN], usk[TREES_SK_LEN];

static void user_keys(void)
{
	static bool made;
	if (!made)
		crypto_box_keypair(upk, usk);
	made = true;
}

/* A message of exactly n bytes: CRLF header lines, then body lines. */
static unsigned char *sample_message(size_t n)
{
	struct buf m = BUF_INIT;
	buf_addstr(&m, "From: bob@example.org\r\nTo: " ADDR "\r\n"
	    "Subject: the secret plans\r\n\r\n");
	for (unsigned i = 0; m.len < n; i++)
		buf_printf(&m, "confidential body line %u\r\n", i);
	unsigned char *p = xmalloc(n + 1);
	memcpy(p, m.data, n);
	buf_free(&m);
	return p;
}

/* The message as a queue file would hand it over. */
static int source_fd(const void *p, size_t n)
{
	int fd = memfd_create("queue-file", MFD_CLOEXEC);
	if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n))
		abort();
	return fd;
}

static void delivery_init(struct msgstore_delivery *d, const char *root,
    const char *qid, const char *headers)
{
	memset(d, 0, sizeof *d);
	d->mail_dir = root;
	d->address = ADDR;
	d->encrypt = false;
	d->algo = COMPRESS_NONE;
	d->level = COMPRESS_LEVEL_DEFAULT;
	d->headers = headers;
	d->headers_len = strlen(headers);
	d->fd = -1;
	d->queue_id = qid;
	d->hostname = "mx.example.test";
	d->used = MSGSTORE_USAGE_UNKNOWN;
}

static enum msgstore_result deliver_bytes(struct msgstore_delivery *d,
    const void *p, size_t n, struct buf *err)
{
	d->fd = source_fd(p, n);
	d->size = n;
	enum msgstore_result r = msgstore_deliver(d, err);
	close(d->fd);
	return r;
}

/* Number of entries in dir/sub (other than . and ..); the last one's
 * path goes to last if not NULL. */
static int count_files(const char *dir, const char *sub, struct buf *last)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s", dir, sub);
	DIR *d = opendir(p.data);
	int n = 0;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (last != NULL) {
			buf_reset(last);
			buf_printf(last, "%s/%s", p.data, e->d_name);
		}
	}
	if (d)
		closedir(d);
	buf_free(&p);
	return n;
}

static bool read_stored(const char *path, const unsigned char *sk,
    struct buf *out)
{
	struct buf err = BUF_INIT;
	struct istream *is = msgstore_open(path, sk ? upk : NULL, sk, &err);
	struct ostream *os = ostream_buf_create(out);
	bool ok = is != NULL && stream_copy(is, os, &err);
	if (!ok)
		fprintf(stderr, "read_stored: %s\n", err.data);
	istream_free(is);
	ostream_free(os);
	buf_free(&err);
	return ok;
}

static bool contains(const struct buf *b, const char *needle)
{
	return b->len > 0 && memmem(b->data, b->len, needle, strlen(needle));
}

static const char *const added =
    "Return-Path: <bob@example.org>\r\nDelivered-To: " ADDR "\r\n"
    "X-Original-To: " ADDR "\r\n";

TEST(msgstore_headers_are_crlf_and_refuse_injection)
{
	struct buf h = BUF_INIT;
	CHECK(msgstore_delivery_headers("bob@example.org", ADDR, ADDR, &h));
	CHECK_STR(h.data, added);
	buf_reset(&h);
	CHECK(msgstore_delivery_headers("", ADDR, "all@example.test", &h));
	CHECK_STR(h.data, "Return-Path: <>\r\nDelivered-To: " ADDR "\r\n"
	    "X-Original-To: all@example.test\r\n");
	buf_reset(&h);
	CHECK(!msgstore_delivery_headers("a@b\r\nBcc: x@y", ADDR, ADDR, &h));
	CHECK(!msgstore_delivery_headers("a@b", ADDR "\n", ADDR, &h));
	CHECK(!msgstore_delivery_headers("a@b", ADDR, "x\ry", &h));
	CHECK(!msgstore_delivery_headers("a@b", ADDR, "x\ty", &h));
	CHECK(h.len == 0);
	buf_free(&h);
}

/* Delivers one message and checks the file: its name, what it leaks in
 * the clear, and that reading it gives headers + message back. */
static void roundtrip(const char *root, size_t n, enum compress_algo algo,
    bool encrypt, unsigned idx)
{
	struct msgstore_delivery d;
	struct buf err = BUF_INIT, path = BUF_INIT, want = BUF_INIT;
	struct buf got = BUF_INIT, disk = BUF_INIT, sfx = BUF_INIT;
	unsigned char *msg = sample_message(n);
	delivery_init(&d, root, "Q0123456789", added);
	d.rcpt = idx;
	d.algo = algo;
	d.encrypt = encrypt;
	memcpy(d.pk, upk, sizeof upk);
	d.path = &path;
	buf_addstr(&want, added);
	buf_add(&want, msg, n);
	bool ok = deliver_bytes(&d, msg, n, &err) == MSGSTORE_OK;
	if (!CHECK(ok))
		fprintf(stderr, "  size %zu %s enc %d: %s\n", n,
		    compress_algo_name(algo), encrypt, err.data);
	buf_printf(&sfx, ",S=%zu", want.len);
	CHECK(path.len > sfx.len &&
	    strcmp(path.data + path.len - sfx.len, sfx.data) == 0);
	CHECK(ok && read_stored(path.data, encrypt ? usk : NULL, &got));
	CHECK_MEM(got.data, got.len, want.data, want.len);
	CHECK(file_read_all(path.data, 64u << 20, &disk, &err));
	if (encrypt) {
		CHECK(trees_has_magic(disk.data, disk.len));
		CHECK(!contains(&disk, "Subject:"));
		CHECK(!contains(&disk, "secret plans"));
		CHECK(!contains(&disk, "confidential body line"));
		CHECK(!contains(&disk, "Delivered-To"));
		CHECK(!contains(&disk, ADDR));
	} else if (algo == COMPRESS_NONE) {
		CHECK_MEM(disk.data, disk.len, want.data, want.len);
	} else {
		CHECK(compress_sniff(disk.data, disk.len) == algo);
	}
	free(msg);
	buf_free(&err); buf_free(&path); buf_free(&want);
	buf_free(&got); buf_free(&disk); buf_free(&sfx);
}

TEST(msgstore_deliver_then_open_gives_the_bytes_back)
{
	static const size_t sizes[] = { 0, 150, 3 * 8192 + 1, 2u << 20 };
	static const enum compress_algo algos[] = {
		COMPRESS_NONE, COMPRESS_XZ, COMPRESS_ZSTD };
	const char *root = t_tmpdir();
	unsigned idx = 0;
	user_keys();
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (size_t a = 0; a < 3; a++)
			for (int enc = 0; enc < 2; enc++)
				roundtrip(root, sizes[s], algos[a], enc, idx++);
	struct buf md = BUF_INIT;
	maildir_user_path(root, ADDR, &md);
	CHECK(count_files(md.data, "new", NULL) == (int)idx);
	CHECK(count_files(md.data, "tmp", NULL) == 0);
	buf_free(&md);
}

/* Writes msg to path through the given stack, as the seed's Dovecot did. */
static void write_stored(const char *path, const void *msg, size_t n,
    enum compress_algo algo, bool encrypt)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct ostream *os = ostream_fd_create(fd);
	if (encrypt)
		os = trees_ostream_create(os, upk);
	os = compress_ostream_create(os, algo, 6, 0);
	CHECK(ostream_write(os, msg, n) && ostream_finish(os));
	ostream_free(os);
	close(fd);
}

TEST(msgstore_open_reads_seed_files)
{
	const char *dir = t_tmpdir();
	struct buf path = BUF_INIT, got = BUF_INIT, err = BUF_INIT;
	unsigned char *msg = sample_message(20000);
	user_keys();
	buf_printf(&path, "%s/seed", dir);
	static const struct { enum compress_algo algo; bool enc; } kinds[] = {
		{ COMPRESS_NONE, false }, { COMPRESS_XZ, false },
		{ COMPRESS_ZSTD, false }, { COMPRESS_XZ, true },
		{ COMPRESS_NONE, true },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		write_stored(path.data, msg, 20000, kinds[i].algo, kinds[i].enc);
		buf_reset(&got);
		CHECK(read_stored(path.data, usk, &got));
		CHECK_MEM(got.data, got.len, msg, 20000);
	}
	/* trees(xz): an encrypted file needs the key; pk can be derived. */
	write_stored(path.data, msg, 20000, COMPRESS_XZ, true);
	CHECK(msgstore_open(path.data, NULL, NULL, &err) == NULL);
	CHECK(contains(&err, "encrypted"));
	struct istream *is = msgstore_open(path.data, NULL, usk, &err);
	unsigned char head[64];
	CHECK(is != NULL && istream_read_full(is, head, sizeof head) == 64);
	CHECK_MEM(head, 64, msg, 64);
	istream_free(is);
	/* A wrong key is a read error, never plaintext. */
	unsigned char opk[TREES_PK_LEN], osk[TREES_SK_LEN];
	crypto_box_keypair(opk, osk);
	is = msgstore_open(path.data, opk, osk, &err);
	CHECK(is != NULL && istream_read(is, head, sizeof head) < 0);
	istream_free(is);
	/* Not a regular file, or missing. */
	CHECK(msgstore_open(dir, NULL, NULL, &err) == NULL);
	buf_printf(&path, ".missing");
	CHECK(msgstore_open(path.data, NULL, NULL, &err) == NULL);
	free(msg);
	buf_free(&path); buf_free(&got); buf_free(&err);
}

TEST(msgstore_folder_delivery_falls_back_to_inbox)
{
	const char *root = t_tmpdir();
	struct buf md = BUF_INIT, f = BUF_INIT, err = BUF_INIT;
	struct msgstore_delivery d;
	maildir_user_path(root, ADDR, &md);
	CHECK(maildir_create(md.data, &err));
	CHECK(maildir_folder_path(md.data, "Lists", &f));
	CHECK(maildir_create(f.data, &err));
	delivery_init(&d, root, "QF", added);
	d.folder = "Lists";
	CHECK(deliver_bytes(&d, "x\r\n", 3, &err) == MSGSTORE_OK);
	CHECK(count_files(f.data, "new", NULL) == 1);
	CHECK(count_files(md.data, "new", NULL) == 0);
	static const char *const missing[] = { "Nope", "a.b", "../x" };
	for (unsigned i = 0; i < 3; i++) {
		d.folder = missing[i];
		d.rcpt = i + 1;
		CHECK(deliver_bytes(&d, "x\r\n", 3, &err) == MSGSTORE_OK);
	}
	CHECK(count_files(md.data, "new", NULL) == 3);
	CHECK(count_files(f.data, "new", NULL) == 1);
	buf_free(&md); buf_free(&f); buf_free(&err);
}

TEST(msgstore_retry_does_not_duplicate)
{
	const char *root = t_tmpdir();
	struct buf md = BUF_INIT, err = BUF_INIT, last = BUF_INIT, cur = BUF_INIT;
	struct msgstore_delivery d;
	maildir_user_path(root, ADDR, &md);
	delivery_init(&d, root, "QR", added);
	struct buf path = BUF_INIT;
	d.path = &path;
	CHECK(deliver_bytes(&d, "hello\r\n", 7, &err) == MSGSTORE_OK);
	CHECK(file_exists(path.data));
	/* The retry finds it and writes nothing, so reports no path. */
	CHECK(deliver_bytes(&d, "hello\r\n", 7, &err) == MSGSTORE_OK);
	CHECK(path.len == 0);
	d.path = NULL;
	buf_free(&path);
	CHECK(count_files(md.data, "new", &last) == 1);
	/* Seen by a client in the meantime: still found in cur/. */
	const char *name = strrchr(last.data, '/') + 1;
	buf_printf(&cur, "%s/cur/%s:2,S", md.data, name);
	CHECK(rename(last.data, cur.data) == 0);
	d.retry = true;     /* only a retry looks into cur/ */
	CHECK(deliver_bytes(&d, "hello\r\n", 7, &err) == MSGSTORE_OK);
	CHECK(count_files(md.data, "new", NULL) == 0);
	CHECK(count_files(md.data, "cur", NULL) == 1);
	/* Another recipient of the same queue file is another message. */
	d.rcpt = 1;
	CHECK(deliver_bytes(&d, "hello\r\n", 7, &err) == MSGSTORE_OK);
	CHECK(count_files(md.data, "new", NULL) == 1);
	buf_free(&md); buf_free(&err); buf_free(&last); buf_free(&cur);
}

TEST(msgstore_quota_is_temporary_or_permanent)
{
	const char *root = t_tmpdir();
	struct buf md = BUF_INIT, err = BUF_INIT;
	struct msgstore_delivery d;
	unsigned char *msg = sample_message(2000);
	size_t hl = strlen(added);
	maildir_user_path(root, ADDR, &md);
	delivery_init(&d, root, "QQ", added);
	d.quota = 1000;
	/* Larger than the whole quota: never going to fit. */
	CHECK(deliver_bytes(&d, msg, 2000, &err) == MSGSTORE_PERMFAIL);
	CHECK(str_has_prefix(err.data, "552 5.2.2 "));
	/* Fits exactly; then the next one fits only after expunges. */
	CHECK(deliver_bytes(&d, msg, 700 - hl, &err) == MSGSTORE_OK);
	d.rcpt = 1;
	CHECK(deliver_bytes(&d, msg, 300 - hl, &err) == MSGSTORE_OK);
	d.rcpt = 2;
	CHECK(deliver_bytes(&d, msg, 1, &err) == MSGSTORE_TEMPFAIL);
	CHECK(str_has_prefix(err.data, "452 4.2.2 "));
	CHECK(count_files(md.data, "new", NULL) == 2);
	CHECK(count_files(md.data, "tmp", NULL) == 0);
	/* The retry of a delivered message is not refused by the quota. */
	d.rcpt = 1;
	CHECK(deliver_bytes(&d, msg, 300 - hl, &err) == MSGSTORE_OK);
	/* A usage the caller knows is taken instead of a scan. */
	d.rcpt = 4;
	d.used = 0;
	CHECK(deliver_bytes(&d, msg, 1, &err) == MSGSTORE_OK);
	d.rcpt = 5;
	d.used = 999;
	CHECK(deliver_bytes(&d, msg, 1, &err) == MSGSTORE_TEMPFAIL);
	d.used = MSGSTORE_USAGE_UNKNOWN;
	d.quota = 0;   /* no quota */
	d.rcpt = 3;
	CHECK(deliver_bytes(&d, msg, 2000, &err) == MSGSTORE_OK);
	free(msg);
	buf_free(&md); buf_free(&err);
}

TEST(msgstore_refuses_what_cannot_be_a_path)
{
	const char *root = t_tmpdir();
	struct buf err = BUF_INIT;
	struct msgstore_delivery d;
	static const char *const bad[] = { "nodomain", "@example.test", "a@" };
	delivery_init(&d, root, "QB", added);
	for (unsigned i = 0; i < 3; i++) {
		d.address = bad[i];
		CHECK(deliver_bytes(&d, "x", 1, &err) == MSGSTORE_PERMFAIL);
		CHECK(str_has_prefix(err.data, "550 5.1.3 "));
	}
	d.address = ADDR;
	d.queue_id = "../../etc";
	CHECK(deliver_bytes(&d, "x", 1, &err) == MSGSTORE_TEMPFAIL);
	/* Nothing was created for any of them. */
	CHECK(count_files(root, "", NULL) == 0);
	buf_free(&err);
}

/* A pipe that gives n of the announced bytes and then ends. */
static int short_source(size_t n)
{
	int p[2];
	unsigned char *msg = sample_message(n);
	if (pipe(p) != 0 || write(p[1], msg, n) != (ssize_t)n)
		abort();
	close(p[1]);
	free(msg);
	return p[0];
}

TEST(msgstore_failing_source_leaves_nothing)
{
	const char *root = t_tmpdir();
	struct buf md = BUF_INIT, err = BUF_INIT;
	struct msgstore_delivery d;
	user_keys();
	maildir_user_path(root, ADDR, &md);
	delivery_init(&d, root, "QS", added);
	for (int enc = 0; enc < 2; enc++) {
		d.encrypt = enc;
		d.algo = enc ? COMPRESS_XZ : COMPRESS_NONE;
		memcpy(d.pk, upk, sizeof upk);
		d.fd = short_source(30000);
		d.size = 100000;
		CHECK(msgstore_deliver(&d, &err) == MSGSTORE_TEMPFAIL);
		CHECK(str_has_prefix(err.data, "451 4.3.0 "));
		CHECK(contains(&err, "30000 of 100000"));
		close(d.fd);
	}
	/* A source that cannot be read at all. */
	d.fd = open(root, O_RDONLY | O_DIRECTORY);
	d.size = 10;
	CHECK(msgstore_deliver(&d, &err) == MSGSTORE_TEMPFAIL);
	CHECK(str_has_prefix(err.data, "451 4.3.0 "));
	close(d.fd);
	CHECK(count_files(md.data, "new", NULL) == 0);
	CHECK(count_files(md.data, "tmp", NULL) == 0);
	buf_free(&md); buf_free(&err);
}

/* In a child with its own mount namespace: a 64 KiB tmpfs as mail_dir,
 * a 300 KB message. Exit 0 if it got 4.3.1 and left nothing behind, 77
 * if mounting is not allowed here, 1 otherwise. */
static int full_disk_child(const char *root)
{
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", root, "tmpfs", 0, "size=64k,mode=0700") != 0)
		return 77;
	struct buf md = BUF_INIT, err = BUF_INIT;
	struct msgstore_delivery d;
	unsigned char *msg = xmalloc(300000);
	randombytes_buf(msg, 300000);   /* incompressible */
	maildir_user_path(root, ADDR, &md);
	delivery_init(&d, root, "QD", added);
	d.algo = COMPRESS_ZSTD;
	enum msgstore_result r = deliver_bytes(&d, msg, 300000, &err);
	fprintf(stderr, "  full disk: %s\n", err.data);
	bool ok = r == MSGSTORE_TEMPFAIL && str_has_prefix(err.data, "452 4.3.1 ") &&
	    count_files(md.data, "new", NULL) == 0 &&
	    count_files(md.data, "tmp", NULL) == 0;
	/* With the space back, the same delivery goes through. */
	ok = ok && deliver_bytes(&d, msg, 1000, &err) == MSGSTORE_OK &&
	    count_files(md.data, "new", NULL) == 1;
	free(msg);
	buf_free(&md); buf_free(&err);
	return ok ? 0 : 1;
}

TEST(msgstore_full_disk_is_a_temporary_failure)
{
	const char *root = t_tmpdir();
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0)
		_exit(full_disk_child(root));
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		/* Only acceptable where mounting needs privileges we lack. */
		fprintf(stderr, "  skipped: cannot mount a tmpfs here\n");
		CHECK(geteuid() != 0);
		return;
	}
	CHECK(WEXITSTATUS(st) == 0);
}

/* Peak resident memory since the last reset, in bytes. */
static long long peak_rss(bool reset)
{
	if (reset) {
		FILE *f = fopen("/proc/self/clear_refs", "w");
		if (f == NULL || fputs("5", f) < 0 || fclose(f) != 0)
			return -1;
	}
	struct buf st = BUF_INIT, err = BUF_INIT;
	long long kb = -1;
	if (file_read_all("/proc/self/status", 1 << 16, &st, &err)) {
		const char *h = strstr(st.data, "VmHWM:");
		kb = h ? atoll(h + 6) : -1;
	}
	buf_free(&st); buf_free(&err);
	return kb * 1024;
}

/* Delivers a message of n bytes read from a file (not memory) and
 * returns how much the peak RSS grew. */
static long long rss_growth(const char *root, unsigned idx, size_t n,
    enum compress_algo algo)
{
	struct buf src = BUF_INIT, err = BUF_INIT;
	struct msgstore_delivery d;
	unsigned char block[65536];
	buf_printf(&src, "%s/queue-file", root);
	int fd = open(src.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (size_t off = 0; off < n; off += sizeof block) {
		randombytes_buf(block, 4096);
		for (size_t i = 4096; i < sizeof block; i++)
			block[i] = (unsigned char)('a' + i % 26);
		CHECK(write(fd, block, sizeof block) == (ssize_t)sizeof block);
	}
	delivery_init(&d, root, "QM", added);
	d.rcpt = idx;
	d.algo = algo;
	d.encrypt = true;
	memcpy(d.pk, upk, sizeof upk);
	d.fd = fd;
	d.size = n;
	long long before = peak_rss(true);
	CHECK(msgstore_deliver(&d, &err) == MSGSTORE_OK);
	long long after = peak_rss(false);
	close(fd);
	unlink(src.data);
	buf_free(&src); buf_free(&err);
	return before < 0 || after < 0 ? -1 : after - before;
}

TEST(msgstore_delivery_streams_in_bounded_memory)
{
	const char *root = t_tmpdir();
	const size_t big = 48u << 20;
	user_keys();
	long long none = rss_growth(root, 0, big, COMPRESS_NONE);
	long long zstd = rss_growth(root, 1, big, COMPRESS_ZSTD);
	long long xz = rss_growth(root, 2, 2u << 20, COMPRESS_XZ);
	long long xzmax = (long long)compress_xz_encoder_memusage(6, 2u << 20);
	fprintf(stderr, "  peak RSS growth: none %lld KiB, zstd %lld KiB "
	    "(48 MiB messages), xz %lld KiB (2 MiB; encoder %lld KiB)\n",
	    none >> 10, zstd >> 10, xz >> 10, xzmax >> 10);
	CHECK(none >= 0 && none < (long long)(4u << 20));
	CHECK(zstd >= 0 && zstd < (long long)(16u << 20));
	/* xz costs its encoder (sized to the message, capped) and no more. */
	CHECK(xz >= 0 && xz < xzmax + (4 << 20));
}
