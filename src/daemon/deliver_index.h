/* deliver: indexing a message right after it is stored (deliver_index.c). */
#ifndef AMB_DELIVER_INDEX_H
#define AMB_DELIVER_INDEX_H
#include <stddef.h>
#include <stdint.h>

#include "store/mailindex.h"
#include "store/trees.h"

struct deliver_index_msg {
	const char *path;           /* the file msgstore wrote into new/ */
	struct mailindex_new opt;   /* flags and keywords to give it */
	const char *headers;        /* the delivery headers stored on top */
	size_t headers_len;
	int fd;                     /* the queue file: the rest, in the clear */
	uint64_t size;
	const unsigned char *pk;    /* seal the cache to it; NULL: no encryption */
};

/* Gives the message its UID in the index of `maildir` (moving it to cur/)
 * and stores its cache; failures are logged and left to IMAP's sync. */
void deliver_index(const char *maildir, const struct deliver_index_msg *m);
/* Closes the index it keeps open between deliveries (at shutdown). */
void deliver_index_close(void);

#endif
