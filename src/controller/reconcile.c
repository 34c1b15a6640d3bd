/* reconcile: see reconcile.h.
 *
 * One pass (run()) does everything, and runs once per event-loop turn in
 * which anything changed (the NB replica, a VTEP replica, a session, an
 * answered transaction):
 *   1. the sessions follow the NB's VTEP rows (sb.c); a VTEP removed from
 *      the NB keeps its session until seamd's rows are off it;
 *   2. the desired rows of every VTEP are recomputed (desired.c), if the NB
 *      (beyond the status columns), a session or what a VTEP learned
 *      changed, after a start-up grace for the sessions to sync;
 *   3. each synced VTEP without a transaction in flight gets the difference
 *      (vtepdiff.c) in one transaction: of the switches whose fingerprint
 *      changed since they were last diffed, or of everything for a new
 *      session, a change seamd did not make, a transaction that may not
 *      have committed, and every 30 s; never the very transaction the VTEP
 *      refused last time (no loop: a refusal waits for a change);
 *   4. the status columns of the NB (VTEP, Port, L2_Gateway_Connection) are
 *      written where they changed, in one transaction, when something they
 *      show may have changed.
 * Only the active controller does any of it. */
#include "controller/reconcile.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include "controller/dbrow.h"
#include "controller/desired.h"
#include "controller/sb.h"
#include "controller/topo.h"
#include "controller/vtepdiff.h"
#include "lib/ds.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "ovsdb/client.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"

LOG_MODULE(reconcile);

/* A binding the VTEP cannot take, kept for the status of its source. */
struct rproblem {
    struct uuid source;
    char ls[UUID_LEN + 1];          /* The switch of the binding. */
    char *text;
};

/* The fingerprint of a switch as last diffed on a VTEP. */
struct rls {
    struct hmap_node node;          /* In rvtep->diffed, by name. */
    char name[UUID_LEN + 1];
    uint64_t fp;
};

/* A set of switch names (a scope of vtepdiff). */
struct names {
    char **names;
    size_t n;
};

/* What the reconciler knows of one VTEP between passes. */
struct rvtep {
    struct hmap_node node;          /* In reconcile->vteps, by name. */
    struct reconcile *r;
    char *name;
    bool seen;
    /* Gone from the NB while its session was synced: the session stays
     * until seamd's rows are off it (a diff against nothing came out
     * empty), it refused that, or the session is lost. */
    bool leaving;
    struct ovsdb_client_txn *txn;   /* In flight, or answered (reaped next). */
    bool txn_done;
    char *txn_ops;                  /* The ops of 'txn' (JSON text). */
    char *refused_ops;              /* Ops the VTEP refused last, or NULL. */
    char *error;                    /* Its refusal, or NULL. */
    bool in_sync;                   /* Last diff was empty. */
    /* What to diff on the next pass: everything ('full': a new session, a
     * change seamd did not make, a transaction that may not have
     * committed), else the switches whose fingerprint changed since
     * 'diffed' and those in 'pending' (a committed transaction's, to see
     * that they are in sync now). */
    bool full;
    struct hmap diffed;             /* "struct rls"s. */
    struct names pending;
    struct names txn_scope;         /* The scope of 'txn'. */
    bool txn_full;                  /* 'txn' came from a full diff. */
    uint64_t keep_fp;               /* The 'keep' of the last diff. */
    unsigned long long desired_gen; /* 'r->desired_gen' when last compared. */
    char *tunnel_ip;                /* Last known from its Physical_Switch. */
    struct rproblem *problems;
    size_t n_problems;
};

struct reconcile {
    struct event_base *base;
    struct ovsdb_client *nb;
    char **listen;                  /* NULL-terminated copy. */
    SSL_CTX *ssl_server, *ssl_client;
    int probe_ms;

    bool active;
    struct sb *sb;                  /* Non-null while active. */
    struct event *run_ev;
    struct hmap vteps;              /* "struct rvtep"s. */
    struct ovsdb_client_txn *nb_txn;
    bool nb_txn_done;
    long long active_ms;            /* When it became active (time_msec()). */
    long long last_run_ms;          /* When the last pass started. */
    struct desired *desired;        /* Cached between passes, or NULL. */
    bool desired_dirty;             /* Recompute it on the next pass. */
    unsigned long long desired_gen; /* Incremented at each recomputation. */
    bool status_dirty;              /* Write the NB status on the next pass. */
    struct event *grace_ev;         /* Ends the start-up grace. */
    struct event *resync_ev;        /* Full diffs now and then. */
    struct topo *topo;              /* Host links from LLDP (topo.h). */
    struct event *topo_ev;          /* A kept host link expires. */
};

/* Every VTEP gets a full diff this often, in case a change to its rows
 * slipped by while a transaction of ours was in flight. */
#define RECONCILE_RESYNC_MS 30000

/* After becoming active, VTEPs are written only once every session is
 * synced, or this long after: a VTEP whose session is not up yet may hold
 * learned MACs and a tunnel IP that the others' rows depend on, and
 * guessing them would rewrite rows that are right (a controller restart must
 * not touch the VTEPs). */
#define RECONCILE_GRACE_MS 3000

static void run(struct reconcile *);
static void names_clear(struct names *);
static void clear_diffed(struct rvtep *);

static void
on_run(evutil_socket_t fd, short what, void *r_)
{
    struct reconcile *r = r_;
    r->last_run_ms = time_msec();
    run(r);
}

