/* mailboxctl sieve set ADDR FILE [--name N] | get ADDR [NAME] | list ADDR
 *                  | del ADDR NAME | activate ADDR NAME | deactivate ADDR
 *
 * Scripts live beside the user's Maildir (store/sievestore.h). `set`
 * compiles the script first and stores nothing if it is not valid,
 * printing FILE:LINE: message. Run as root, the command becomes the
 * mail user before it touches the store, so the files belong to deliver
 * and the user's ManageSieve session as the rest of the mailbox does. */
#include "ctl/ctl.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/fileutil.h"
#include "common/runas.h"
#include "ctl/ctl_userdb.h"
#include "filter/sieve.h"
#include "store/sievestore.h"

#define SIEVE_USAGE "usage: sieve set ADDR FILE [--name N] | get ADDR [NAME] |" \
	" list ADDR | del ADDR NAME | activate ADDR NAME | deactivate ADDR"
#define DEFAULT_NAME "main"

/* The user's sieve directory, after checking that the user exists. */
static bool user_dir(struct ctl *ctl, const char *addr, struct buf *dir,
    struct config **cfg)
{
	struct buf err = BUF_INIT, mail = BUF_INIT;
	struct userdb *db = ctl_userdb_open(ctl, cfg);
	if (db == NULL)
		return false;
	struct userdb_user u;
	int found = userdb_user_get(db, addr, &u, &err);
	userdb_close(db);
	if (found == 1) {
		config_state_path(*cfg, "mail", &mail);
		sievestore_dir(mail.data, u.address, dir);
		userdb_user_clear(&u);
	} else if (found == 0) {
		ctl_fail("no such user: %s", addr);
	} else {
		ctl_fail("sieve: %s", buf_cstr(&err));
	}
	buf_free(&err);
	buf_free(&mail);
	return found == 1;
}

/* Root becomes the mail store's owner; anyone else stays who they are
 * (a --local instance runs as its owner). */
static bool become_mail_user(const struct config *cfg)
{
	if (geteuid() != 0)
		return true;
	const char *name = runas_user(cfg, ROLE_MAIL);
	struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		ctl_fail("no system user %s", name);
		return false;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		ctl_fail("cannot become %s: %s", name, strerror(errno));
		return false;
	}
	return true;
}

static int rc_result(enum sievestore_rc rc, const char *name, struct buf *err)
{
	switch (rc) {
	case SIEVESTORE_OK:
		return 0;
	case SIEVESTORE_NOTFOUND:
		return ctl_fail("no script named %s", name);
	case SIEVESTORE_ACTIVE:
		return ctl_fail("%s is the active script (deactivate it first)", name);
	case SIEVESTORE_EXISTS:
		return ctl_fail("a script named %s exists", name);
	case SIEVESTORE_FULL:
		return ctl_fail("too many scripts (at most %d)",
		    SIEVESTORE_MAX_SCRIPTS);
	case SIEVESTORE_FAIL:
		break;
	}
	return ctl_fail("sieve: %s", buf_cstr(err));
}

/* Read and checked before anything else: as the admin, who can read
 * the file, and so that a broken script stores nothing. */
static bool read_script(const char *file, struct buf *text)
{
	struct buf err = BUF_INIT;
	bool ok = file_read_all(file, SIEVE_MAX_SCRIPT, text, &err);
	if (!ok) {
		ctl_fail("%s", buf_cstr(&err));
	} else {
		struct sieve_script *s = sieve_compile(buf_cstr(text), text->len,
		    &err);
		if (s == NULL)
			fprintf(stderr, "%s:%s\n", file, buf_cstr(&err));
		ok = s != NULL;
		sieve_free(s);
	}
	buf_free(&err);
	return ok;
}

