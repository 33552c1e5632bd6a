/* mailboxctl backup [--output FILE|-] [--passphrase-file F]
 *                   [--incremental SINCE-FILE]
 * mailboxctl backup verify FILE [--passphrase-file F]
 * Writes the config, the state directory (databases through SQLite's
 * online backup, so mailboxd may keep running) and all mail as stored,
 * in one compressed, encrypted stream (src/store/archive*.h). */
#include "ctl/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/xmalloc.h"
#include "ctl/backup_write.h"

#define BACKUP_USAGE "usage: backup [--output FILE|-] [--passphrase-file F] " \
	"[--incremental SINCE-FILE] | backup verify FILE [--passphrase-file F]"

/* File times come from a coarse kernel clock that may lag the time the
 * previous backup read; this much before it began still counts as
 * changed. */
#define SINCE_MARGIN_SEC 2

struct backup_opts {
	const char *output, *passfile, *since;
};

struct out_ctx {
	int fd;
	uint64_t *count;
};

static bool write_out(void *ctx, const void *p, size_t n, struct buf *err)
{
	struct out_ctx *o = ctx;
	if (!file_write_full(o->fd, p, n)) {
		buf_printf(err, "writing the backup: %s", strerror(errno));
		return false;
	}
	*o->count += n;
	return true;
}

/* The previous backup's header: authenticated with the passphrase. */
static bool read_since(const char *path, const struct password *pw,
    struct archive_header *base, struct buf *err)
{
	struct backup_file bf;
	if (!backup_file_open(&bf, path, err))
		return false;
	bool ok = backup_file_unlock(&bf, pw, err) &&
	    backup_file_read(&bf, NULL, NULL, NULL, err);
	*base = bf.h;
	backup_file_close(&bf);
	if (!ok)
		buf_printf(err, " (%s)", path);
	return ok;
}

static void describe(const struct config *cfg, const struct archive_header *h,
    const struct archive_header *base, struct buf *out)
{
	char *conf = realpath(config_file(cfg), NULL);
	buf_printf(out, "format=archmailbox-backup 1\ncreated=%lld\n"
	    "kind=%s\nhostname=%s\nconfig_path=%s\nstate_dir=%s\n",
	    (long long)(h->created_us / 1000000),
	    base ? "incremental" : "full", config_str(cfg, "hostname"),
	    conf ? conf : config_file(cfg), config_str(cfg, "state_dir"));
	free(conf);
	if (base != NULL)
		buf_printf(out, "since=%lld\n", (long long)(base->created_us / 1000000));
}

