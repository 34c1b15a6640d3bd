/* sb: see sb.h.
 *
 * A session is a VTEP name, its target and at most one client.  Passive
 * connections start as "pending" clients owned by the sb; once synced they
 * are matched by Physical_Switch name and move to their session.  Clients
 * whose passive connection closed are destroyed from a deferred event,
 * never inside their own callback. */
#include "controller/sb.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include "controller/dbrow.h"
#include "lib/hmap.h"
#include "lib/list.h"
#include "lib/log.h"
#include "ovsdb/client.h"
#include "ovsdb/conn.h"
#include "ovsdb/db.h"

LOG_MODULE(sb);

/* The tables and columns a session replicates: what the reconciler reads,
 * not the statistics a VTEP rewrites every few seconds. */
/* other_config: lldp:chassis_id, the switch_id of bare-metal ports (topo.h). */
static const char *const ps_cols[] = { "name", "ports", "tunnel_ips", "other_config", NULL };
static const char *const port_cols[] = { "name", "vlan_bindings", "other_config", NULL };
static const char *const ls_cols[] = { "name", "tunnel_key", "replication_mode",
                                       "other_config", NULL };
static const struct {
    const char *table;
    const char *const *columns;
} replicated[] = {
    { "Physical_Switch", ps_cols },
    { "Physical_Port", port_cols },
    { "Logical_Switch", ls_cols },
    { "Ucast_Macs_Local", NULL },
    { "Ucast_Macs_Remote", NULL },
    { "Mcast_Macs_Local", NULL },
    { "Mcast_Macs_Remote", NULL },
    { "Physical_Locator", NULL },
    { "Physical_Locator_Set", NULL },
};

/* One client of a session, or a passive connection not matched yet: the
 * 'aux' of its client's callbacks, so that it can move to a session. */
struct sbconn {
    struct list node;               /* In sb->pending while unmatched. */
    struct sb *sb;
    struct ovsdb_client *client;
    struct sb_session *session;     /* NULL while pending. */
};

struct sb_session {
    struct hmap_node node;          /* In sb->sessions, by name. */
    struct sb *sb;
    char *name;
    char *target;                   /* NULL: passive. */
    struct sbconn *conn;            /* NULL: nobody dialed in yet. */
    bool seen;                      /* Mark for sb_set_vteps(). */
};

struct sb {
    struct event_base *base;
    struct sb_options opts;         /* 'listen' not kept. */
    struct sb_callbacks cbs;
    void *aux;
    char **listen;                  /* Passive remotes, 'n_listen' of them. */
    struct listener **listeners;    /* Same order; NULL: not open (yet). */
    size_t n_listen;
    struct event *relisten;         /* Retries the listeners not open. */
    struct hmap sessions;           /* "struct sb_session"s. */
    struct list pending;            /* "struct sbconn"s. */
    struct sbconn **dead;           /* Closed, to destroy from 'reap'. */
    size_t n_dead;
    struct event *reap;
};

static void match_pending(struct sb *);

static void
notify(struct sb *sb, const struct sb_session *s, unsigned int what)
{
    if (sb->cbs.changed) {
        sb->cbs.changed(sb->aux, s->name, what);
    }
}

bool
sb_table_feeds_desired(const char *table)
{
    return !strcmp(table, "Ucast_Macs_Local") || !strcmp(table, "Physical_Switch")
           || !strcmp(table, "Physical_Port") || !strcmp(table, "Logical_Switch");
}

static void
count_change(void *n, enum ovsdb_client_change_kind kind, const struct ovsdb_row *row,
             const unsigned long *changed)
{
    ++*(size_t *) n;
}

