/* unixctl: Open vSwitch's control-socket protocol (see unixctl.h). */
#include "ovsdb/unixctl.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ds.h"
#include "lib/log.h"
#include "ovsdb/conn.h"
#include "ovsdb/jsonrpc.h"

LOG_MODULE(unixctl);

#define UNIXCTL_MAX_ARGS 64

struct unixctl_command {
    char *name;
    char *usage;
    int min_args, max_args;
    unixctl_cb_func *cb;
    void *aux;
};

struct unixctl_server {
    struct listener *listener;
    const char *version;
    struct unixctl_command *commands;
    size_t n_commands, allocated;
    struct conn **conns;                /* Open connections. */
    size_t n_conns, allocated_conns;
};

static bool unixctl_list_commands(struct ds *, int, const char *[], void *);
static bool unixctl_version(struct ds *, int, const char *[], void *);

static const struct unixctl_command *
unixctl_find(const struct unixctl_server *s, const char *name)
{
    for (size_t i = 0; i < s->n_commands; i++) {
        if (!strcmp(s->commands[i].name, name)) {
            return &s->commands[i];
        }
    }
    return NULL;
}

/* Runs the request 'msg' and returns the reply. */
static struct jsonrpc_msg *
unixctl_run(struct unixctl_server *s, const struct jsonrpc_msg *msg)
{
    const struct unixctl_command *c = unixctl_find(s, msg->method);
    const char *argv[UNIXCTL_MAX_ARGS + 1];
    struct ds out = DS_EMPTY_INITIALIZER;
    size_t n = json_array_size(msg->params);
    bool ok = false;

    if (!c) {
        ds_put_format(&out, "\"%s\" is not a valid command (use "
                      "\"list-commands\" to see a list of valid commands)",
                      msg->method);
        goto reply;
    }
    if ((int) n < c->min_args || (int) n > c->max_args || n > UNIXCTL_MAX_ARGS) {
        ds_put_format(&out, "\"%s\" command takes %s %d argument%s", c->name,
                      (int) n < c->min_args ? "at least" : "at most",
                      (int) n < c->min_args ? c->min_args : c->max_args,
                      ((int) n < c->min_args ? c->min_args : c->max_args) == 1
                      ? "" : "s");
        goto reply;
    }
    argv[0] = c->name;
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(msg->params, i);
        if (!json_is_string(a)) {
            ds_put_cstr(&out, "command has non-string argument");
            goto reply;
        }
        argv[i + 1] = json_string_value(a);
    }
    argv[n + 1] = NULL;
    ok = c->cb(&out, (int) n + 1, argv, c->aux);

reply:;
    json_t *text = json_string(ds_cstr(&out));
    ds_destroy(&out);
    if (!text) {
        text = json_string("(output is not valid UTF-8)");
    }
    return ok ? jsonrpc_create_reply(text, msg->id)
              : jsonrpc_create_error(text, msg->id);
}

static void
unixctl_on_msg(struct conn *conn, struct jsonrpc_msg *msg, void *aux)
{
    struct unixctl_server *s = aux;

    if (!s) {
        jsonrpc_msg_destroy(msg);
        return;
    }
    if (msg->type == JSONRPC_REQUEST) {
        conn_send(conn, unixctl_run(s, msg));
    } else if (msg->type != JSONRPC_NOTIFY) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "%s: unexpected JSON-RPC reply: closing",
                    conn_get_name(conn));
        conn_close(conn);
    }
    jsonrpc_msg_destroy(msg);
}

static void
unixctl_on_closed(struct conn *conn, int error, void *aux)
{
    struct unixctl_server *s = aux;

    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_conns; i++) {
        if (s->conns[i] == conn) {
            s->conns[i] = s->conns[--s->n_conns];
            break;
        }
    }
}

static const struct conn_callbacks unixctl_callbacks = {
    .on_msg = unixctl_on_msg,
    .on_closed = unixctl_on_closed,
};

static void
unixctl_on_accept(struct conn *conn, void *aux)
{
    struct unixctl_server *s = aux;

    s->conns = xgrow(s->conns, &s->allocated_conns, s->n_conns + 1,
                     sizeof *s->conns);
    s->conns[s->n_conns++] = conn;
    conn_set_callbacks(conn, &unixctl_callbacks, s);
    conn_set_max_backlog(conn, 16u << 20);
}

int
unixctl_server_create(struct event_base *base, const char *path,
                      const char *version, struct unixctl_server **serverp)
{
    struct unixctl_server *s = xzalloc(sizeof *s);
    char *name = xasprintf("punix:%s", path);

    *serverp = NULL;
    s->version = version;
    int err = listener_open(base, name, NULL, unixctl_on_accept, s,
                            &s->listener);
    free(name);
    if (err) {
        free(s);
        return err;
    }
    unixctl_command_register(s, "list-commands", "", 0, 0,
                             unixctl_list_commands, s);
    unixctl_command_register(s, "version", "", 0, 0, unixctl_version, s);
    *serverp = s;
    return 0;
}

void
unixctl_server_destroy(struct unixctl_server *s)
{
    if (!s) {
        return;
    }
    listener_close(s->listener);
    for (size_t i = 0; i < s->n_conns; i++) {
        conn_set_aux(s->conns[i], NULL);
        conn_close(s->conns[i]);
    }
    for (size_t i = 0; i < s->n_commands; i++) {
        free(s->commands[i].name);
        free(s->commands[i].usage);
    }
    free(s->commands);
    free(s->conns);
    free(s);
}

void
unixctl_command_register(struct unixctl_server *s, const char *name,
                         const char *usage, int min_args, int max_args,
                         unixctl_cb_func *cb, void *aux)
{
    s->commands = xgrow(s->commands, &s->allocated, s->n_commands + 1,
                        sizeof *s->commands);
    s->commands[s->n_commands++] = (struct unixctl_command) {
        .name = xstrdup(name), .usage = xstrdup(usage ? usage : ""),
        .min_args = min_args, .max_args = max_args, .cb = cb, .aux = aux,
    };
}

static bool
unixctl_list_commands(struct ds *out, int argc, const char *argv[], void *s_)
{
    struct unixctl_server *s = s_;

    ds_put_cstr(out, "The available commands are:\n");
    for (size_t i = 0; i < s->n_commands; i++) {
        const struct unixctl_command *c = &s->commands[i];
        ds_put_format(out, "  %-23s %s\n", c->name, c->usage);
    }
    return true;
}

static bool
unixctl_version(struct ds *out, int argc, const char *argv[], void *s_)
{
    struct unixctl_server *s = s_;

    ds_put_format(out, "%s\n", s->version);
    return true;
}