/* Passes are paced: a change after a quiet spell is reconciled on the next
 * loop turn, but while changes keep coming (a client creating ports one
 * POST at a time) at most one pass runs per RECONCILE_PACE_MS, so that a
 * burst of N requests costs N/pace passes instead of N, each over all the
 * changes since the last. */
#define RECONCILE_PACE_MS 10

static void
schedule(struct reconcile *r)
{
    if (event_pending(r->run_ev, EV_TIMEOUT, NULL)) {
        return;
    }
    long long wait_ms = r->last_run_ms + RECONCILE_PACE_MS - time_msec();
    if (wait_ms <= 0) {
        event_active(r->run_ev, EV_TIMEOUT, 0);
    } else {
        struct timeval tv = { 0, wait_ms * 1000 };
        evtimer_add(r->run_ev, &tv);
    }
}

static struct rvtep *find_rvtep(const struct reconcile *, const char *name);

static void
on_resync(evutil_socket_t fd, short what, void *r_)
{
    struct reconcile *r = r_;
    struct rvtep *v;
    HMAP_FOR_EACH (v, node, &r->vteps) {
        v->full = true;
    }
    schedule(r);
}

static void
set_desired_dirty(struct reconcile *r)
{
    r->desired_dirty = true;
    r->status_dirty = true;
    schedule(r);
}

static void
sb_changed(void *r_, const char *vtep, unsigned int what)
{
    struct reconcile *r = r_;
    struct rvtep *v = find_rvtep(r, vtep);
    if (v && ((what & SB_CHANGED_STATE) || ((what & SB_CHANGED_OWNED) && !v->txn))) {
        /* A new session, or rows that seamd writes changed by someone else
         * (while a transaction of ours is in flight, the changes are its
         * own: its switches are diffed again once it is answered). */
        v->full = true;
    }
    if (what & (SB_CHANGED_STATE | SB_CHANGED_DESIRED)) {
        r->desired_dirty = true;
        r->status_dirty = true;
    }
    schedule(r);
}

/* VTEP state. */

static struct rvtep *
find_rvtep(const struct reconcile *r, const char *name)
{
    struct rvtep *v;
    HMAP_FOR_EACH_WITH_HASH (v, node, hash_string(name, 0), &r->vteps) {
        if (!strcmp(v->name, name)) {
            return v;
        }
    }
    return NULL;
}

static struct rvtep *
get_rvtep(struct reconcile *r, const char *name)
{
    struct rvtep *v = find_rvtep(r, name);
    if (!v) {
        v = xzalloc(sizeof *v);
        v->r = r;
        v->name = xstrdup(name);
        v->full = true;
        hmap_init(&v->diffed);
        hmap_insert(&r->vteps, &v->node, hash_string(name, 0));
    }
    return v;
}

static void
clear_problems(struct rvtep *v)
{
    for (size_t i = 0; i < v->n_problems; i++) {
        free(v->problems[i].text);
    }
    free(v->problems);
    v->problems = NULL;
    v->n_problems = 0;
}

static void
drop_txn(struct rvtep *v)
{
    ovsdb_client_txn_destroy(v->txn);
    v->txn = NULL;
    v->txn_done = false;
    free(v->txn_ops);
    v->txn_ops = NULL;
}

static void
rvtep_destroy(struct rvtep *v)
{
    drop_txn(v);
    clear_diffed(v);
    hmap_destroy(&v->diffed);
    names_clear(&v->pending);
    names_clear(&v->txn_scope);
    clear_problems(v);
    free(v->refused_ops);
    free(v->error);
    free(v->tunnel_ip);
    free(v->name);
    free(v);
}

static void
set_str(char **p, const char *s)
{
    free(*p);
    *p = s ? xstrdup(s) : NULL;
}

static void
names_add(struct names *ns, const char *name)
{
    for (size_t i = 0; i < ns->n; i++) {
        if (!strcmp(ns->names[i], name)) {
            return;
        }
    }
    ns->names = xrealloc(ns->names, (ns->n + 1) * sizeof *ns->names);
    ns->names[ns->n++] = xstrdup(name);
}

static bool
names_has(const struct names *ns, const char *name)
{
    for (size_t i = 0; i < ns->n; i++) {
        if (!strcmp(ns->names[i], name)) {
            return true;
        }
    }
    return false;
}

static void
names_clear(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        free(ns->names[i]);
    }
    free(ns->names);
    ns->names = NULL;
    ns->n = 0;
}

static void
names_move(struct names *dst, struct names *src)
{
    for (size_t i = 0; i < src->n; i++) {
        names_add(dst, src->names[i]);
    }
    names_clear(src);
}

static struct rls *
find_rls(const struct rvtep *v, const char *name)
{
    struct rls *x;
    HMAP_FOR_EACH_WITH_HASH (x, node, hash_string(name, 0), &v->diffed) {
        if (!strcmp(x->name, name)) {
            return x;
        }
    }
    return NULL;
}

static void
clear_diffed(struct rvtep *v)
{
    struct rls *x;
    HMAP_FOR_EACH_POP (x, node, &v->diffed) {
        free(x);
    }
}

/* Records the fingerprints of the switches of 'scope' (NULL: all) as
 * diffed. */
