/* The master's ban list. lookup bans a client address after repeated
 * authentication failures and tells the master, which (as root) keeps
 * the ban in state_dir/bans, so it outlives a restart of lookup or of
 * mailboxd, and adds the address to the nftables set of
 * packaging/nftables/archmailbox.nft with the same timeout, so the
 * kernel drops its packets and the element expires by itself. Without
 * nft or without the ruleset, the ban stays in lookup alone. */
#include "daemon/master_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/banlist.h"
#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"

static struct {
	struct banlist list;
	struct buf path, state_dir;
	bool nft_missing_said;
} b;

static bool nft_ban(const char *addr, long long seconds)
{
	struct nft_cmd cmd;
	if (!nft_ban_cmd(true, addr, seconds, &cmd))
		return false;
	int rc = nft_run(&cmd);
	if (rc == 1)
		log_info("bans: %s added to the nftables set for %lld s", addr, seconds);
	else if (!b.nft_missing_said)
		log_info("bans: %s; bans are kept by mailboxd only", rc < 0 ?
		    NFT_PATH " is not installed" :
		    "nft failed (is archmailbox.nft loaded?)");
	b.nft_missing_said = b.nft_missing_said || rc != 1;
	return rc == 1;
}

/* The running bans go back into the firewall too: the ruleset may have
 * been loaded again (emptying its sets) or the machine restarted. */
void bans_init(const struct config *cfg)
{
	struct buf err = BUF_INIT;
	long long now = (long long)time(NULL);
	buf_reset(&b.path);
	buf_set(&b.state_dir, config_str(cfg, "state_dir"));
	config_state_path(cfg, BANLIST_FILE, &b.path);
	if (!banlist_load(b.path.data, now, &b.list, &err))
		log_warn("bans: %s", buf_cstr(&err));
	for (size_t i = 0; i < b.list.n; i++)
		if (!nft_ban(b.list.v[i].addr, b.list.v[i].until - now))
			break;
	buf_free(&err);
}

static void send_ban(struct ipc_chan *ch, uint32_t type, const struct ban *ban,
    long long now)
{
	struct buf p = BUF_INIT;
	ipc_w_str(&p, ban->addr);
	if (type == MSG_BAN)
		ipc_w_u32(&p, (uint32_t)(ban->until - now));
	ipc_send_buf(ch, type, 0, -1, &p);
	buf_free(&p);
}

/* MSG_BAN: str address, u32 seconds. */
void bans_on_ban(const struct ipc_msg *m)
{
	struct ipc_reader r;
	const char *addr;
	uint32_t secs;
	ipc_reader_init(&r, m);
	if (!ipc_r_str(&r, &addr) || !ipc_r_u32(&r, &secs) || !ipc_r_done(&r)) {
		log_err("lookup sent a malformed BAN");
		return;
	}
	long long now = (long long)time(NULL);
	struct buf err = BUF_INIT;
	int lock = banlist_lock(b.state_dir.data);
	struct banlist *disk = xmalloc(sizeof *disk);
	/* ban del may have edited the file: start from it. */
	if (banlist_load(b.path.data, now, disk, &err) &&
	    banlist_put(disk, addr, now + secs)) {
		b.list = *disk;
		if (!banlist_save(b.path.data, &b.list, &err))
			log_warn("bans: %s", buf_cstr(&err));
		nft_ban(addr, secs);
	} else {
		log_warn("bans: %s not recorded: %s", addr, err.len ? err.data :
		    "list full or not an address");
	}
	banlist_unlock(lock);
	free(disk);
	buf_free(&err);
}

void bans_send_all(struct ipc_chan *lookup)
{
	long long now = (long long)time(NULL);
	for (size_t i = 0; lookup != NULL && i < b.list.n; i++)
		if (b.list.v[i].until > now)
			send_ban(lookup, MSG_BAN, &b.list.v[i], now);
}

void bans_reload(struct ipc_chan *lookup)
{
	long long now = (long long)time(NULL);
	struct buf err = BUF_INIT;
	struct banlist *disk = xmalloc(sizeof *disk);
	int lock = banlist_lock(b.state_dir.data);
	bool ok = banlist_load(b.path.data, now, disk, &err);
	banlist_unlock(lock);
	for (size_t i = 0; ok && i < b.list.n; i++) {
		if (banlist_find(disk, b.list.v[i].addr) != NULL ||
		    b.list.v[i].until <= now)
			continue;
		log_info("bans: %s unbanned", b.list.v[i].addr);
		if (lookup != NULL)
			send_ban(lookup, MSG_UNBAN, &b.list.v[i], now);
	}
	if (ok)
		b.list = *disk;
	else
		log_warn("bans: %s", buf_cstr(&err));
	free(disk);
	buf_free(&err);
}
