/* Greylisting (RFC 6647): a client/sender/recipient triplet seen for the
 * first time is deferred; the same triplet retried after the delay
 * passes, and is remembered until it has not been seen for the expiry
 * time. Triplets are stored as BLAKE2b hashes salted per database in
 * an SQLite file, so addresses are not there in plain text (whoever has
 * the file can still test guesses). */
#ifndef AMB_STORE_GREYLIST_H
#define AMB_STORE_GREYLIST_H
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define GREYLIST_FILE "greylist/greylist.db"

enum greylist_verdict { GREYLIST_PASS, GREYLIST_DEFER, GREYLIST_ERROR };

struct greylist;

/* Opens (creating) the database. */
struct greylist *greylist_open(const char *path, struct buf *err);
void greylist_close(struct greylist *g);

/* Checks and records the triplet at time now (seconds). delay and
 * expiry are in seconds. Addresses compare without case. */
enum greylist_verdict greylist_check(struct greylist *g, const char *ip,
    const char *sender, const char *rcpt, long long now, long long delay,
    long long expiry);

/* The client's network as greylisting sees it (a client retries from
 * any address of its pool): IPv4 /24 ("192.0.2.0/24"), IPv6 /64. */
bool greylist_net(const char *ip, char *out, size_t outlen);

#endif