static void
record_diffed(struct rvtep *v, const struct desired_vtep *dv, const struct names *scope)
{
    struct desired_ls *ls;
    struct rls *x;
    if (!scope) {
        clear_diffed(v);
    } else {
        for (size_t i = 0; i < scope->n; i++) {
            x = find_rls(v, scope->names[i]);
            if (x) {
                hmap_remove(&v->diffed, &x->node);
                free(x);
            }
        }
    }
    if (!dv) {
        return;
    }
    HMAP_FOR_EACH (ls, node, &dv->switches) {
        if (!scope || names_has(scope, ls->name)) {
            x = xzalloc(sizeof *x);
            memcpy(x->name, ls->name, sizeof x->name);
            x->fp = ls->fingerprint;
            hmap_insert(&v->diffed, &x->node, hash_string(x->name, 0));
        }
    }
}

/* The switches of 'dv' whose rows changed since 'v' last diffed them, and
 * those diffed that are no longer desired, into 'scope'. */
static void
changed_switches(const struct rvtep *v, const struct desired_vtep *dv, struct names *scope)
{
    struct desired_ls *ls;
    struct rls *x;
    if (dv) {
        HMAP_FOR_EACH (ls, node, &dv->switches) {
            x = find_rls(v, ls->name);
            if (!x || x->fp != ls->fingerprint) {
                names_add(scope, ls->name);
            }
        }
    }
    HMAP_FOR_EACH (x, node, &v->diffed) {
        if (!dv || !desired_find_ls(dv, x->name)) {
            names_add(scope, x->name);
        }
    }
}

/* The answer of a VTEP transaction: the replica shows a success; a refusal
 * is remembered so that the same transaction is not sent again. */
static void
vtep_txn_done(void *v_, struct ovsdb_client_txn *txn)
{
    struct rvtep *v = v_;
    enum ovsdb_client_txn_status st = ovsdb_client_txn_get_status(txn);
    v->txn_done = true;
    if (st == OVSDB_CLIENT_TXN_ERROR) {
        const char *e = ovsdb_client_txn_get_error(txn);
        if (!v->error || strcmp(v->error, e ? e : "")) {
            log_warn("VTEP %s refused seamd's transaction: %s; not retrying "
                     "until something changes", v->name, e ? e : "error");
        }
        set_str(&v->error, e ? e : "error");
        free(v->refused_ops);
        v->refused_ops = v->txn_ops;
        v->txn_ops = NULL;
    } else if (st == OVSDB_CLIENT_TXN_SUCCESS) {
        set_str(&v->error, NULL);
        set_str(&v->refused_ops, NULL);
    }
    if (st == OVSDB_CLIENT_TXN_TRY_AGAIN || v->txn_full) {
        v->full = true;
    } else {
        /* Diff its switches again: in sync now, or the same refusal. */
        names_move(&v->pending, &v->txn_scope);
    }
    names_clear(&v->txn_scope);
    v->r->status_dirty = true;
    schedule(v->r);
}

static void
nb_txn_done(void *r_, struct ovsdb_client_txn *txn)
{
    struct reconcile *r = r_;
    enum ovsdb_client_txn_status st = ovsdb_client_txn_get_status(txn);
    r->nb_txn_done = true;
    if (st == OVSDB_CLIENT_TXN_ERROR) {
        static struct log_rl rl = LOG_RL_INIT(5, 5);
        log_warn_rl(&rl, "writing status into the NB failed: %s",
                    ovsdb_client_txn_get_error(txn));
    }
    schedule(r);
}

/* Reaps answered transactions; true if one is still in flight. */
static bool
txn_busy(struct reconcile *r, struct rvtep *v)
{
    if (v->txn && v->txn_done) {
        drop_txn(v);
    }
    return v->txn != NULL;
}

/* Step 1: sessions. */

/* Whether VTEP 'v', no longer in the NB, keeps its session for now (see
 * 'leaving'). */
static bool
keep_leaving(struct reconcile *r, struct rvtep *v)
{
    struct sb_session *s = sb_find(r->sb, v->name);
    bool synced = s && sb_session_is_synced(s);
    if (!v->leaving) {
        if (!synced) {
            return false;
        }
        log_info("VTEP %s: removed; taking seamd's rows off it", v->name);
        v->leaving = true;
        v->in_sync = false;
        v->full = true;
        set_str(&v->error, NULL);
        set_str(&v->refused_ops, NULL);
        return true;
    }
    if (!synced) {
        log_warn("VTEP %s: session lost before seamd's rows were off it", v->name);
        return false;
    }
    if (v->error) {
        return false;           /* vtep_txn_done() said why. */
    }
    if (v->in_sync) {
        log_info("VTEP %s: seamd's rows are off it", v->name);
        return false;
    }
    return true;
}

static void
follow_vteps(struct reconcile *r, const struct ovsdb_db *nb)
{
    const struct ovsdb_table *t = dbrow_table(nb, "VTEP");
    size_t n = (t ? hmap_count(&t->rows) : 0) + hmap_count(&r->vteps), k = 0;
    struct sb_vtep *vteps = xcalloc(n ? n : 1, sizeof *vteps);
    const struct ovsdb_row *row;
    struct rvtep *v;

    HMAP_FOR_EACH (v, node, &r->vteps) {
        v->seen = false;
    }
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            const char *name = dbrow_str(row, "name");
            if (name[0]) {
                v = get_rvtep(r, name);
                if (v->leaving) {
                    v->leaving = false;         /* Back before it left. */
                    v->full = true;
                }
                v->seen = true;
                vteps[k].name = v->name;
                vteps[k].target = dbrow_str(row, "target");
                k++;
            }
        }
    }
    HMAP_FOR_EACH (v, node, &r->vteps) {
        if (v->seen) {
            continue;
        }
        if (keep_leaving(r, v)) {       /* Its session as it is. */
            vteps[k].name = v->name;
            vteps[k].target = sb_session_target(sb_find(r->sb, v->name));
            k++;
        } else {
            hmap_remove(&r->vteps, &v->node);
            rvtep_destroy(v);
        }
    }
    sb_set_vteps(r->sb, vteps, k);
    free(vteps);
}