/* What changed in 'c''s replica: SB_CHANGED_DESIRED, SB_CHANGED_OWNED. */
static unsigned int
what_changed(const struct ovsdb_client *c)
{
    unsigned int what = 0;
    for (size_t i = 0; i < ARRAY_SIZE(replicated); i++) {
        const char *t = replicated[i].table;
        size_t n = 0;
        ovsdb_client_get_changes(c, t, count_change, &n);
        if (n && sb_table_feeds_desired(t)) {
            what |= SB_CHANGED_DESIRED;
        }
        if (n && strcmp(t, "Ucast_Macs_Local") && strcmp(t, "Mcast_Macs_Local")
            && strcmp(t, "Physical_Switch")) {
            what |= SB_CHANGED_OWNED;
        }
    }
    return what;
}

static void
sbconn_destroy(struct sbconn *c)
{
    if (c) {
        ovsdb_client_destroy(c->client);
        free(c);
    }
}

/* Destroys 'c' from the event loop later (it may be in a callback now). */
static void
bury(struct sb *sb, struct sbconn *c)
{
    sb->dead = xrealloc(sb->dead, (sb->n_dead + 1) * sizeof *sb->dead);
    sb->dead[sb->n_dead++] = c;
    event_active(sb->reap, EV_TIMEOUT, 0);
}

static void
on_reap(evutil_socket_t fd, short what, void *sb_)
{
    struct sb *sb = sb_;
    for (size_t i = 0; i < sb->n_dead; i++) {
        sbconn_destroy(sb->dead[i]);
    }
    sb->n_dead = 0;
}

static void
conn_changed(void *c_)
{
    struct sbconn *c = c_;
    /* The reconciler reads whole replicas: only whether what changed
     * matters to others is kept. */
    unsigned int what = c->session ? what_changed(c->client) : 0;
    ovsdb_client_clear_changes(c->client);
    if (c->session) {
        if (what) {
            notify(c->sb, c->session, what);
        }
    } else if (ovsdb_client_is_synced(c->client)) {
        match_pending(c->sb);
    }
}

static void
conn_state(void *c_, bool synced)
{
    struct sbconn *c = c_;
    struct sb_session *s = c->session;
    if (ovsdb_client_is_closed(c->client)) {
        if (s) {
            log_info("VTEP %s: session from %s closed", s->name,
                     ovsdb_client_get_remote(c->client) ? ovsdb_client_get_remote(c->client)
                                                        : "its manager");
            s->conn = NULL;
        } else {
            list_remove(&c->node);
        }
        bury(c->sb, c);
    }
    if (s) {
        if (!ovsdb_client_is_closed(c->client)) {
            log_info("VTEP %s: session %s", s->name, synced ? "synced" : "lost");
        }
        notify(c->sb, s, SB_CHANGED_STATE | SB_CHANGED_DESIRED);
    }
}

static const struct ovsdb_client_callbacks conn_cbs = {
    .changed = conn_changed,
    .state = conn_state,
};

static void
replicate(struct ovsdb_client *c)
{
    for (size_t i = 0; i < ARRAY_SIZE(replicated); i++) {
        ovsdb_client_add_table(c, replicated[i].table, replicated[i].columns);
    }
}

static void
client_options(const struct sb *sb, struct ovsdb_client_options *o)
{
    ovsdb_client_options_init(o);
    o->db_name = "hardware_vtep";
    o->probe_ms = sb->opts.probe_ms;
    o->min_backoff_ms = 100;
    o->max_backoff_ms = 500;
    o->leader_only = false;
    o->ssl_ctx = sb->opts.ssl_client;
}

/* Sessions. */

static void
session_dial(struct sb_session *s)
{
    struct ovsdb_client_options o;
    const char *remotes[] = { s->target, NULL };
    struct sbconn *c = xzalloc(sizeof *c);

    client_options(s->sb, &o);
    o.remotes = remotes;
    list_init(&c->node);
    c->sb = s->sb;
    c->session = s;
    c->client = ovsdb_client_create(s->sb->base, &o, &conn_cbs, c);
    replicate(c->client);
    s->conn = c;
    log_info("VTEP %s: dialing %s", s->name, s->target);
}

static void
session_drop_conn(struct sb_session *s)
{
    sbconn_destroy(s->conn);
    s->conn = NULL;
}

