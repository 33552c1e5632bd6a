/* A session process speaking ManageSieve instead of IMAP: started like an
 * IMAP session (lookup checked the password, the master spawned us as
 * the mail user), it edits the user's Sieve scripts over the socket
 * imap-login relays the client's TLS connection to. */
#ifndef AMB_IMAP_SIEVE_H
#define AMB_IMAP_SIEVE_H
#include <stdbool.h>

void imap_sieve_start(int fd, const char *user, const char *client);
/* True if this process runs a ManageSieve session (it then says BYE and
 * ends); false otherwise. */
bool imap_sieve_shutdown(void);

#endif
