/* Parsed IMAP commands: one typed argument structure per command of
 * IMAP4rev1 (RFC 3501), IMAP4rev2 (RFC 9051) and the extensions we offer.
 * Everything a command points to lives in its arena and goes away with
 * imap_command_free(); strings are NUL-terminated and never contain NUL
 * (the parser refuses NUL outside APPEND's message data). */
#ifndef AMB_IMAP_COMMAND_H
#define AMB_IMAP_COMMAND_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap/seqset.h"

enum imap_cmd_type {
	IMAP_CMD_CAPABILITY, IMAP_CMD_NOOP, IMAP_CMD_LOGOUT, IMAP_CMD_STARTTLS,
	IMAP_CMD_AUTHENTICATE, IMAP_CMD_LOGIN, IMAP_CMD_ENABLE,
	IMAP_CMD_SELECT, IMAP_CMD_EXAMINE, IMAP_CMD_CREATE, IMAP_CMD_DELETE,
	IMAP_CMD_RENAME, IMAP_CMD_SUBSCRIBE, IMAP_CMD_UNSUBSCRIBE,
	IMAP_CMD_LIST, IMAP_CMD_LSUB, IMAP_CMD_NAMESPACE, IMAP_CMD_STATUS,
	IMAP_CMD_APPEND, IMAP_CMD_CHECK, IMAP_CMD_CLOSE, IMAP_CMD_UNSELECT,
	IMAP_CMD_EXPUNGE, IMAP_CMD_SEARCH, IMAP_CMD_FETCH, IMAP_CMD_STORE,
	IMAP_CMD_COPY, IMAP_CMD_MOVE, IMAP_CMD_IDLE, IMAP_CMD_ID,
	IMAP_CMD_GETQUOTA, IMAP_CMD_GETQUOTAROOT, IMAP_CMD_SETQUOTA,
	IMAP_CMD_SORT, IMAP_CMD_THREAD,
	IMAP_CMD_COUNT_
};

/* Name as on the wire ("UID " not included). */
const char *imap_cmd_name(enum imap_cmd_type t);

struct imap_strlist {
	char **v;
	size_t n;
};

/* Calendar date of SEARCH (day-month-year, no time). */
struct imap_date {
	int year, month, day;       /* month 1..12 */
};

/* --- SELECT / EXAMINE (RFC 7162 CONDSTORE / QRESYNC) --- */
struct imap_qresync {
	uint32_t uidvalidity;
	uint64_t modseq;
	bool has_known_uids;
	struct imap_seqset known_uids;
	bool has_seq_match;
	struct imap_seqset known_seqs, known_seq_uids;
};

struct imap_select_args {
	char *mailbox;              /* UTF-8 (decoded from modified UTF-7) */
	bool condstore;
	bool qresync;
	struct imap_qresync qr;
};

/* --- LIST (RFC 5258 LIST-EXTENDED, 5819 LIST-STATUS, 6154) --- */
enum {
	IMAP_LISTSEL_SUBSCRIBED = 1 << 0,
	IMAP_LISTSEL_REMOTE = 1 << 1,
	IMAP_LISTSEL_RECURSIVEMATCH = 1 << 2,
	IMAP_LISTSEL_SPECIAL_USE = 1 << 3,
};
enum {
	IMAP_LISTRET_SUBSCRIBED = 1 << 0,
	IMAP_LISTRET_CHILDREN = 1 << 1,
	IMAP_LISTRET_SPECIAL_USE = 1 << 2,
	IMAP_LISTRET_STATUS = 1 << 3,
};
/* STATUS items, also used by LIST RETURN (STATUS (...)). */
enum {
	IMAP_STATUS_MESSAGES = 1 << 0,
	IMAP_STATUS_RECENT = 1 << 1,
	IMAP_STATUS_UIDNEXT = 1 << 2,
	IMAP_STATUS_UIDVALIDITY = 1 << 3,
	IMAP_STATUS_UNSEEN = 1 << 4,
	IMAP_STATUS_DELETED = 1 << 5,
	IMAP_STATUS_SIZE = 1 << 6,
	IMAP_STATUS_HIGHESTMODSEQ = 1 << 7,
	IMAP_STATUS_APPENDLIMIT = 1 << 8,
	IMAP_STATUS_DELETED_STORAGE = 1 << 9,   /* RFC 9208 4.2.4 */
};

struct imap_list_args {
	unsigned select_opts;       /* IMAP_LISTSEL_* */
	bool extended;              /* any selection or return option given */
	char *reference;            /* UTF-8 */
	struct imap_strlist patterns;   /* UTF-8; one unless "(a b)" given */
	unsigned return_opts;       /* IMAP_LISTRET_* */
	unsigned status_items;      /* IMAP_STATUS_* when RETURN (STATUS ...) */
};

struct imap_status_args {
	char *mailbox;
	unsigned items;
};

