/* The capabilities archmailbox's IMAP server announces: before login
 * (imap-login adds STARTTLS/LOGINDISABLED or AUTH=PLAIN). After login the
 * list is imap_session_capabilities() (imap/session.h). */
#ifndef AMB_IMAP_SESSION_CAPS_H
#define AMB_IMAP_SESSION_CAPS_H

#define IMAP_CAPS_COMMON "IMAP4rev1 IMAP4rev2 SASL-IR ID ENABLE IDLE LITERAL+"

#endif
