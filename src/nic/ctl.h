/* nic_ctl: the control socket of seam-sriov-nic and its client.
 *
 * Protocol (unix stream socket, one command per connection): the client
 * sends the command's words separated by spaces and a newline (at most
 * NIC_CTL_LINE_MAX bytes); the server answers "OK\n" or "ERROR\n" and the
 * command's output, then closes.  Words cannot contain spaces (no command
 * needs them).
 *
 * The server runs on the caller's libevent loop and executes commands with
 * nic_command(); at most NIC_CTL_MAX_CLIENTS at once (others are closed at
 * once), each closed after 10 s without a whole command.  Errors: 0 or
 * -errno. */
#ifndef SEAM_NIC_CTL_H
#define SEAM_NIC_CTL_H 1

#include "lib/util.h"

#define NIC_CTL_LINE_MAX 4096
#define NIC_CTL_MAX_CLIENTS 16

struct event_base;
struct nic;
struct nic_ctl;

/* Listens on unix socket 'path' (replacing a stale file) for commands to
 * 'nic' (borrowed).  Returns a new server, or NULL after logging; free it
 * with nic_ctl_destroy(), which closes clients and removes the file. */
struct nic_ctl *nic_ctl_create(struct event_base *base, struct nic *nic,
                               const char *path);
void nic_ctl_destroy(struct nic_ctl *);

/* The client: sends 'argv' to the server at 'path', prints the output on
 * stdout (OK) or stderr (ERROR), and returns the exit status: 0 OK, 1
 * ERROR, 2 when the server cannot be reached. */
int nic_ctl_client(const char *path, int argc, char **argv);

#endif /* nic/ctl.h */