/* --- SEARCH / SORT / THREAD --- */
enum imap_search_key_type {
	IMAP_SK_AND,        /* children: all must match ("(k1 k2)", top level) */
	IMAP_SK_OR,         /* children: two */
	IMAP_SK_NOT,        /* children: one */
	IMAP_SK_ALL, IMAP_SK_ANSWERED, IMAP_SK_DELETED, IMAP_SK_DRAFT,
	IMAP_SK_FLAGGED, IMAP_SK_NEW, IMAP_SK_OLD, IMAP_SK_RECENT, IMAP_SK_SEEN,
	IMAP_SK_UNANSWERED, IMAP_SK_UNDELETED, IMAP_SK_UNDRAFT,
	IMAP_SK_UNFLAGGED, IMAP_SK_UNSEEN,
	IMAP_SK_KEYWORD, IMAP_SK_UNKEYWORD,                 /* str */
	IMAP_SK_BCC, IMAP_SK_BODY, IMAP_SK_CC, IMAP_SK_FROM, IMAP_SK_SUBJECT,
	IMAP_SK_TEXT, IMAP_SK_TO,                           /* str */
	IMAP_SK_HEADER,                                     /* field, str */
	IMAP_SK_BEFORE, IMAP_SK_ON, IMAP_SK_SINCE,          /* date */
	IMAP_SK_SENTBEFORE, IMAP_SK_SENTON, IMAP_SK_SENTSINCE, /* date */
	IMAP_SK_LARGER, IMAP_SK_SMALLER,                    /* number */
	IMAP_SK_OLDER, IMAP_SK_YOUNGER,                     /* number (RFC 5032) */
	IMAP_SK_UID,                                        /* set */
	IMAP_SK_SEQSET,                                     /* set */
	IMAP_SK_MODSEQ,                                     /* number, entry */
};

struct imap_search_key {
	enum imap_search_key_type type;
	struct imap_search_key *child;  /* AND/OR/NOT operands */
	struct imap_search_key *next;   /* sibling in the parent's list */
	char *str;                      /* string keys, HEADER value, KEYWORD */
	char *field;                    /* HEADER field; MODSEQ entry name */
	int entry_type;                 /* MODSEQ: 0 any, 1 priv, 2 shared, 3 all */
	struct imap_date date;
	uint64_t number;
	struct imap_seqset set;
};

/* ESEARCH return options (RFC 4731, 5182, 9051). */
enum {
	IMAP_SEARCHRET_MIN = 1 << 0,
	IMAP_SEARCHRET_MAX = 1 << 1,
	IMAP_SEARCHRET_ALL = 1 << 2,
	IMAP_SEARCHRET_COUNT = 1 << 3,
	IMAP_SEARCHRET_SAVE = 1 << 4,
};

struct imap_search_args {
	bool has_return;            /* RETURN (...) given: answer with ESEARCH */
	unsigned return_opts;       /* empty RETURN () means ALL */
	char *charset;              /* NULL when not given */
	struct imap_search_key *key;    /* an AND node */
};

enum imap_sort_key {
	IMAP_SORT_ARRIVAL, IMAP_SORT_CC, IMAP_SORT_DATE, IMAP_SORT_FROM,
	IMAP_SORT_SIZE, IMAP_SORT_SUBJECT, IMAP_SORT_TO,
	IMAP_SORT_DISPLAYFROM, IMAP_SORT_DISPLAYTO,
};
struct imap_sort_crit {
	enum imap_sort_key key;
	bool reverse;
};
struct imap_sort_args {
	bool has_return;            /* ESORT (RFC 5267) */
	unsigned return_opts;
	struct imap_sort_crit *crit;
	size_t ncrit;
	char *charset;
	struct imap_search_key *key;
};

enum imap_thread_alg { IMAP_THREAD_ORDEREDSUBJECT, IMAP_THREAD_REFERENCES };
struct imap_thread_args {
	enum imap_thread_alg alg;
	char *charset;
	struct imap_search_key *key;
};

/* --- FETCH --- */
enum imap_fetch_att_type {
	IMAP_FA_ENVELOPE, IMAP_FA_FLAGS, IMAP_FA_INTERNALDATE,
	IMAP_FA_RFC822, IMAP_FA_RFC822_HEADER, IMAP_FA_RFC822_SIZE,
	IMAP_FA_RFC822_TEXT, IMAP_FA_BODY, IMAP_FA_BODYSTRUCTURE, IMAP_FA_UID,
	IMAP_FA_BODY_SECTION,       /* BODY[...] and BODY.PEEK[...] */
	IMAP_FA_BINARY,             /* BINARY[...] and BINARY.PEEK[...] */
	IMAP_FA_BINARY_SIZE,
	IMAP_FA_MODSEQ,
};