static void
vtep_info(void *r_, const char *name, struct desired_vtep_info *info)
{
    struct reconcile *r = r_;
    struct sb_session *s = sb_find(r->sb, name);
    struct rvtep *v = find_rvtep(r, name);
    info->db = s ? sb_session_db(s) : NULL;
    if (info->db && desired_foreign_switch(info->db, name)) {
        info->db = NULL;        /* Another switch's MACs and ports are not its. */
    }
    if (v && info->db) {
        const struct ovsdb_row *ps = desired_physical_switch(info->db, name);
        const char *ip = ps ? dbrow_str(ps, "tunnel_ips") : "";
        if (ip[0] && (!v->tunnel_ip || strcmp(v->tunnel_ip, ip))) {
            set_str(&v->tunnel_ip, ip);
        }
    }
    info->tunnel_ip = v ? v->tunnel_ip : NULL;
}

/* Step 3: one VTEP. */

/* Tunnel IPs of the VTEPs whose learned MACs are unknown now. */
static size_t
unknown_vteps(struct reconcile *r, const struct desired *d, const char ***ips)
{
    struct desired_vtep *dv;
    size_t n = 0;
    *ips = xcalloc(hmap_count(&d->vteps) + 1, sizeof **ips);
    HMAP_FOR_EACH (dv, node, &d->vteps) {
        struct sb_session *s = sb_find(r->sb, dv->name);
        if (dv->tunnel_ip && !(s && sb_session_is_synced(s))) {
            (*ips)[n++] = dv->tunnel_ip;
        }
    }
    return n;
}

/* Replaces the problems of the switches of 'scope' (NULL: all) with those
 * of 'res'. */