static bool put_config(struct backup_writer *w, const struct config *cfg,
    struct buf *err)
{
	int fd = open(config_file(cfg), O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		buf_printf(err, "%s: %s", config_file(cfg), strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	w->skip_dev[1] = st.st_dev;
	w->skip_ino[1] = st.st_ino;
	struct archive_entry e;
	bw_meta(w, &e, ARCHIVE_FILE, BACKUP_CONFIG, &st);
	bool ok = bw_file(w, &e, fd, err);
	close(fd);
	return ok;
}

/* The state directory: its own entry, then everything in it. */
static bool put_state(struct backup_writer *w, const struct config *cfg,
    struct buf *err)
{
	const char *dir = config_str(cfg, "state_dir");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	struct archive_entry e;
	bw_meta(w, &e, ARCHIVE_DIR, BACKUP_STATE, &st);
	bool ok = (w->counting || bw_entry(w, &e, err)) &&
	    backup_walk(w, fd, BACKUP_STATE, "", err);
	close(fd);
	return ok;
}

static bool write_backup(struct backup_writer *w, const struct config *cfg,
    const struct archive_header *h, const struct archive_header *base,
    struct buf *err)
{
	struct buf info = BUF_INIT;
	describe(cfg, h, base, &info);
	archive_put_info(&w->rec, info.data, info.len);
	buf_free(&info);
	bool ok = put_config(w, cfg, err) && put_state(w, cfg, err);
	if (ok) {
		archive_put_end(&w->rec, w->entries, w->bytes);
		ok = bw_flush(w, true, err) && archive_sealer_finish(w->sealer, err);
	}
	return ok;
}

/* The temp file the backup goes to before it is renamed into place. */
static int open_output(const char *output, struct buf *tmp, struct buf *err)
{
	if (strcmp(output, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			buf_addstr(err, "refusing to write the backup to a terminal "
			    "(use --output FILE)");
			return -1;
		}
		return dup(STDOUT_FILENO);
	}
	buf_printf(tmp, "%s.XXXXXX", output);
	int fd = mkostemp(tmp->data, O_CLOEXEC);
	if (fd < 0)
		buf_printf(err, "%s: %s", tmp->data, strerror(errno));
	return fd;
}

static bool finish_output(int fd, const char *output, const char *tmp,
    struct buf *err)
{
	if (strcmp(output, "-") == 0)
		return true;
	if (fsync(fd) != 0 || rename(tmp, output) != 0) {
		buf_printf(err, "%s: %s", output, strerror(errno));
		return false;
	}
	return true;
}

static void print_summary(const struct backup_writer *w, const char *output,
    const struct archive_header *base)
{
	fprintf(stderr, "backup: %s%llu entries, %llu bytes of files, %llu bytes "
	    "written to %s\n", base ? "incremental, " : "",
	    (unsigned long long)w->entries, (unsigned long long)w->bytes,
	    (unsigned long long)w->out_bytes,
	    strcmp(output, "-") == 0 ? "standard output" : output);
}

static bool prepare(struct backup_writer *w, const struct config *cfg,
    const struct archive_header *base, struct buf *err)
{
	const char *t = getenv("TMPDIR");
	w->tmpdir = t && t[0] == '/' ? t : "/tmp";
	if (base != NULL) {
		w->incremental = true;
		w->since.tv_sec = base->created_us / 1000000 - SINCE_MARGIN_SEC;
		w->since.tv_nsec = base->created_us % 1000000 * 1000;
	}
	/* Size of everything, for the progress bar only. */
	progress_start(&w->progress, "backup", 0, PROGRESS_BYTES);
	if (w->progress.on) {
		w->counting = true;
		bool ok = put_state(w, cfg, err);
		w->counting = false;
		w->entries = 0;
		w->ndevs = 0;
		if (!ok)
			return false;
	}
	struct stat st;
	if (fstat(w->out_fd, &st) == 0) {
		w->skip_dev[0] = st.st_dev;
		w->skip_ino[0] = st.st_ino;
	}
	return true;
}

static int run_backup(const struct config *cfg, const struct backup_opts *o)
{
	struct password pw = { NULL, 0 };
	struct archive_header h, base;
	struct buf err = BUF_INIT, tmp = BUF_INIT;
	struct backup_writer w = { .rec = BUF_INIT, .out_fd = -1 };
	unsigned char *key = sodium_malloc(ARCHIVE_KEY_LEN);
	if (key == NULL)
		xoom();
	struct out_ctx oc = { -1, &w.out_bytes };
	bool ok = (oc.fd = w.out_fd = open_output(o->output, &tmp, &err)) >= 0 &&
	    backup_passphrase(o->passfile, o->since == NULL, &pw, &err) &&
	    (o->since == NULL || read_since(o->since, &pw, &base, &err));
	if (ok) {
		archive_header_init(&h, o->since ? ARCHIVE_INCREMENTAL : ARCHIVE_FULL,
		    o->since ? base.id : NULL);
		ok = archive_key_derive(pw.s, pw.len, &h, key, &err) &&
		    prepare(&w, cfg, o->since ? &base : NULL, &err) &&
		    (w.sealer = archive_sealer_new(&h, key, write_out, &oc, &err)) != NULL &&
		    write_backup(&w, cfg, &h, o->since ? &base : NULL, &err) &&
		    finish_output(w.out_fd, o->output, tmp.data, &err);
	}
	progress_end(&w.progress);
	if (!ok && tmp.len > 0)
		unlink(tmp.data);
	if (ok)
		print_summary(&w, o->output, o->since ? &base : NULL);
	int rc = ok ? 0 : ctl_fail("backup: %s", buf_cstr(&err));
	if (w.out_fd >= 0)
		close(w.out_fd);
	archive_sealer_free(w.sealer);
	sodium_free(key);
	password_free(&pw);
	buf_free(&w.rec);
	buf_free(&err);
	buf_free(&tmp);
	return rc;
}

static int parse_opts(int argc, char **argv, struct backup_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "incremental", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'p': o->passfile = optarg; break;
		case 'i': o->since = optarg; break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int ctl_backup(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return ctl_backup_verify(ctl, argc - 1, argv + 1);
	struct backup_opts o = { "-", NULL, NULL };
	if (parse_opts(argc, argv, &o) < 0)
		return ctl_usage(BACKUP_USAGE);
	struct config *cfg = ctl_load_config(ctl);
	if (cfg == NULL)
		return 1;
	int rc = run_backup(cfg, &o);
	config_free(cfg);
	return rc;
}
