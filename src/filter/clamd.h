/* clamd's INSTREAM protocol (clamd(8)), sans I/O: the command, the
 * length-prefixed chunks, and the reply. */
#ifndef AMB_FILTER_CLAMD_H
#define AMB_FILTER_CLAMD_H
#include <stddef.h>
#include <stdint.h>

/* Sent first: the NUL-terminated form, so the reply ends in NUL too. */
#define CLAMD_COMMAND     "zINSTREAM"
#define CLAMD_COMMAND_LEN 10          /* with the NUL */
/* clamd's StreamMaxLength defaults to 25 MB; chunks are smaller. */
#define CLAMD_CHUNK_MAX   (64 * 1024)

/* The 4-octet big-endian length before each chunk; 0 ends the stream. */
void clamd_chunk_len(uint32_t len, unsigned char out[4]);

enum clamd_reply {
	CLAMD_CLEAN,      /* "stream: OK" */
	CLAMD_VIRUS,      /* "stream: NAME FOUND" */
	CLAMD_TOO_LARGE,  /* "INSTREAM size limit exceeded. ERROR" */
	CLAMD_ERROR,      /* "... ERROR", or anything else */
};

/* Reads a reply (up to its NUL or the end of p). For CLAMD_VIRUS the
 * signature name goes into name, printable ASCII only (other bytes
 * become '?'), cut to fit. */
enum clamd_reply clamd_parse_reply(const char *p, size_t n, char *name,
    size_t namelen);

#endif