static void
merge_problems(struct rvtep *v, const struct names *scope, const struct vtepdiff_result *res)
{
    /* A problem not known before is logged once, when it appears (the NB
     * status says it for as long as it lasts). */
    for (size_t i = 0; i < res->n_problems; i++) {
        bool known = false;
        for (size_t j = 0; j < v->n_problems && !known; j++) {
            known = !strcmp(v->problems[j].text, res->problems[i].text);
        }
        if (!known) {
            log_warn("VTEP %s: %s", v->name, res->problems[i].text);
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < v->n_problems; i++) {
        if (scope && !names_has(scope, v->problems[i].ls)) {
            v->problems[k++] = v->problems[i];
        } else {
            free(v->problems[i].text);
        }
    }
    v->problems = xrealloc(v->problems, (k + res->n_problems + 1) * sizeof *v->problems);
    for (size_t i = 0; i < res->n_problems; i++) {
        struct rproblem *p = &v->problems[k++];
        p->source = res->problems[i].binding->source;
        memcpy(p->ls, res->problems[i].binding->ls, sizeof p->ls);
        p->text = xstrdup(res->problems[i].text);
    }
    v->n_problems = k;
}

static void
sync_vtep(struct reconcile *r, struct rvtep *v, const struct desired_vtep *dv,
          const char **keep, size_t n_keep, uint64_t keep_fp)
{
    struct sb_session *s = sb_find(r->sb, v->name);
    const struct ovsdb_db *db = s ? sb_session_db(s) : NULL;
    struct vtepdiff_result res;
    struct names scope = { NULL, 0 };

    if (txn_busy(r, v)) {
        return;                 /* Its answer schedules the next pass. */
    }
    if (!db) {
        if (v->in_sync) {
            r->status_dirty = true;
        }
        v->in_sync = false;
        v->full = true;         /* When it is back. */
        return;
    }
    const char *foreign = desired_foreign_switch(db, v->name);
    if (foreign) {
        /* A target that reaches another switch (swapped, mistyped): write
         * nothing there, say so once, look again when its rows change. */
        char *e = xasprintf("its database serves Physical_Switch \"%s\", not \"%s\"; "
                            "check the VTEP's target", foreign, v->name);
        if (!v->error || strcmp(v->error, e)) {
            log_warn("VTEP %s: %s; writing nothing to it", v->name, e);
            r->status_dirty = true;
        }
        free(v->error);
        v->error = e;
        v->in_sync = false;
        v->full = true;
        return;
    }
    if (keep_fp != v->keep_fp) {
        v->full = true;         /* Which remote MACs may go changed. */
        v->keep_fp = keep_fp;
    }
    bool full = v->full;
    if (!full && !v->pending.n && v->desired_gen == r->desired_gen) {
        return;                 /* Nothing it depends on changed. */
    }
    v->desired_gen = r->desired_gen;
    if (!full) {
        changed_switches(v, dv, &scope);
        names_move(&scope, &v->pending);
        if (!scope.n) {
            return;             /* Nothing it depends on changed. */
        }
    }
    v->full = false;
    names_clear(&v->pending);
    r->status_dirty = true;
    struct vtepdiff_scope vs = { (const char *const *) scope.names, scope.n };
    vtepdiff_compute(db, v->name, dv, keep, n_keep, full ? NULL : &vs, &res);
    merge_problems(v, full ? NULL : &scope, &res);
    record_diffed(v, dv, full ? NULL : &scope);
    if (!json_array_size(res.ops)) {
        if (!v->in_sync && !v->leaving) {
            log_info("VTEP %s: in sync", v->name);
        }
        v->in_sync = true;
        set_str(&v->error, NULL);
        set_str(&v->refused_ops, NULL);
        goto out;
    }
    v->in_sync = false;
    char *text = json_dumps(res.ops, JSON_COMPACT | JSON_SORT_KEYS);
    if (v->refused_ops && !strcmp(text, v->refused_ops)) {
        free(text);             /* Refused before: wait for a change. */
        goto out;
    }
    log_debug("VTEP %s: %zu row changes (%s)", v->name, res.n_changes,
              full ? "full diff" : "changed switches");
    struct ovsdb_client_txn *txn = ovsdb_client_txn_create(sb_session_client(s));
    size_t i;
    json_t *o;
    json_array_foreach (res.ops, i, o) {
        ovsdb_client_txn_add_op(txn, json_incref(o));
    }
    ovsdb_client_txn_add_comment(txn, "seamd reconcile");
    v->txn = txn;
    v->txn_done = false;
    v->txn_ops = text;
    v->txn_full = full;
    names_clear(&v->txn_scope);
    v->txn_scope = scope;
    scope.names = NULL;
    scope.n = 0;
    ovsdb_client_txn_commit(txn, vtep_txn_done, v);
    if (v->txn_done) {
        schedule(r);            /* Refused at once (not connected). */
    }
out:
    names_clear(&scope);
    vtepdiff_result_destroy(&res);
}

/* Step 4: status write-back. */

static void
put_if_changed(const struct ovsdb_row *row, json_t *cols, const char *column,
               json_t *value)
{
    const struct ovsdb_datum *d = dbrow_datum(row, column);
    if (!d) {
        json_decref(value);
        return;
    }
    /* The usual cases without building JSON: scalar strings and booleans. */
    if (d->n == 1 && json_is_string(value)) {
        if (strcmp(dbrow_str(row, column), json_string_value(value))) {
            json_object_set_new(cols, column, value);
        } else {
            json_decref(value);
        }
        return;
    } else if (d->n == 1 && json_is_boolean(value)) {
        if (dbrow_bool(row, column) != json_is_true(value)) {
            json_object_set_new(cols, column, value);
        } else {
            json_decref(value);
        }
        return;
    }
    const struct ovsdb_column *col
        = ovsdb_table_schema_find_column(row->table->schema, column);
    json_t *cur = ovsdb_datum_to_json(d, &col->type);
    if (!json_equal(cur, value)) {
        json_object_set_new(cols, column, value);
    } else {
        json_decref(value);
    }
    json_decref(cur);
}

static void
update_row(struct ovsdb_client_txn **txn, struct reconcile *r, const char *table,
           const struct ovsdb_row *row, json_t *cols)
{
    if (json_object_size(cols)) {
        if (!*txn) {
            *txn = ovsdb_client_txn_create(r->nb);
        }
        ovsdb_client_txn_update(*txn, table, ovsdb_row_get_uuid(row), cols);
    } else {
        json_decref(cols);
    }
}

/* Whether what 'v' should carry of network switch 'ls' (NULL: of every
 * switch) is on it: the VTEP is in sync, or its changes not yet applied are
 * all to other switches (programming one network must not take the ports
 * of another down for a while). */
static bool
rvtep_applied(const struct rvtep *v, const struct desired *d, const char *ls)
{
    if (v->in_sync) {
        return true;
    }
    if (!ls || v->full || v->leaving || (v->txn && v->txn_full)
        || names_has(&v->pending, ls) || names_has(&v->txn_scope, ls)) {
        return false;
    }
    const struct desired_vtep *dv = desired_find_vtep(d, v->name);
    const struct desired_ls *dls = dv ? desired_find_ls(dv, ls) : NULL;
    const struct rls *x = find_rls(v, ls);
    return dls && x && x->fp == dls->fingerprint;
}

/* The status of 'n' VTEPs for what they carry of network switch 'ls'
 * (NULL: for all they carry): "ERROR" if one refused our transaction,
 * "DOWN" if one has not applied it yet (rvtep_applied()), else "ACTIVE"; why
 * in '*detail' (a new string). */
static const char *
vteps_status(struct reconcile *r, const struct desired *d, const char *ls,
             const char *const *vteps, size_t n, char **detail)
{
    for (size_t i = 0; i < n; i++) {
        struct rvtep *v = find_rvtep(r, vteps[i]);
        if (v && v->error) {
            *detail = xasprintf("VTEP %s refused: %s", v->name, v->error);
            return "ERROR";
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct rvtep *v = find_rvtep(r, vteps[i]);
        if (!v || !rvtep_applied(v, d, ls)) {
            *detail = xasprintf("not yet applied on VTEP %s", vteps[i]);
            return "DOWN";
        }
    }
    *detail = xstrdup("");
    return "ACTIVE";
}

/* The status of what NB row 'source' binds on 'n' VTEPs: vteps_status(),
 * but "DOWN" with the problem when a VTEP cannot take its binding or
 * another network holds it. */
static const char *
bound_status(struct reconcile *r, const struct desired *d, const struct uuid *source,
             const char *ls, const char *const *vteps, size_t n, char **detail)
{
    const char *st = vteps_status(r, d, ls, vteps, n, detail);
    if (!strcmp(st, "ERROR")) {
        return st;
    }
    const char *conflict = desired_conflict(d, source);
    if (conflict) {
        free(*detail);
        *detail = xstrdup(conflict);
        return "DOWN";
    }
    for (size_t i = 0; i < n; i++) {
        struct rvtep *v = find_rvtep(r, vteps[i]);
        for (size_t j = 0; v && j < v->n_problems; j++) {
            if (uuid_equals(&v->problems[j].source, source)) {
                free(*detail);
                *detail = xstrdup(v->problems[j].text);
                return "DOWN";
            }
        }
    }
    return st;
}

/* vteps_status() of a network's VTEPs, computed once per pass. */
struct net_status {
    struct hmap_node node;
    const struct desired_net *net;
    const char *status;
    char *detail;
};

static const struct net_status *
net_status(struct reconcile *r, const struct desired *d, struct hmap *cache,
           const struct desired_net *dn)
{
    struct net_status *ns;
    HMAP_FOR_EACH_WITH_HASH (ns, node, hash_uint64((uintptr_t) dn, 0), cache) {
        if (ns->net == dn) {
            return ns;
        }
    }
    ns = xzalloc(sizeof *ns);
    ns->net = dn;
    ns->status = vteps_status(r, d, dn->name, dn->members, dn->n_members, &ns->detail);
    hmap_insert(cache, &ns->node, hash_uint64((uintptr_t) dn, 0));
    return ns;
}

static void
write_ports(struct reconcile *r, const struct ovsdb_db *nb, const struct desired *d,
            struct ovsdb_client_txn **txn)
{
    const struct ovsdb_table *t = dbrow_table(nb, "Port");
    const struct ovsdb_row *row;
    struct hmap cache = HMAP_INITIALIZER(&cache);
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        struct desired_port *p = desired_find_port(d, ovsdb_row_get_uuid(row));
        const char *status = "DOWN";
        char *detail;
        if (!p || !p->n_vteps) {
            detail = xstrdup(p && p->problem ? p->problem : "");
        } else {
            /* Bound where it is, and its MAC on every VTEP of its network. */
            const struct uuid *net = dbrow_uuid(row, "network");
            char ls[UUID_LEN + 1];
            if (net) {
                uuid_to_string(net, ls);
            }
            status = bound_status(r, d, &p->uuid, net ? ls : NULL,
                                  (const char *const *) p->vteps, p->n_vteps, &detail);
            const struct net_status *ns = p->net ? net_status(r, d, &cache, p->net) : NULL;
            if (ns && strcmp(status, "ERROR") && strcmp(ns->status, "ACTIVE")
                && (!strcmp(ns->status, "ERROR") || !strcmp(status, "ACTIVE"))) {
                status = ns->status;
                free(detail);
                detail = xstrdup(ns->detail);
            }
        }
        json_t *cols = json_object();
        put_if_changed(row, cols, "status", json_string(status));
        put_if_changed(row, cols, "status_detail", json_string(detail));
        free(detail);
        update_row(txn, r, "Port", row, cols);
    }
    struct net_status *ns;
    HMAP_FOR_EACH_POP (ns, node, &cache) {
        free(ns->detail);
        free(ns);
    }
    hmap_destroy(&cache);
}

static void
write_l2gw(struct reconcile *r, const struct ovsdb_db *nb, const struct desired *d,
           struct ovsdb_client_txn **txn)
{
    const struct ovsdb_table *t = dbrow_table(nb, "L2_Gateway_Connection");
    const struct ovsdb_row *row;
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const struct uuid *u = ovsdb_row_get_uuid(row);
        const char **vteps = NULL;
        const char *ls = NULL;          /* Its network's switch. */
        size_t n = 0;
        struct desired_vtep *dv;
        HMAP_FOR_EACH (dv, node, &d->vteps) {
            struct desired_binding *b;
            HMAP_FOR_EACH (b, node, &dv->bindings) {
                if (b->kind == DESIRED_SRC_L2GW_CONN && uuid_equals(&b->source, u)) {
                    vteps = xrealloc(vteps, (n + 1) * sizeof *vteps);
                    vteps[n++] = dv->name;
                    ls = b->ls;
                    break;
                }
            }
        }
        const char *status = "DOWN";
        char *detail;
        if (n) {
            status = bound_status(r, d, u, ls, vteps, n, &detail);
        } else if (desired_conflict(d, u)) {
            detail = xstrdup(desired_conflict(d, u));
        } else {
            detail = xstrdup("no interface of the gateway is on a known VTEP");
        }
        free(vteps);
        json_t *cols = json_object();
        put_if_changed(row, cols, "status", json_string(status));
        put_if_changed(row, cols, "status_detail", json_string(detail));
        free(detail);
        update_row(txn, r, "L2_Gateway_Connection", row, cols);
    }
}

