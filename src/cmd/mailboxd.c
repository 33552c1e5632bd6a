/* mailboxd: the archmailbox server. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/config.h"
#include "common/log.h"
#include "daemon/master.h"
#include "ctl/ctl.h"
#include "daemon/roles.h"

static const struct role_ops *const child_roles[] = { &lookup_role,
	&queue_role, &deliver_role, &smtp_role, &imaplogin_role, &imap_role,
	&signer_role, &relay_role, &acme_role };

static int usage(void)
{
	fprintf(stderr, "usage: mailboxd [-f] [-c CONF]\n");
	return 2;
}

static _Noreturn void run_child(const char *name, bool foreground)
{
	for (size_t i = 0; i < sizeof child_roles / sizeof child_roles[0]; i++) {
		if (strcmp(proc_name(child_roles[i]->role), name) == 0) {
			static char ident[64];
			snprintf(ident, sizeof ident, "mailboxd/%s", name);
			log_open(ident, foreground);
			child_run(child_roles[i], 3);
		}
	}
	fprintf(stderr, "mailboxd: unknown role %s\n", name);
	exit(2);
}

/* The master's twice-daily renewal: `mailboxctl cert renew`. */
static int run_renewal(const char *conf)
{
	struct ctl ctl = { .conf_arg = conf };
	char *argv[] = { (char *)"cert", (char *)"renew", NULL };
	int rc = ctl_cert(&ctl, 2, argv);
	fflush(stdout);
	return rc;
}

static bool daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return false;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	return chdir("/") == 0;
}

int main(int argc, char **argv)
{
	const char *conf = NULL, *role = NULL;
	bool foreground = false;
	int c;
	while ((c = getopt(argc, argv, "c:fR:h")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'f': foreground = true; break;
		case 'R': role = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (sodium_init() < 0)
		return 1;
	if (role != NULL && strcmp(role, "renew") == 0)
		return run_renewal(conf);
	if (role != NULL)
		run_child(role, foreground);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		fprintf(stderr, "mailboxd: cannot find own binary\n");
		return 1;
	}
	self[n] = '\0';
	char *path = realpath(config_choose_path(conf), NULL);
	if (path == NULL) {
		fprintf(stderr, "mailboxd: %s: cannot open config\n", config_choose_path(conf));
		return 1;
	}
	log_open("mailboxd", foreground);
	if (!foreground && !daemonize()) {
		log_err("cannot become a daemon");
		return 1;
	}
	int rc = master_run(path, self, foreground);
	free(path);
	return rc;
}
