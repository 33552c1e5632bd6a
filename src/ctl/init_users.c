/* System users of a production instance (`mailboxctl init` without --local). */
#include "ctl/init.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/runas.h"

extern char **environ;

static bool ensure_user(const char *name, struct buf *err)
{
	if (getpwnam(name) != NULL)
		return true;
	char *argv[] = { "useradd", "--system", "--user-group", "--no-create-home",
	    "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
	    "--comment", "archmailbox", (char *)name, NULL };
	pid_t pid;
	int status = 0;
	int rc = posix_spawnp(&pid, "useradd", NULL, NULL, argv, environ);
	if (rc == 0 && waitpid(pid, &status, 0) > 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0 && getpwnam(name) != NULL)
		return true;
	buf_printf(err, "init: could not create system user %s%s%s", name,
	    rc ? ": " : "", rc ? strerror(rc) : "");
	return false;
}

static bool give_dir(const char *state_dir, const char *sub, const char *user,
    struct buf *err)
{
	struct passwd *pw = getpwnam(user);
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/%s", state_dir, sub);
	bool ok = pw != NULL && chown(p.data, pw->pw_uid, pw->pw_gid) == 0;
	if (!ok)
		buf_printf(err, "init: cannot give %s to %s: %s", p.data, user,
		    strerror(errno));
	buf_free(&p);
	return ok;
}

bool init_system_users(const char *state_dir, struct buf *err)
{
	for (int r = 0; r < ROLE_COUNT; r++)
		if (!ensure_user(runas_system_user((enum runas_role)r), err))
			return false;
	return give_dir(state_dir, "queue", runas_system_user(ROLE_QUEUE), err) &&
	    give_dir(state_dir, "mail", runas_system_user(ROLE_MAIL), err) &&
	    give_dir(state_dir, "dkim", runas_system_user(ROLE_DKIM), err);
}