static void
write_vteps(struct reconcile *r, const struct ovsdb_db *nb, struct ovsdb_client_txn **txn)
{
    const struct ovsdb_table *t = dbrow_table(nb, "VTEP");
    const struct ovsdb_row *row;
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const char *name = dbrow_str(row, "name");
        struct sb_session *s = sb_find(r->sb, name);
        struct rvtep *v = find_rvtep(r, name);
        struct ds detail = DS_EMPTY_INITIALIZER;
        const char *sb_error = s ? sb_session_error(s) : NULL;
        if (sb_error) {
            ds_put_format(&detail, "unreachable: %s", sb_error);
        } else if (v && v->error) {
            ds_put_format(&detail, "refused: %s", v->error);
        } else if (v && v->n_problems) {
            ds_put_cstr(&detail, v->problems[0].text);
            if (v->n_problems > 1) {
                ds_put_format(&detail, " (and %zu more)", v->n_problems - 1);
            }
        }
        json_t *cols = json_object();
        put_if_changed(row, cols, "connection_state",
                       json_string(s ? sb_session_state(s) : "disconnected"));
        put_if_changed(row, cols, "in_sync", json_boolean(v && v->in_sync));
        put_if_changed(row, cols, "status_detail", json_string(ds_cstr(&detail)));
        ds_destroy(&detail);
        update_row(txn, r, "VTEP", row, cols);
    }
}

