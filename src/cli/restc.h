/* restc: a blocking REST client for seamctl, over libevent's evhttp (and an
 * OpenSSL bufferevent for https).
 *
 * One request at a time: restc_request() runs a private event loop until the
 * reply (or an error) arrives, so the caller reads like straight-line code.
 * Each request opens its own connection, which keeps https simple (an evhttp
 * connection cannot reconnect an SSL bufferevent) and costs nothing that a
 * command-line tool would notice.
 *
 * Errors: restc_create() and restc_request() return 0 or -errno and, on
 * failure, set '*errorp' to a new message (free it with free()) naming what
 * failed and on what.  An HTTP error status is not a failure of the request:
 * the reply carries it. */
#ifndef SEAM_CLI_RESTC_H
#define SEAM_CLI_RESTC_H 1

#include <stdbool.h>
#include <stddef.h>
#include "lib/util.h"

struct restc;

struct restc_options {
    const char *url;            /* http[s]://HOST[:PORT][/PREFIX] */
    const char *token;          /* X-Auth-Token, NULL or "" for none. */
    const char *ca_file;        /* PEM bundle to verify https, NULL: system. */
    bool insecure;              /* https without verifying the server. */
    int timeout_ms;             /* Longest wait without progress. */
    bool debug;                 /* Print requests and replies on stderr. */
};

struct restc_reply {
    int status;                 /* HTTP status code. */
    char *body;                 /* NUL-terminated; owned by the reply. */
    size_t body_size;           /* In bytes, excluding the NUL. */
};

/* Parses 'options->url' and prepares a client (copies what it needs from
 * 'options').  Returns 0 and sets '*restcp' to a new client (free it with
 * restc_destroy()), or -EINVAL and sets '*errorp'. */
int restc_create(const struct restc_options *options, struct restc **restcp,
                 char **errorp) WARN_UNUSED;
void restc_destroy(struct restc *);

/* The endpoint, as given, for messages.  Borrowed, valid until
 * restc_destroy(). */
const char *restc_url(const struct restc *);

/* Sends 'method' ("GET", "POST", "PUT", "DELETE") for 'path' (starting
 * with '/', query string included, already percent-encoded) below the
 * endpoint's prefix, with 'body' (JSON text, or NULL for none).  On
 * success returns 0 and fills '*reply' (free its contents with
 * restc_reply_destroy()); otherwise returns -errno (-ECONNREFUSED,
 * -ETIMEDOUT, -EPROTO for TLS or HTTP framing failures, ...) and sets
 * '*errorp'. */
int restc_request(struct restc *, const char *method, const char *path,
                  const char *body, struct restc_reply *reply,
                  char **errorp) WARN_UNUSED;
void restc_reply_destroy(struct restc_reply *);

#endif /* restc.h */