static void
session_destroy(struct sb *sb, struct sb_session *s)
{
    hmap_remove(&sb->sessions, &s->node);
    session_drop_conn(s);
    free(s->name);
    free(s->target);
    free(s);
}

struct sb_session *
sb_find(const struct sb *sb, const char *name)
{
    struct sb_session *s;
    HMAP_FOR_EACH_WITH_HASH (s, node, hash_string(name, 0), &sb->sessions) {
        if (!strcmp(s->name, name)) {
            return s;
        }
    }
    return NULL;
}

void
sb_set_vteps(struct sb *sb, const struct sb_vtep *vteps, size_t n)
{
    struct sb_session *s;
    bool any_passive = false;

    HMAP_FOR_EACH (s, node, &sb->sessions) {
        s->seen = false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *target = vteps[i].target && vteps[i].target[0]
                             ? vteps[i].target : NULL;
        s = sb_find(sb, vteps[i].name);
        if (s && (target ? !s->target || strcmp(s->target, target) : s->target != NULL)) {
            log_info("VTEP %s: target changed", s->name);
            session_destroy(sb, s);
            s = NULL;
        }
        if (!s) {
            s = xzalloc(sizeof *s);
            s->sb = sb;
            s->name = xstrdup(vteps[i].name);
            s->target = target ? xstrdup(target) : NULL;
            hmap_insert(&sb->sessions, &s->node, hash_string(s->name, 0));
            if (target) {
                session_dial(s);
            } else {
                any_passive = true;
            }
        }
        s->seen = true;
    }
    HMAP_FOR_EACH (s, node, &sb->sessions) {
        if (!s->seen) {
            log_info("VTEP %s: removed; closing its session", s->name);
            session_destroy(sb, s);
        }
    }
    if (any_passive) {
        match_pending(sb);
    }
}

const struct ovsdb_db *
sb_session_db(const struct sb_session *s)
{
    return sb_session_is_synced(s) ? ovsdb_client_get_db(s->conn->client) : NULL;
}

struct ovsdb_client *
sb_session_client(const struct sb_session *s)
{
    return sb_session_is_synced(s) ? s->conn->client : NULL;
}

bool
sb_session_is_synced(const struct sb_session *s)
{
    return s->conn && ovsdb_client_is_synced(s->conn->client);
}

const char *
sb_session_error(const struct sb_session *s)
{
    if (sb_session_is_synced(s) || !s->conn) {
        return NULL;
    }
    return ovsdb_client_get_last_error(s->conn->client);
}

const char *
sb_session_state(const struct sb_session *s)
{
    return sb_session_is_synced(s) ? "connected"
           : s->conn ? "connecting" : "disconnected";
}

const char *
sb_session_target(const struct sb_session *s)
{
    return s->target;
}

const char *
sb_session_remote(const struct sb_session *s)
{
    return s->conn ? ovsdb_client_get_remote(s->conn->client) : NULL;
}

/* Passive connections. */

/* Moves every synced pending connection whose Physical_Switch names a
 * passive session to that session. */
static void
match_pending(struct sb *sb)
{
    struct sbconn *c;
    LIST_FOR_EACH (c, node, &sb->pending) {
        const struct ovsdb_table *t = ovsdb_client_get_table(c->client, "Physical_Switch");
        const struct ovsdb_row *row;
        struct sb_session *s = NULL;
        if (!ovsdb_client_is_synced(c->client) || !t) {
            continue;
        }
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            s = sb_find(sb, dbrow_str(row, "name"));
            if (s && !s->target) {
                break;
            }
            s = NULL;
        }
        if (!s) {
            continue;
        }
        log_info("VTEP %s: dialed in from %s", s->name,
                 ovsdb_client_get_remote(c->client));
        if (s->conn) {
            log_info("VTEP %s: the new connection replaces the old one", s->name);
            session_drop_conn(s);
        }
        list_remove(&c->node);
        list_init(&c->node);
        c->session = s;
        s->conn = c;
        notify(sb, s, SB_CHANGED_STATE | SB_CHANGED_DESIRED);
    }
}