/* A host link topo keeps expires: write the NB again. */
static void
on_topo_timer(evutil_socket_t fd, short what, void *r_)
{
    struct reconcile *r = r_;
    r->status_dirty = true;
    run(r);
}

static const struct ovsdb_db *
topo_vtep_db(void *r_, const char *name)
{
    struct reconcile *r = r_;
    struct sb_session *s = sb_find(r->sb, name);
    return s ? sb_session_db(s) : NULL;
}

/* Host_Link rows of source lldp (topo.c), and a pass when one expires. */
static void
write_host_links(struct reconcile *r, const struct ovsdb_db *nb,
                 struct ovsdb_client_txn **txn)
{
    long long next_ms;
    json_t *ops = topo_run(r->topo, nb, topo_vtep_db, r, time_msec(), &next_ms);
    for (size_t i = 0; i < json_array_size(ops); i++) {
        if (!*txn) {
            *txn = ovsdb_client_txn_create(r->nb);
        }
        ovsdb_client_txn_add_op(*txn, json_incref(json_array_get(ops, i)));
    }
    json_decref(ops);
    if (next_ms != LLONG_MAX) {
        long long ms = MAX(0, next_ms - time_msec()) + 1;
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        evtimer_add(r->topo_ev, &tv);
    }
}

static void
write_status(struct reconcile *r, const struct ovsdb_db *nb, const struct desired *d)
{
    struct ovsdb_client_txn *txn = NULL;
    if (r->nb_txn) {
        if (!r->nb_txn_done) {
            return;             /* Its answer schedules the next pass. */
        }
        ovsdb_client_txn_destroy(r->nb_txn);
        r->nb_txn = NULL;
    }
    r->status_dirty = false;
    write_vteps(r, nb, &txn);
    write_ports(r, nb, d, &txn);
    write_l2gw(r, nb, d, &txn);
    write_host_links(r, nb, &txn);
    if (txn) {
        r->nb_txn = txn;
        r->nb_txn_done = false;
        ovsdb_client_txn_commit(txn, nb_txn_done, r);
    }
}

/* Still in the start-up grace (and some session is not synced)? */
static bool
in_grace(struct reconcile *r)
{
    long long left = r->active_ms + RECONCILE_GRACE_MS - time_msec();
    if (left <= 0) {
        return false;
    }
    struct rvtep *v;
    HMAP_FOR_EACH (v, node, &r->vteps) {
        struct sb_session *s = sb_find(r->sb, v->name);
        if (!s || !sb_session_is_synced(s)) {
            struct timeval tv = { left / 1000, (left % 1000) * 1000 };
            evtimer_add(r->grace_ev, &tv);
            return true;
        }
    }
    return false;
}

static void
run(struct reconcile *r)
{
    const struct ovsdb_db *nb = ovsdb_client_get_db(r->nb);
    if (!r->active || !r->sb || !nb || !ovsdb_client_is_synced(r->nb)) {
        return;
    }
    follow_vteps(r, nb);
    if (in_grace(r)) {
        return;
    }
    struct rvtep *v;
    if (r->desired_dirty || !r->desired) {
        desired_destroy(r->desired);
        r->desired = desired_compute(nb, vtep_info, r);
        r->desired_dirty = false;
        r->desired_gen++;
    }
    struct desired *d = r->desired;
    const char **keep;
    size_t n_keep = unknown_vteps(r, d, &keep);
    uint64_t keep_fp = 0;
    for (size_t i = 0; i < n_keep; i++) {
        keep_fp += hash_string(keep[i], 7);
    }
    HMAP_FOR_EACH (v, node, &r->vteps) {
        sync_vtep(r, v, v->leaving ? NULL : desired_find_vtep(d, v->name), keep, n_keep,
                  keep_fp);
        if (v->leaving && (v->in_sync || v->error)) {
            schedule(r);        /* follow_vteps() lets it go. */
        }
    }
    if (r->status_dirty) {
        write_status(r, nb, d);
    }
    free(keep);
}

/* Interface. */

