/* Shared by mailboxctl backup and restore (src/ctl/backup*.c,
 * restore*.c). The file format itself is src/store/archive*.h. */
#ifndef AMB_CTL_BACKUP_H
#define AMB_CTL_BACKUP_H
#include "ctl/progress.h"
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "ctl/password.h"
#include "store/archive.h"
#include "store/archive_seal.h"

/* Archive paths: the config file is "config", the state directory
 * "state" and everything in it "state/<path relative to state_dir>". */
#define BACKUP_CONFIG "config"
#define BACKUP_STATE "state"

/* The passphrase from the first line of file, or asked on the terminal
 * (twice when confirm). */
bool backup_passphrase(const char *file, bool confirm, struct password *pw,
    struct buf *err);


/* The archive's description record: key=value lines. */
struct backup_info {
	char *state_dir, *config_path, *hostname;
	long long created, since;   /* since: incremental backups only */
};
bool backup_info_parse(const char *text, size_t len, struct backup_info *bi,
    struct buf *err);
void backup_info_free(struct backup_info *bi);

/* An opened backup file (or standard input for "-"). */
struct backup_file {
	const char *path;
	int fd;
	bool seekable;
	uint64_t size;              /* 0 if unknown */
	struct archive_header h;
	unsigned char *key;         /* sodium_malloc'd once unlocked */
};
bool backup_file_open(struct backup_file *bf, const char *path, struct buf *err);
bool backup_file_unlock(struct backup_file *bf, const struct password *pw,
    struct buf *err);
/* Reads the whole stream from just after the header through the opener
 * and the record parser (ops, ctx). With ops NULL it stops once the first
 * chunk authenticated (checks the passphrase only). Progress counts file
 * bytes read. True only if the stream is complete and authentic. */
bool backup_file_read(struct backup_file *bf, const struct archive_parse_ops *ops,
    void *ctx, struct progress *pr, struct buf *err);
void backup_file_close(struct backup_file *bf);

/* The checks both `backup verify` and `restore` make of every record:
 * paths in the config/state namespaces, listed entries only in
 * incremental backups. Fills the summary. */
struct backup_check {
	bool incremental;
	struct backup_info info;
	bool have_config;
	uint64_t dirs, files, listed, bytes;
};
extern const struct archive_parse_ops backup_check_ops;
void backup_check_free(struct backup_check *c);

/* Which namespace an archive path is in; rel gets the rest ("" for the
 * state directory itself). */
enum backup_ns { NS_BAD, NS_CONFIG, NS_STATE };
enum backup_ns backup_path_ns(const char *path, const char **rel);

#endif
