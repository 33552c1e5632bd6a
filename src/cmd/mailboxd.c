/* mailboxd: the archmailbox server's master. It starts each process role
 * from its own executable, mailboxd-<role>, in the same directory. */
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

static int usage(void)
{
	fprintf(stderr, "usage: mailboxd [-f] [-c CONF]\n");
	return 2;
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
	const char *conf = NULL;
	bool foreground = false;
	int c;
	while ((c = getopt(argc, argv, "c:fh")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'f': foreground = true; break;
		default: return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (sodium_init() < 0)
		return 1;
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