struct reconcile *
reconcile_create(struct event_base *base, struct ovsdb_client *nb,
                 const struct reconcile_options *opts)
{
    struct reconcile *r = xzalloc(sizeof *r);
    size_t n = 0;
    for (const char *const *l = opts->listen; l && *l; l++) {
        n++;
    }
    r->listen = xcalloc(n + 1, sizeof *r->listen);
    for (size_t i = 0; i < n; i++) {
        r->listen[i] = xstrdup(opts->listen[i]);
    }
    r->ssl_server = opts->ssl_server;
    r->ssl_client = opts->ssl_client;
    r->probe_ms = opts->probe_ms;
    r->base = base;
    r->nb = nb;
    r->run_ev = event_new(base, -1, 0, on_run, r);
    r->grace_ev = evtimer_new(base, on_run, r);
    r->resync_ev = event_new(base, -1, EV_PERSIST, on_resync, r);
    r->topo = topo_create(opts->device_mappings);
    r->topo_ev = evtimer_new(base, on_topo_timer, r);
    hmap_init(&r->vteps);

    /* Check the listeners' names now, so that a bad one stops seamd at
     * start (an address in use is only retried: the active seamd may hold
     * it). */
    struct sb *probe;
    struct sb_options so = { (const char *const *) r->listen, r->ssl_server,
                             r->ssl_client, r->probe_ms };
    if (sb_create(base, &so, NULL, NULL, &probe)) {
        reconcile_destroy(r);
        return NULL;
    }
    sb_destroy(probe);
    return r;
}

static void
deactivate(struct reconcile *r)
{
    event_del(r->resync_ev);
    struct rvtep *v;
    HMAP_FOR_EACH_POP (v, node, &r->vteps) {
        rvtep_destroy(v);
    }
    sb_destroy(r->sb);
    r->sb = NULL;
    ovsdb_client_txn_destroy(r->nb_txn);
    r->nb_txn = NULL;
    desired_destroy(r->desired);
    r->desired = NULL;
}

void
reconcile_destroy(struct reconcile *r)
{
    if (!r) {
        return;
    }
    deactivate(r);
    hmap_destroy(&r->vteps);
    event_free(r->run_ev);
    event_free(r->grace_ev);
    event_free(r->resync_ev);
    event_free(r->topo_ev);
    topo_destroy(r->topo);
    for (char **l = r->listen; *l; l++) {
        free(*l);
    }
    free(r->listen);
    free(r);
}

void
reconcile_set_active(struct reconcile *r, bool active)
{
    if (active == r->active) {
        return;
    }
    r->active = active;
    if (!active) {
        log_info("inactive: closing the southbound sessions");
        deactivate(r);
        return;
    }
    struct sb_options so = { (const char *const *) r->listen, r->ssl_server,
                             r->ssl_client, r->probe_ms };
    static const struct sb_callbacks cbs = { .changed = sb_changed };
    if (sb_create(r->base, &so, &cbs, r, &r->sb)) {
        so.listen = NULL;       /* Checked by reconcile_create(): cannot be. */
        if (sb_create(r->base, &so, &cbs, r, &r->sb)) {
            r->sb = NULL;
        }
    }
    log_info("active: reconciling");
    r->active_ms = time_msec();
    struct timeval tv = { RECONCILE_RESYNC_MS / 1000, 0 };
    event_add(r->resync_ev, &tv);
    schedule(r);
}

int
reconcile_port_known(void *r_, const char *vtep, const char *port)
{
    struct reconcile *r = r_;
    struct sb_session *s = r->sb ? sb_find(r->sb, vtep) : NULL;
    const struct ovsdb_db *db = s ? sb_session_db(s) : NULL;
    const struct ovsdb_row *ps = db ? desired_physical_switch(db, vtep) : NULL;
    return !ps ? -1 : desired_switch_port(db, ps, port) != NULL;
}

/* The columns the reconciler writes: changing only them changes no
 * desired row. */
static bool
is_status_column(const char *table, const char *column)
{
    return (!strcmp(column, "status") || !strcmp(column, "status_detail")
            || (!strcmp(table, "VTEP") && (!strcmp(column, "connection_state")
                                           || !strcmp(column, "in_sync"))));
}

struct nb_change_check {
    const char *table;
    bool matters;
};

static void
check_nb_change(void *c_, enum ovsdb_client_change_kind kind, const struct ovsdb_row *row,
                const unsigned long *changed)
{
    struct nb_change_check *c = c_;
    if (kind != OVSDB_CLIENT_MODIFIED || !changed) {
        c->matters = true;
        return;
    }
    const struct ovsdb_table_schema *ts = row->table->schema;
    for (size_t i = OVSDB_N_INTERNAL_COLUMNS; i < ts->n_columns && !c->matters; i++) {
        if (bitmap_is_set(changed, i) && !is_status_column(c->table, ts->columns[i]->name)) {
            c->matters = true;
        }
    }
}

/* Did the NB change more than the status columns the reconciler writes? */
static bool
nb_changes_matter(const struct reconcile *r)
{
    const struct ovsdb_db *db = ovsdb_client_get_db(r->nb);
    struct nb_change_check c = { NULL, false };
    for (size_t i = 0; db && i < db->schema->n_tables && !c.matters; i++) {
        c.table = db->schema->tables[i]->name;
        ovsdb_client_get_changes(r->nb, c.table, check_nb_change, &c);
    }
    return c.matters;
}

void
reconcile_nb_changed(struct reconcile *r)
{
    bool matters = nb_changes_matter(r);
    ovsdb_client_clear_changes(r->nb);
    if (matters) {
        set_desired_dirty(r);
    }
}
