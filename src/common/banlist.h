/* Client addresses banned after repeated authentication failures: the
 * file state_dir/bans that mailboxd's master keeps (one "ADDRESS UNTIL"
 * line per ban, UNTIL in Unix seconds) and `mailboxctl ban` edits, and
 * the nftables elements that drop the address at the firewall when
 * packaging/nftables/archmailbox.nft is loaded. */
#ifndef AMB_BANLIST_H
#define AMB_BANLIST_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define BANLIST_FILE "bans"
#define BANLIST_MAX  1024
#define BAN_ADDR_MAX 46          /* INET6_ADDRSTRLEN */

/* The nftables table and sets (one per family: a set has one type). */
#define NFT_PATH   "/usr/sbin/nft"
#define NFT_TABLE  "archmailbox"
#define NFT_SET4   "archmailbox_banned"
#define NFT_SET6   "archmailbox_banned6"

struct ban {
	char addr[BAN_ADDR_MAX];  /* canonical text form */
	long long until;
};

struct banlist {
	struct ban v[BANLIST_MAX];
	size_t n;
};

/* The canonical form of an IPv4 or IPv6 address; false if it is not one. */
bool ban_addr_canon(const char *in, char out[BAN_ADDR_MAX]);

/* Parses the file's text. Lines that are malformed or expired (until <=
 * now) are skipped, as are those beyond BANLIST_MAX; a later line for
 * the same address replaces the earlier. */
void banlist_parse(const char *text, size_t len, long long now,
    struct banlist *out);
void banlist_format(const struct banlist *l, struct buf *out);
/* Adds or extends a ban (the later until wins); false if the list is
 * full or addr is not an address. */
bool banlist_put(struct banlist *l, const char *addr, long long until);
/* Removes addr; false if it was not there. */
bool banlist_del(struct banlist *l, const char *addr);
const struct ban *banlist_find(const struct banlist *l, const char *addr);

/* The argv of the nft command that adds addr to its family's set for
 * seconds (add true), or deletes it: a fixed vector, no shell. store
 * holds the strings argv points into. False if addr is not an address. */
#define NFT_ARGV_MAX 12
struct nft_cmd {
	char *argv[NFT_ARGV_MAX];
	char addr[BAN_ADDR_MAX], timeout[32];
};
bool nft_ban_cmd(bool add, const char *addr, long long seconds,
    struct nft_cmd *cmd);

/* Runs NFT_PATH with cmd's argv, output discarded. 1 done, 0 nft failed
 * (no such set: the ruleset is not loaded), -1 nft is not installed. */
int nft_run(const struct nft_cmd *cmd);

/* File I/O for the master and mailboxctl: load (a missing file is an
 * empty list) and save atomically. The lock (flock on state_dir/
 * bans.lock) serialises the two's read-modify-write; -1 on failure. */
bool banlist_load(const char *path, long long now, struct banlist *out,
    struct buf *err);
bool banlist_save(const char *path, const struct banlist *l, struct buf *err);
int banlist_lock(const char *state_dir);
void banlist_unlock(int fd);

#endif
