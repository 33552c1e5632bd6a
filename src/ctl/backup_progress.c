/* The passphrase of a backup. */
#include "ctl/backup.h"

#include <stdio.h>
#include <unistd.h>

bool backup_passphrase(const char *file, bool confirm, struct password *pw,
    struct buf *err)
{
	if (file != NULL)
		return password_from_file(file, pw, err);
	return password_from_tty("Backup passphrase: ", confirm, pw, err);
}