static int cmd_set(const char *dir, const struct buf *text, const char *name)
{
	struct buf err = BUF_INIT;
	int rc = rc_result(sievestore_put(dir, name, buf_cstr((struct buf *)text),
	    text->len, &err), name, &err);
	if (rc == 0)
		rc = rc_result(sievestore_activate(dir, name, &err), name, &err);
	if (rc == 0)
		printf("stored and activated %s\n", name);
	buf_free(&err);
	return rc;
}

static int cmd_get(const char *dir, const char *name)
{
	struct buf text = BUF_INIT, err = BUF_INIT, active = BUF_INIT;
	if (name == NULL) {
		sievestore_active(dir, &active);
		name = buf_cstr(&active);
	}
	int rc = *name == '\0' ? ctl_fail("no active script") :
	    rc_result(sievestore_get(dir, name, &text, &err), name, &err);
	if (rc == 0)
		fwrite(text.data ? text.data : "", 1, text.len, stdout);
	buf_free(&text);
	buf_free(&err);
	buf_free(&active);
	return rc;
}

static int cmd_list(const char *dir)
{
	struct buf active = BUF_INIT;
	size_t n;
	char **v = sievestore_list(dir, &n);
	sievestore_active(dir, &active);
	for (size_t i = 0; i < n; i++)
		printf("%s%s\n", v[i], strcmp(v[i], buf_cstr(&active)) ? "" :
		    " (active)");
	sievestore_list_free(v, n);
	buf_free(&active);
	return 0;
}

/* What the subcommand needs after ADDR: its own arguments, --name. */
struct args {
	const char *sub, *addr, *arg;
	const char *name;
};

static bool parse_args(int argc, char **argv, struct args *a)
{
	int pos = 0;
	const char *v[3] = { NULL, NULL, NULL };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			a->name = argv[++i];
		else if (pos < 3)
			v[pos++] = argv[i];
		else
			return false;
	}
	a->sub = v[0];
	a->addr = v[1];
	a->arg = v[2];
	if (a->sub == NULL || a->addr == NULL)
		return false;
	bool needs_arg = !strcmp(a->sub, "set") || !strcmp(a->sub, "del") ||
	    !strcmp(a->sub, "activate");
	bool takes_arg = needs_arg || !strcmp(a->sub, "get");
	return (a->arg != NULL) == needs_arg || (takes_arg && !needs_arg);
}

int ctl_sieve(struct ctl *ctl, int argc, char **argv)
{
	struct args a = { .name = DEFAULT_NAME };
	if (!parse_args(argc, argv, &a))
		return ctl_usage(SIEVE_USAGE);
	const char *name = !strcmp(a.sub, "set") ? a.name : a.arg;
	if (name != NULL && !sievestore_name_ok(name))
		return ctl_fail("invalid script name: %s", name);
	struct buf dir = BUF_INIT, err = BUF_INIT, text = BUF_INIT;
	struct config *cfg = NULL;
	int rc;
	if (!strcmp(a.sub, "set") && !read_script(a.arg, &text))
		rc = 1;
	else if (!user_dir(ctl, a.addr, &dir, &cfg) || !become_mail_user(cfg))
		rc = 1;
	else if (!strcmp(a.sub, "set"))
		rc = cmd_set(dir.data, &text, a.name);
	else if (!strcmp(a.sub, "get"))
		rc = cmd_get(dir.data, a.arg);
	else if (!strcmp(a.sub, "list"))
		rc = cmd_list(dir.data);
	else if (!strcmp(a.sub, "del"))
		rc = rc_result(sievestore_delete(dir.data, a.arg, &err), a.arg, &err);
	else if (!strcmp(a.sub, "activate"))
		rc = rc_result(sievestore_activate(dir.data, a.arg, &err), a.arg,
		    &err);
	else if (!strcmp(a.sub, "deactivate"))
		rc = rc_result(sievestore_activate(dir.data, "", &err), "", &err);
	else
		rc = ctl_usage(SIEVE_USAGE);
	config_free(cfg);
	buf_free(&dir);
	buf_free(&err);
	buf_free(&text);
	return rc;
}
