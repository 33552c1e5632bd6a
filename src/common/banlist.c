/* The ban list and its nftables commands (see banlist.h). */
#include "common/banlist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/str.h"

#define BANLIST_FILE_MAX (BANLIST_MAX * 80)

extern char **environ;

bool ban_addr_canon(const char *in, char out[BAN_ADDR_MAX])
{
	unsigned char b[16];
	if (inet_pton(AF_INET, in, b) == 1)
		return inet_ntop(AF_INET, b, out, BAN_ADDR_MAX) != NULL;
	return inet_pton(AF_INET6, in, b) == 1 &&
	    inet_ntop(AF_INET6, b, out, BAN_ADDR_MAX) != NULL;
}

const struct ban *banlist_find(const struct banlist *l, const char *addr)
{
	char canon[BAN_ADDR_MAX];
	if (!ban_addr_canon(addr, canon))
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].addr, canon) == 0)
			return &l->v[i];
	return NULL;
}

bool banlist_put(struct banlist *l, const char *addr, long long until)
{
	struct ban *b = (struct ban *)banlist_find(l, addr);
	if (b != NULL) {
		if (until > b->until)
			b->until = until;
		return true;
	}
	if (l->n == BANLIST_MAX || !ban_addr_canon(addr, l->v[l->n].addr))
		return false;
	l->v[l->n++].until = until;
	return true;
}

bool banlist_del(struct banlist *l, const char *addr)
{
	const struct ban *b = banlist_find(l, addr);
	if (b == NULL)
		return false;
	size_t i = (size_t)(b - l->v);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof l->v[0]);
	l->n--;
	return true;
}

/* "ADDR UNTIL" with one space, UNTIL decimal; false otherwise. */
static bool parse_line(const char *p, size_t n, char *addr, long long *until)
{
	const char *sp = memchr(p, ' ', n);
	if (memchr(p, '\0', n) != NULL || sp == NULL || sp == p || (size_t)(sp - p) >= BAN_ADDR_MAX)
		return false;
	size_t al = (size_t)(sp - p), dl = n - al - 1;
	char num[24];
	if (dl == 0 || dl >= sizeof num)
		return false;
	memcpy(addr, p, al);
	addr[al] = '\0';
	memcpy(num, sp + 1, dl);
	num[dl] = '\0';
	for (size_t i = 0; i < dl; i++)
		if (num[i] < '0' || num[i] > '9')
			return false;
	errno = 0;
	*until = strtoll(num, NULL, 10);
	return errno == 0;
}

void banlist_parse(const char *text, size_t len, long long now,
    struct banlist *out)
{
	out->n = 0;
	for (size_t off = 0; off < len; ) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		char addr[BAN_ADDR_MAX];
		long long until;
		if (parse_line(text + off, n, addr, &until) && until > now)
			banlist_put(out, addr, until);
		off += n + (nl != NULL);
	}
}

void banlist_format(const struct banlist *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++)
		buf_printf(out, "%s %lld\n", l->v[i].addr, l->v[i].until);
}

bool nft_ban_cmd(bool add, const char *addr, long long seconds,
    struct nft_cmd *cmd)
{
	memset(cmd, 0, sizeof *cmd);
	if (!ban_addr_canon(addr, cmd->addr))
		return false;
	snprintf(cmd->timeout, sizeof cmd->timeout, "%llds",
	    seconds > 0 ? seconds : 1);
	size_t i = 0;
	cmd->argv[i++] = (char *)"nft";
	cmd->argv[i++] = (char *)(add ? "add" : "delete");
	cmd->argv[i++] = (char *)"element";
	cmd->argv[i++] = (char *)"inet";
	cmd->argv[i++] = (char *)NFT_TABLE;
	cmd->argv[i++] = (char *)(strchr(cmd->addr, ':') ? NFT_SET6 : NFT_SET4);
	cmd->argv[i++] = (char *)"{";
	cmd->argv[i++] = cmd->addr;
	if (add) {
		cmd->argv[i++] = (char *)"timeout";
		cmd->argv[i++] = cmd->timeout;
	}
	cmd->argv[i++] = (char *)"}";
	cmd->argv[i] = NULL;
	return true;
}

int nft_run(const struct nft_cmd *cmd)
{
	if (access(NFT_PATH, X_OK) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = 0;
	int rc = posix_spawn(&pid, NFT_PATH, &fa, NULL, cmd->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool banlist_load(const char *path, long long now, struct banlist *out,
    struct buf *err)
{
	struct buf text = BUF_INIT;
	out->n = 0;
	if (!file_exists(path))
		return true;
	bool ok = file_read_all(path, BANLIST_FILE_MAX, &text, err);
	if (ok)
		banlist_parse(text.data ? text.data : "", text.len, now, out);
	buf_free(&text);
	return ok;
}

bool banlist_save(const char *path, const struct banlist *l, struct buf *err)
{
	struct buf text = BUF_INIT;
	banlist_format(l, &text);
	bool ok = file_write_atomic(path, text.data ? text.data : "", text.len,
	    0600, err);
	buf_free(&text);
	return ok;
}

int banlist_lock(const char *state_dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/bans.lock", state_dir) >= (int)sizeof path)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void banlist_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