static void
on_accept(struct conn *conn, void *sb_)
{
    struct sb *sb = sb_;
    struct sbconn *c = xzalloc(sizeof *c);
    struct ovsdb_client_options o;

    log_info("southbound: accepted %s", conn_get_name(conn));
    client_options(sb, &o);
    c->sb = sb;
    list_push_back(&sb->pending, &c->node);
    c->client = ovsdb_client_create_accepted(sb->base, conn, &o, &conn_cbs, c);
    replicate(c->client);
}

/* Opens the listeners not open yet; schedules another try in 1 s for
 * those that cannot (the address is in use, e.g. by the seamd that was
 * active before on this host).  Returns -EINVAL for a bad remote name. */
static int
open_listeners(struct sb *sb)
{
    bool missing = false;
    for (size_t i = 0; i < sb->n_listen; i++) {
        if (sb->listeners[i]) {
            continue;
        }
        int err = listener_open(sb->base, sb->listen[i], sb->opts.ssl_server, on_accept,
                                sb, &sb->listeners[i]);
        if (err == -EINVAL) {
            log_err("southbound: cannot listen on %s (bad remote)", sb->listen[i]);
            return err;
        } else if (err) {
            static struct log_rl rl = LOG_RL_INIT(2, 1);
            log_warn_rl(&rl, "southbound: cannot listen on %s (%s); trying again "
                        "every second", sb->listen[i], strerror(-err));
            sb->listeners[i] = NULL;
            missing = true;
        } else {
            log_info("southbound: listening on %s", listener_get_name(sb->listeners[i]));
        }
    }
    if (missing) {
        struct timeval tv = { 1, 0 };
        evtimer_add(sb->relisten, &tv);
    }
    return 0;
}

static void
on_relisten(evutil_socket_t fd, short what, void *sb)
{
    open_listeners(sb);
}

int
sb_create(struct event_base *base, const struct sb_options *opts,
          const struct sb_callbacks *cbs, void *aux, struct sb **sbp)
{
    struct sb *sb = xzalloc(sizeof *sb);
    sb->base = base;
    sb->opts = *opts;
    sb->opts.listen = NULL;
    if (cbs) {
        sb->cbs = *cbs;
    }
    sb->aux = aux;
    hmap_init(&sb->sessions);
    list_init(&sb->pending);
    sb->reap = event_new(base, -1, 0, on_reap, sb);
    sb->relisten = evtimer_new(base, on_relisten, sb);
    for (const char *const *l = opts->listen; l && *l; l++) {
        sb->n_listen++;
    }
    sb->listen = xcalloc(sb->n_listen + 1, sizeof *sb->listen);
    sb->listeners = xcalloc(sb->n_listen + 1, sizeof *sb->listeners);
    for (size_t i = 0; i < sb->n_listen; i++) {
        sb->listen[i] = xstrdup(opts->listen[i]);
    }
    *sbp = NULL;
    int err = open_listeners(sb);
    if (err) {
        sb_destroy(sb);
        return err;
    }
    *sbp = sb;
    return 0;
}

void
sb_destroy(struct sb *sb)
{
    if (!sb) {
        return;
    }
    for (size_t i = 0; i < sb->n_listen; i++) {
        if (sb->listeners[i]) {
            listener_close(sb->listeners[i]);
        }
        free(sb->listen[i]);
    }
    free(sb->listeners);
    free(sb->listen);
    event_free(sb->relisten);
    struct sb_session *s;
    HMAP_FOR_EACH (s, node, &sb->sessions) {
        session_destroy(sb, s);
    }
    hmap_destroy(&sb->sessions);
    struct sbconn *c;
    LIST_FOR_EACH (c, node, &sb->pending) {
        list_remove(&c->node);
        sbconn_destroy(c);
    }
    on_reap(-1, 0, sb);
    free(sb->dead);
    event_free(sb->reap);
    free(sb);
}
