/* mailbox.conf: `key = value` lines, `#` comments. Every setting has a
 * default, a validator and a description in one table (config.c); the
 * man page mailbox.conf(5) documents the same table. */
#ifndef AMB_CONFIG_H
#define AMB_CONFIG_H
#include <stdbool.h>

#include "common/buf.h"

#define CONFIG_DEFAULT_PATH "/etc/archmailbox/mailbox.conf"

struct config;

/* -c argument if given, else $MAILBOX_CONF, else CONFIG_DEFAULT_PATH. */
const char *config_choose_path(const char *arg);

/* Loads and validates the whole file. NULL with a one-line reason in err
 * (naming the file and line) when missing, unreadable or invalid. */
struct config *config_load(const char *path, struct buf *err);
/* The same from text in memory; name is used in messages. */
struct config *config_parse(const char *name, const char *text, size_t len,
    struct buf *err);
void config_free(struct config *cfg);
const char *config_file(const struct config *cfg);

/* Typed getters of a known key (an unknown key is a programming error and
 * aborts). Values are already validated by config_load. */
const char *config_str(const struct config *cfg, const char *key);
unsigned long long config_size(const struct config *cfg, const char *key);
long long config_int(const struct config *cfg, const char *key);
bool config_bool(const struct config *cfg, const char *key);
/* A score setting in thousandths of a point. */
long long config_score(const struct config *cfg, const char *key);

/* Appends state_dir "/" rel to out. */
void config_state_path(const struct config *cfg, const char *rel, struct buf *out);

/* Checks one value against its key's validator. */
bool config_validate(const char *key, const char *value, struct buf *err);

/* Rewrites one setting in the file at path, keeping every other line and
 * comment; appends it if absent. Atomic (temp file, fsync, rename). */
bool config_set(const char *path, const char *key, const char *value,
    struct buf *err);

#endif
