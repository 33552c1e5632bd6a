/* The table of every mailbox.conf setting (internal to config*.c). */
#ifndef AMB_CONFIG_TABLE_H
#define AMB_CONFIG_TABLE_H
#include <stdbool.h>

#include "common/buf.h"

enum config_type {
	CT_STRING,      /* printable text */
	CT_HOSTNAME,    /* fully qualified host name */
	CT_PATH,        /* absolute, or relative to state_dir */
	CT_ABSPATH,     /* absolute path */
	CT_LISTEN,      /* space-separated ADDR:PORT list, may be empty */
	CT_HOSTPORT,    /* HOST[:PORT] or empty */
	CT_SIZE,        /* bytes with optional K/M/G/T */
	CT_INT,         /* integer in [min, max] */
	CT_BOOL,        /* yes/no */
	CT_ENUM,        /* one of a '|'-separated list */
	CT_USER,        /* a user name, or empty */
	CT_SCORE,       /* points, up to 3 decimals ("5", "-1.25"), in
	                 * [min, max] thousandths */
	CT_HOSTLIST,    /* space-separated host names, may be empty */
};

struct config_setting {
	const char *key;
	enum config_type type;
	const char *def;
	long long min, max;      /* CT_INT */
	const char *choices;     /* CT_ENUM */
	const char *help;        /* one line, as in mailbox.conf(5) */
};

extern const struct config_setting config_settings[];
extern const unsigned config_nsettings;

const struct config_setting *config_find(const char *key);
bool config_check_value(const struct config_setting *s, const char *value,
    struct buf *err);
bool config_parse_bool(const char *v, bool *out);
/* "5.0", "-1.25" -> thousandths of a point (5000, -1250); false if not
 * such a number or beyond +-2000000 points. */
bool config_parse_score(const char *v, long long *thousandths);

#endif