enum imap_section_spec {
	IMAP_SEC_NONE,              /* BODY[] or BODY[1.2] */
	IMAP_SEC_HEADER, IMAP_SEC_HEADER_FIELDS, IMAP_SEC_HEADER_FIELDS_NOT,
	IMAP_SEC_TEXT, IMAP_SEC_MIME,
};

struct imap_section {
	uint32_t *part;             /* "1.2.3" -> {1,2,3} */
	size_t nparts;
	enum imap_section_spec spec;
	struct imap_strlist fields; /* HEADER.FIELDS (...) */
};

struct imap_fetch_att {
	enum imap_fetch_att_type type;
	bool peek;
	struct imap_section section;
	bool partial;               /* <offset.length> given */
	uint32_t offset, length;
};

enum imap_fetch_macro { IMAP_FM_NONE, IMAP_FM_ALL, IMAP_FM_FAST, IMAP_FM_FULL };

struct imap_fetch_args {
	struct imap_seqset set;
	enum imap_fetch_macro macro;    /* already expanded into atts */
	struct imap_fetch_att *atts;
	size_t natts;
	bool has_changedsince;
	uint64_t changedsince;
	bool vanished;
};

/* --- STORE --- */
enum imap_store_op { IMAP_STORE_SET, IMAP_STORE_ADD, IMAP_STORE_REMOVE };
struct imap_store_args {
	struct imap_seqset set;
	bool has_unchangedsince;
	uint64_t unchangedsince;
	enum imap_store_op op;
	bool silent;
	struct imap_strlist flags;  /* "\Seen", "$Junk", ... as sent */
};

struct imap_copy_args {         /* COPY and MOVE */
	struct imap_seqset set;
	char *mailbox;
};

/* --- APPEND: one per message; the message data itself is streamed as
 * IMAP_EV_APPEND_DATA events, never stored here. --- */
struct imap_append_args {
	char *mailbox;
	unsigned index;             /* 0 for the first message (MULTIAPPEND) */
	struct imap_strlist flags;
	bool has_date;
	time_t date;                /* UTC seconds */
	int tz_minutes;             /* the zone the client gave, e.g. +120 */
	uint64_t size;              /* literal length */
	bool binary;                /* literal8 "~{n}" (RFC 3516) */
	bool utf8;                  /* RFC 6855 "UTF8 (~{n} ... )" form */
	bool nonsync;               /* "{n+}": data follows without "+" */
};

/* --- the rest --- */
struct imap_auth_args {
	char *mechanism;            /* upper-cased */
	char *initial;              /* SASL-IR: base64 text, "" for "=", NULL */
};
struct imap_login_args {
	char *user, *password;      /* wiped by imap_command_free */
};
struct imap_create_args {
	char *mailbox;
	struct imap_strlist use;    /* RFC 6154 USE (\Drafts ...) */
};
struct imap_rename_args {
	char *from, *to;
};
struct imap_id_args {
	bool nil;
	struct imap_strlist kv;     /* key, value, key, value; value may be NULL */
};
struct imap_setquota_args {
	char *root;
	struct imap_strlist resources;  /* upper-cased names */
	uint64_t *limits;
};

/* Which member of u each command fills:
 *   AUTHENTICATE auth, LOGIN login, ENABLE enable, SELECT/EXAMINE select,
 *   CREATE create, DELETE/SUBSCRIBE/UNSUBSCRIBE/GETQUOTAROOT/GETQUOTA
 *   mailbox, RENAME rename, LIST/LSUB list, STATUS status, APPEND append
 *   (IMAP_EV_APPEND_BEGIN only), SEARCH search, FETCH fetch, STORE store,
 *   COPY/MOVE copy, UID EXPUNGE expunge, ID id, SETQUOTA setquota, SORT
 *   sort, THREAD thread; the others take no arguments. */
struct imap_command {
	char *tag;
	enum imap_cmd_type type;
	bool uid;                   /* UID FETCH/STORE/COPY/MOVE/SEARCH/... */
	union {
		struct imap_auth_args auth;
		struct imap_login_args login;
		struct imap_strlist enable;
		struct imap_select_args select;
		struct imap_create_args create;
		char *mailbox;      /* DELETE, SUBSCRIBE, UNSUBSCRIBE,
				       GETQUOTAROOT; GETQUOTA's root */
		struct imap_rename_args rename;
		struct imap_list_args list;     /* LIST and LSUB */
		struct imap_status_args status;
		struct imap_append_args append;
		struct imap_search_args search;
		struct imap_fetch_args fetch;
		struct imap_store_args store;
		struct imap_copy_args copy;
		struct imap_seqset expunge;     /* UID EXPUNGE */
		struct imap_id_args id;
		struct imap_setquota_args setquota;
		struct imap_sort_args sort;
		struct imap_thread_args thread;
	} u;
	/* private: */
	struct imap_arena_chunk *arena;
};

void imap_command_free(struct imap_command *cmd);

#endif
