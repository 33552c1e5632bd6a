/* mailboxctl init DIR --domain DOMAIN [--hostname HOST] [--local] */
#include "ctl/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/config_table.h"
#include "common/fileutil.h"
#include "common/selfsigned.h"
#include "common/str.h"
#include "common/xmalloc.h"
#include "ctl/init.h"

struct init_opts {
	char *dir;
	char *domain;
	char *hostname;
	bool local;
};

/* Paths made so far, removed in reverse order if init fails. */
struct undo {
	char *paths[32];
	int n;
};

static void undo_add(struct undo *u, const char *path)
{
	if (u->n < 32)
		u->paths[u->n++] = xstrdup(path);
}

static void undo_run(struct undo *u, bool failed)
{
	while (u->n > 0) {
		char *p = u->paths[--u->n];
		if (failed && remove(p) != 0 && errno != ENOENT)
			fprintf(stderr, "mailboxctl: init: could not remove %s: %s\n",
			    p, strerror(errno));
		free(p);
	}
}

static const char *local_listen[][2] = {
	{ "smtp_listen", "127.0.0.1:2525" },
	{ "submission_listen", "127.0.0.1:2587" },
	{ "submissions_listen", "127.0.0.1:2465" },
	{ "imap_listen", "127.0.0.1:2143" },
	{ "imaps_listen", "127.0.0.1:2993" },
	/* A local instance answers no ACME challenges unless told a port. */
	{ "acme_tls_port", "0" },
	{ "acme_http_port", "0" },
};

static bool set_by_local(const char *key)
{
	for (size_t i = 0; i < sizeof local_listen / sizeof local_listen[0]; i++)
		if (strcmp(local_listen[i][0], key) == 0)
			return true;
	return !strcmp(key, "run_user");
}

/* The file lists the settings init chose, then every other setting as a
 * comment with its default, so the file documents itself. */
static void render_conf(const struct init_opts *o, struct buf *out)
{
	buf_printf(out, "# archmailbox configuration: see mailbox.conf(5).\n"
	    "# Change settings with `mailboxctl config set KEY VALUE`.\n\n"
	    "hostname = %s\nstate_dir = %s\n", o->hostname, o->dir);
	if (o->local) {
		struct passwd *pw = getpwuid(geteuid());
		buf_printf(out, "run_user = %s\n", pw ? pw->pw_name : "root");
		for (size_t i = 0; i < sizeof local_listen / sizeof local_listen[0]; i++)
			buf_printf(out, "%s = %s\n", local_listen[i][0], local_listen[i][1]);
	}
	buf_addstr(out, "\n# Defaults of the other settings:\n");
	for (unsigned i = 0; i < config_nsettings; i++) {
		const struct config_setting *s = &config_settings[i];
		if (strcmp(s->key, "hostname") == 0 || strcmp(s->key, "state_dir") == 0 ||
		    (o->local && set_by_local(s->key)))
			continue;
		buf_printf(out, "# %s: %s\n#%s = %s\n", s->key, s->help, s->key, s->def);
	}
}

static bool make_dirs(const struct init_opts *o, struct undo *u, struct buf *err)
{
	static const struct { const char *name; mode_t mode; } dirs[] = {
		{ "queue", 0700 }, { "mail", 0700 }, { "dkim", 0700 },
		{ "acme", 0700 }, { "tls", 0750 },
		{ "empty", 0755 },   /* the smtp process's chroot */
	};
	if (!file_exists(o->dir)) {
		if (!file_mkdir(o->dir, 0755, err))
			return false;
		undo_add(u, o->dir);
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", o->dir, dirs[i].name);
		bool existed = file_exists(p.data);
		bool ok = file_mkdir(p.data, dirs[i].mode, err);
		if (ok && !existed)
			undo_add(u, p.data);
		buf_free(&p);
		if (!ok)
			return false;
	}
	return true;
}

static bool write_file_undoable(const char *path, const struct buf *data,
    int mode, struct undo *u, struct buf *err)
{
	undo_add(u, path);
	return file_write_atomic(path, data->data, data->len, mode, err);
}

