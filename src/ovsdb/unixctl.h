/* unixctl: a daemon's control socket, speaking Open vSwitch's unixctl
 * protocol so that `ovs-appctl -t PATH COMMAND [ARG...]` drives it.
 *
 * The protocol (OVS lib/unixctl.c): JSON-RPC 1.0 over a Unix socket; a
 * request's method is the command and its params are the arguments, all
 * strings; the reply's result is the output text, or its error is the
 * error text (ovs-appctl prints it and exits 2).  Built in: "list-commands"
 * and "version".  A request with a wrong argument count or of an unknown
 * command gets an error reply; a malformed message closes that connection
 * only.
 *
 * Commands run in the event loop's thread and answer at once. */
#ifndef SEAM_OVSDB_UNIXCTL_H
#define SEAM_OVSDB_UNIXCTL_H 1

#include <stdbool.h>
#include "lib/util.h"

struct ds;
struct event_base;
struct unixctl_server;

/* Runs a command with its 'argc' arguments 'argv' (argv[0] is the command's
 * name): writes the output (or, returning false, the error text) to
 * 'out'. */
typedef bool unixctl_cb_func(struct ds *out, int argc, const char *argv[],
                             void *aux);

/* Listens on the Unix socket 'path' (an existing socket file is replaced).
 * 'version' is what "version" prints (borrowed; it must outlive the
 * server).  Returns 0 and a new server in '*serverp' (free it with
 * unixctl_server_destroy(), which removes 'path'), or -errno. */
int unixctl_server_create(struct event_base *, const char *path,
                          const char *version,
                          struct unixctl_server **serverp) WARN_UNUSED;
void unixctl_server_destroy(struct unixctl_server *);

/* Adds command 'name' taking 'min_args' to 'max_args' arguments; 'usage'
 * (e.g. "[LEVEL]", may be "") is shown by "list-commands". */
void unixctl_command_register(struct unixctl_server *, const char *name,
                              const char *usage, int min_args, int max_args,
                              unixctl_cb_func *, void *aux);

#endif /* ovsdb/unixctl.h */
