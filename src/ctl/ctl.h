/* mailboxctl subcommands: one file each in src/ctl/. Each returns the
 * process exit status: 0 done, 1 failed (one line on stderr says why),
 * 2 usage error. */
#ifndef AMB_CTL_H
#define AMB_CTL_H

struct config;

struct ctl {
	const char *conf_arg;   /* -c CONF, or NULL */
};

typedef int ctl_cmd_fn(struct ctl *ctl, int argc, char **argv);

/* argv[0] is the subcommand's own name ("user", "init", ...). */
ctl_cmd_fn ctl_init, ctl_config, ctl_domain, ctl_user, ctl_alias, ctl_resolve,
    ctl_dkim, ctl_queue, ctl_sieve, ctl_spam, ctl_cert, ctl_import, ctl_export,
    ctl_backup, ctl_backup_verify, ctl_restore;
/* Operations (dns.c, check.c, status.c, ban.c). */
ctl_cmd_fn ctl_dns, ctl_check, ctl_status, ctl_ban;
/* Inbound authentication tools (authcheck.c). */
ctl_cmd_fn ctl_spf, ctl_dmarc;

/* Prints "mailboxctl: <msg>" on stderr; returns 1 (ctl_fail) or 2 (ctl_usage). */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads the config chosen by -c / $MAILBOX_CONF / the default; on error
 * prints the reason and returns NULL. */
struct config *ctl_load_config(struct ctl *ctl);

/* The pid of the running mailboxd (state_dir/mailboxd.pid, alive), or 0. */
long ctl_daemon_pid(const struct config *cfg);

#endif