static bool create_instance(const struct init_opts *o, struct buf *err)
{
	struct undo u = { .n = 0 };
	struct buf conf = BUF_INIT, text = BUF_INIT, cert = BUF_INIT, key = BUF_INIT;
	struct config *cfg = NULL;
	buf_printf(&conf, "%s/mailbox.conf", o->dir);
	buf_printf(&cert, "%s/tls/fullchain.pem", o->dir);
	buf_printf(&key, "%s/tls/private.key", o->dir);
	render_conf(o, &text);
	bool ok = make_dirs(o, &u, err) &&
	    write_file_undoable(conf.data, &text, 0644, &u, err) &&
	    (cfg = config_load(conf.data, err)) != NULL &&
	    (undo_add(&u, cert.data), undo_add(&u, key.data),
	     selfsigned_create(o->hostname, o->local, cert.data, key.data, err)) &&
	    (o->local || init_system_users(o->dir, err)) &&
	    init_database(cfg, o->domain, err);
	config_free(cfg);
	if (!ok) {
		/* The database may be half made; its files go too. */
		static const char *db_files[] = { "mailbox.sqlite", "mailbox.sqlite-wal",
		    "mailbox.sqlite-shm", "mailbox.sqlite-journal" };
		for (size_t i = 0; i < 4; i++) {
			struct buf p = BUF_INIT;
			buf_printf(&p, "%s/%s", o->dir, db_files[i]);
			remove(p.data);
			buf_free(&p);
		}
	}
	undo_run(&u, !ok);
	buf_free(&conf);
	buf_free(&text);
	buf_free(&cert);
	buf_free(&key);
	return ok;
}

static char *absolute_dir(const char *dir)
{
	if (dir[0] == '/')
		return xstrdup(dir);
	char *cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return NULL;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s", cwd, dir);
	free(cwd);
	while (b.len > 1 && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	return buf_detach(&b);
}

static int parse_opts(int argc, char **argv, struct init_opts *o)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "local", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->domain = xstrdup(optarg); break;
		case 'H': o->hostname = xstrdup(optarg); break;
		case 'l': o->local = true; break;
		default: return -1;
		}
	}
	if (optind != argc - 1 || o->domain == NULL)
		return -1;
	o->dir = absolute_dir(argv[optind]);
	return o->dir != NULL ? 0 : -1;
}

static int check_opts(struct init_opts *o)
{
	str_lower_ascii(o->domain);
	if (o->hostname == NULL) {
		struct buf h = BUF_INIT;
		buf_printf(&h, "mail.%s", o->domain);
		o->hostname = buf_detach(&h);
	}
	str_lower_ascii(o->hostname);
	struct buf err = BUF_INIT;
	int rc = 0;
	if (!config_validate("hostname", o->hostname, &err))
		rc = ctl_fail("init: --hostname: %s", buf_cstr(&err));
	else if (!o->local && geteuid() != 0)
		rc = ctl_fail("init: a production instance needs root (it creates "
		    "system users); use --local for one that runs as you");
	buf_free(&err);
	return rc;
}

static int refuse_existing(const char *dir)
{
	static const char *markers[] = { "mailbox.conf", "mailbox.sqlite" };
	for (size_t i = 0; i < 2; i++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s/%s", dir, markers[i]);
		bool exists = file_exists(p.data);
		buf_free(&p);
		if (exists)
			return ctl_fail("init: %s already holds an instance (%s); "
			    "refusing to overwrite it", dir, markers[i]);
	}
	return 0;
}

int ctl_init(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	struct init_opts o = { 0 };
	int rc = parse_opts(argc, argv, &o) < 0 ?
	    ctl_usage("usage: init DIR --domain DOMAIN [--hostname HOST] [--local]") :
	    check_opts(&o);
	if (rc == 0)
		rc = refuse_existing(o.dir);
	if (rc == 0) {
		struct buf err = BUF_INIT;
		if (create_instance(&o, &err))
			printf("initialised %s instance in %s\n"
			    "  domain %s, hostname %s\n"
			    "  config %s/mailbox.conf\n"
			    "next: mailboxctl -c %s/mailbox.conf user add USER@%s\n",
			    o.local ? "a local" : "an", o.dir, o.domain, o.hostname,
			    o.dir, o.dir, o.domain);
		else
			rc = ctl_fail("%s", buf_cstr(&err));
		buf_free(&err);
	}
	free(o.dir);
	free(o.domain);
	free(o.hostname);
	return rc;
}
