#include "daemon/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static bool drop_unprivileged(const char *user, struct buf *err)
{
	struct passwd *pw = getpwuid(getuid());
	if (pw == NULL || strcmp(pw->pw_name, user) != 0) {
		buf_printf(err, "cannot become user %s without root", user);
		return false;
	}
	return true;
}

bool privdrop(const char *user, const char *chroot_dir, struct buf *err)
{
	if (geteuid() != 0)
		return drop_unprivileged(user, err);
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		buf_printf(err, "no such user %s", user);
		return false;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (chroot_dir != NULL && (chroot(chroot_dir) != 0 || chdir("/") != 0)) {
		buf_printf(err, "chroot %s: %s", chroot_dir, strerror(errno));
		return false;
	}
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		buf_printf(err, "cannot become %s: %s", user, strerror(errno));
		return false;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		buf_printf(err, "privileges of root could be regained");
		return false;
	}
	return true;
}
