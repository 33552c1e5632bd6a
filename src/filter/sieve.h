/* Sieve (RFC 5228), sans I/O: a script is compiled once into a checked
 * tree, then run against one message at a time, giving the actions to
 * take. Nothing here touches a file, a socket or the clock; the caller
 * stores, sends and remembers.
 *
 * Extensions: fileinto, envelope, copy (RFC 3894), imap4flags (RFC 5232),
 * variables (RFC 5229), subaddress (RFC 5233, separator '+'), relational
 * (RFC 5231), body (RFC 5173), vacation (RFC 5230), and the comparators
 * i;octet, i;ascii-casemap, i;ascii-numeric. */
#ifndef AMB_SIEVE_H
#define AMB_SIEVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Limits a script must keep to, at compile time and when it runs. */
#define SIEVE_MAX_SCRIPT   (512 * 1024)  /* bytes of script */
#define SIEVE_MAX_DEPTH    32            /* nested blocks and tests */
#define SIEVE_MAX_STRING   (64 * 1024)   /* one string literal */
#define SIEVE_MAX_LIST     1024          /* strings in one list */
#define SIEVE_MAX_NODES    20000         /* commands and tests */
#define SIEVE_MAX_ACTIONS  32            /* fileinto, keep, redirect... */
#define SIEVE_MAX_REDIRECTS 4
#define SIEVE_MAX_VARS     128
#define SIEVE_MAX_VARLEN   4096          /* a variable's value, bytes */

struct sieve_script;

/* Compiles a script. NULL with err set to "LINE: message" (the first
 * error found) when it is not valid Sieve or uses what we lack. */
struct sieve_script *sieve_compile(const char *text, size_t len,
    struct buf *err);
void sieve_free(struct sieve_script *s);

/* What a script runs against. msg is the message as far as the caller
 * read it (it may be cut: size is the whole size, for the size test). */
struct sieve_msg {
	const char *msg;
	size_t len;
	uint64_t size;
	const char *env_from;    /* envelope sender, "" for <> */
	const char *env_to;      /* the recipient as addressed (with +detail) */
};

enum sieve_act_type {
	SIEVE_ACT_STORE,     /* keep or fileinto: arg is the folder, "" for
	                      * the default one (the caller's choice: INBOX,
	                      * the +folder of the address, or Junk) */
	SIEVE_ACT_REDIRECT,  /* arg is the address */
	SIEVE_ACT_DISCARD,   /* nothing kept (logged by the caller) */
};

struct sieve_action {
	enum sieve_act_type type;
	char *arg;
	char *flags;         /* STORE: IMAP flags, space-separated ("" none) */
};

/* vacation's arguments (RFC 5230 4), as the script gave them; whether to
 * send a reply and what it says is vacation.h's business. */
struct sieve_vacation {
	long days;           /* clamped to 1..365; default 7 */
	char *subject;       /* NULL: default */
	char *from;          /* NULL: the user's address */
	char **addresses;    /* the user's other addresses */
	size_t naddresses;
	bool mime;           /* reason is a MIME entity, headers included */
	char *handle;        /* NULL: derived from the arguments */
	char *reason;
};

struct sieve_result {
	struct sieve_action *v;   /* in the order the script asked for them */
	size_t n;
	struct sieve_vacation *vacation;   /* NULL: none */
	bool error;               /* a runtime error: do the implicit keep */
	struct buf err;           /* its reason (never message content) */
};

/* Runs a script. The result always holds at least one action: the
 * implicit keep (a STORE into "") unless the script cancelled it, or, on
 * a runtime error, only that keep and error set (RFC 5228 2.10.6). */
void sieve_run(const struct sieve_script *s, const struct sieve_msg *m,
    struct sieve_result *out);
void sieve_result_free(struct sieve_result *r);

#endif
