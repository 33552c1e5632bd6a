/* mailboxctl user add ADDR [--password-stdin] [--quota SIZE]
 * [--no-encryption] | del ADDR | passwd ADDR [--password-stdin]
 * | list [DOMAIN] */
#include "ctl/ctl.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/str.h"
#include "ctl/ctl_userdb.h"
#include "ctl/password.h"

#define USER_USAGE "usage: user add ADDR [--password-stdin] [--quota SIZE] " \
	"[--no-encryption] | user del ADDR | user passwd ADDR [--password-stdin] " \
	"| user list [DOMAIN]"

struct user_opts {
	bool pw_stdin, no_encryption;
	const char *quota;
	const char *addr;
};

/* Options of add and passwd; returns false on a usage error. */
static bool parse_opts(int argc, char **argv, bool add, struct user_opts *o)
{
	static const struct option longopts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ "quota", required_argument, NULL, 'q' },
		{ "no-encryption", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 's')
			o->pw_stdin = true;
		else if (c == 'q' && add)
			o->quota = optarg;
		else if (c == 'n' && add)
			o->no_encryption = true;
		else
			return false;
	}
	if (optind != argc - 1)
		return false;
	o->addr = argv[optind];
	return true;
}

static bool read_new_password(const struct user_opts *o, struct password *pw,
    struct buf *err)
{
	if (o->pw_stdin)
		return password_from_stdin(pw, err);
	struct buf prompt = BUF_INIT;
	buf_printf(&prompt, "New password for %s: ", o->addr);
	bool ok = password_from_tty(buf_cstr(&prompt), true, pw, err);
	buf_free(&prompt);
	return ok;
}

static int user_add(struct ctl *ctl, int argc, char **argv)
{
	struct user_opts o;
	if (!parse_opts(argc, argv, true, &o))
		return ctl_usage(USER_USAGE);
	struct config *cfg = NULL;
	struct userdb *db = ctl_userdb_open(ctl, &cfg);
	if (db == NULL)
		return 1;
	unsigned long long quota = config_size(cfg, "default_quota");
	config_free(cfg);
	struct buf err = BUF_INIT;
	struct password pw = { NULL, 0 };
	bool ok = true;
	if (o.quota != NULL && !str_parse_size(o.quota, &quota)) {
		buf_addstr(&err, "invalid quota (a size such as 500M, 15G or 1T)");
		ok = false;
	}
	/* Check the address and domain before asking for a password. */
	struct userdb_user u;
	const char *at = strrchr(o.addr, '@');
	int found = ok ? userdb_user_get(db, o.addr, &u, &err) : -1;
	if (found == 1) {
		buf_printf(&err, "user %s already exists", u.address);
		userdb_user_clear(&u);
	} else if (found == 0 && userdb_domain_exists(db, at + 1, &err) != 1) {
		found = -1;
	}
	ok = found == 0 && read_new_password(&o, &pw, &err) &&
	    userdb_user_add(db, o.addr, pw.s, pw.len, quota, !o.no_encryption, &err);
	password_free(&pw);
	userdb_close(db);
	return ctl_userdb_result(ok, "user add", &err);
}

static int user_del(struct ctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return ctl_usage(USER_USAGE);
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	bool ok = userdb_user_del(db, argv[1], &err);
	userdb_close(db);
	return ctl_userdb_result(ok, "user del", &err);
}

/* The current password, then the new one: two lines of stdin, or asked on
 * the terminal (the new one twice). The secret key can only be re-locked
 * by someone who can unlock it. */
static bool read_passwords(const struct user_opts *o, struct password *cur,
    struct password *new, struct buf *err)
{
	if (o->pw_stdin)
		return password_from_stdin(cur, err) && password_from_stdin(new, err);
	struct buf prompt = BUF_INIT;
	buf_printf(&prompt, "Current password for %s: ", o->addr);
	bool ok = password_from_tty(buf_cstr(&prompt), false, cur, err) &&
	    read_new_password(o, new, err);
	buf_free(&prompt);
	return ok;
}

static int user_passwd(struct ctl *ctl, int argc, char **argv)
{
	struct user_opts o;
	if (!parse_opts(argc, argv, false, &o))
		return ctl_usage(USER_USAGE);
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	struct password cur = { NULL, 0 }, new = { NULL, 0 };
	struct userdb_user u;
	int found = userdb_user_get(db, o.addr, &u, &err);
	if (found == 0)
		buf_printf(&err, "unknown user %s", o.addr);
	if (found == 1)
		userdb_user_clear(&u);
	bool ok = found == 1 && read_passwords(&o, &cur, &new, &err) &&
	    userdb_user_passwd(db, o.addr, cur.s, cur.len, new.s, new.len, &err);
	password_free(&cur);
	password_free(&new);
	userdb_close(db);
	return ctl_userdb_result(ok, "user passwd", &err);
}

static void print_user(const struct userdb_user *u, void *arg)
{
	(void)arg;
	char q[32];
	str_format_size(u->quota, q, sizeof q);
	printf("%s\t%s\t%s\n", u->address, q, u->encrypt ? "encrypted" : "plain");
}

static int user_list(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 2)
		return ctl_usage(USER_USAGE);
	struct userdb *db = ctl_userdb_open(ctl, NULL);
	if (db == NULL)
		return 1;
	struct buf err = BUF_INIT;
	bool ok = userdb_user_list(db, argc == 2 ? argv[1] : NULL, print_user,
	    NULL, &err);
	userdb_close(db);
	return ctl_userdb_result(ok, "user list", &err);
}

int ctl_user(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct ctl *, int, char **);
	} subs[] = {
		{ "add", user_add }, { "del", user_del },
		{ "passwd", user_passwd }, { "list", user_list },
	};
	for (size_t i = 0; argc >= 2 && i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(ctl, argc - 1, argv + 1);
	return ctl_usage(USER_USAGE);
}
