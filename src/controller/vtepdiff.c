/* vtepdiff: see vtepdiff.h.
 *
 * vtepdiff_compute() indexes the replica's switches (which are seamd's),
 * then compares, one named step each: switches, remote MACs, unknown-dst
 * flooding, VLAN bindings, and finally removes the switches no longer
 * wanted.  References to rows created in the same transaction use
 * "uuid-name"s: ls<N>, loc<N>, set<N>. */
#include "controller/vtepdiff.h"

#include <stdlib.h>
#include <string.h>
#include "controller/dbrow.h"
#include "controller/desired.h"
#include "lib/hmap.h"
#include "lib/util.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/schema.h"

/* A switch of the replica, or one to create. */
struct lsx {
    struct hmap_node node;          /* In diff.switches, by name. */
    const char *name;
    const struct ovsdb_row *row;    /* NULL: created by this transaction. */
    const struct desired_ls *want;  /* NULL: not wanted. */
    bool owned;
    bool in_scope;
    json_t *ref;                    /* ["uuid", ..] or ["named-uuid", ..];
                                     * made when first needed (ls_ref()). */
};

struct locx {
    struct hmap_node node;          /* In diff.locators, by IP. */
    const char *ip;                 /* Borrowed (replica or desired). */
    const struct ovsdb_row *row;    /* NULL: created by this transaction. */
    json_t *ref;                    /* Made when first needed. */
};

/* A pointer met during a walk. */
struct seen {
    struct hmap_node node;
    const void *p;
};

struct diff {
    const struct ovsdb_db *db;
    const struct desired_vtep *want;
    const char *const *keep;
    size_t n_keep;
    const struct vtepdiff_scope *scope;
    struct vtepdiff_result *r;
    struct hmap switches;           /* "struct lsx"s. */
    struct hmap by_uuid;            /* The same, replica rows only, by uuid. */
    struct hmap locators;           /* "struct locx"s. */
    struct hmap seen;               /* "struct seen"s. */
    size_t n_names;
};

struct lsx_uuid {
    struct hmap_node node;
    struct lsx *lsx;
};

static json_t *
j_uuid(const struct uuid *u)
{
    char s[UUID_LEN + 1];
    uuid_to_string(u, s);
    return json_pack("[s s]", "uuid", s);
}

static json_t *
j_where(const struct ovsdb_row *row)
{
    char s[UUID_LEN + 1];
    uuid_to_string(ovsdb_row_get_uuid(row), s);
    return json_pack("[[s s [s s]]]", "_uuid", "==", "uuid", s);
}

static char *
new_name(struct diff *d, const char *prefix)
{
    return xasprintf("%s%zu", prefix, d->n_names++);
}

static void
op(struct diff *d, json_t *o)
{
    json_array_append_new(d->r->ops, o);
    d->r->n_changes++;
}

static void
op_update(struct diff *d, const char *table, const struct ovsdb_row *row, json_t *cols)
{
    op(d, json_pack("{s s s s s o s o}", "op", "update", "table", table,
                    "where", j_where(row), "row", cols));
}

static void
op_delete(struct diff *d, const char *table, const struct ovsdb_row *row)
{
    op(d, json_pack("{s s s s s o}", "op", "delete", "table", table,
                    "where", j_where(row)));
}

static void
op_mutate(struct diff *d, const char *table, const struct ovsdb_row *row,
          const char *column, const char *mutator, json_t *value)
{
    op(d, json_pack("{s s s s s o s [[s s o]]}", "op", "mutate", "table", table,
                    "where", j_where(row), "mutations", column, mutator, value));
}

/* Returns a new reference to the row inserted as 'name'. */
static json_t *
op_insert(struct diff *d, const char *table, json_t *row, const char *name)
{
    op(d, json_pack("{s s s s s o s s}", "op", "insert", "table", table,
                    "row", row, "uuid-name", name));
    return json_pack("[s s]", "named-uuid", name);
}

static bool
mark_seen(struct diff *d, const void *p)
{
    struct seen *s;
    uint32_t h = hash_uint64((uintptr_t) p, 0);
    HMAP_FOR_EACH_WITH_HASH (s, node, h, &d->seen) {
        if (s->p == p) {
            return false;
        }
    }
    s = xmalloc(sizeof *s);
    s->p = p;
    hmap_insert(&d->seen, &s->node, h);
    return true;
}

static bool
was_seen(const struct diff *d, const void *p)
{
    struct seen *s;
    HMAP_FOR_EACH_WITH_HASH (s, node, hash_uint64((uintptr_t) p, 0), &d->seen) {
        if (s->p == p) {
            return true;
        }
    }
    return false;
}

static bool
keep_ip(const struct diff *d, const char *ip)
{
    for (size_t i = 0; i < d->n_keep; i++) {
        if (!strcmp(d->keep[i], ip)) {
            return true;
        }
    }
    return false;
}

static void
add_problem(struct diff *d, const struct desired_binding *b, char *text)
{
    struct vtepdiff_result *r = d->r;
    r->problems = xrealloc(r->problems, (r->n_problems + 1) * sizeof *r->problems);
    r->problems[r->n_problems].binding = b;
    r->problems[r->n_problems].text = text;
    r->n_problems++;
}

static bool
in_scope(const struct diff *d, const char *name)
{
    if (!d->scope) {
        return true;
    }
    for (size_t i = 0; i < d->scope->n; i++) {
        if (!strcmp(d->scope->names[i], name)) {
            return true;
        }
    }
    return false;
}

/* Index. */

static struct lsx *
find_lsx(const struct diff *d, const char *name)
{
    struct lsx *x;
    HMAP_FOR_EACH_WITH_HASH (x, node, hash_string(name, 0), &d->switches) {
        if (!strcmp(x->name, name)) {
            return x;
        }
    }
    return NULL;
}

static struct lsx *
lsx_by_uuid(const struct diff *d, const struct uuid *u)
{
    struct lsx_uuid *x;
    if (!u) {
        return NULL;
    }
    HMAP_FOR_EACH_WITH_HASH (x, node, uuid_hash(u), &d->by_uuid) {
        if (uuid_equals(ovsdb_row_get_uuid(x->lsx->row), u)) {
            return x->lsx;
        }
    }
    return NULL;
}

static void
index_switches(struct diff *d)
{
    const struct ovsdb_table *t = dbrow_table(d->db, "Logical_Switch");
    const struct ovsdb_row *row;
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const char *name = dbrow_str(row, "name");
        if (find_lsx(d, name)) {
            continue;           /* Names are unique (index): be safe. */
        }
        struct lsx *x = xzalloc(sizeof *x);
        x->name = name;
        x->row = row;
        x->want = d->want ? desired_find_ls(d->want, name) : NULL;
        x->owned = x->want || dbrow_map_str(row, "other_config", VTEPDIFF_OWNER_KEY);
        x->in_scope = in_scope(d, name);
        hmap_insert(&d->switches, &x->node, hash_string(name, 0));
        struct lsx_uuid *xu = xmalloc(sizeof *xu);
        xu->lsx = x;
        hmap_insert(&d->by_uuid, &xu->node, uuid_hash(ovsdb_row_get_uuid(row)));
    }
}

static void
index_locators(struct diff *d)
{
    const struct ovsdb_table *t = dbrow_table(d->db, "Physical_Locator");
    const struct ovsdb_row *row;
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const struct ovsdb_datum *key = dbrow_datum(row, "tunnel_key");
        if (key && key->n) {
            continue;
        }
        struct locx *l = xzalloc(sizeof *l);
        l->ip = dbrow_str(row, "dst_ip");
        l->row = row;
        hmap_insert(&d->locators, &l->node, hash_string(l->ip, 0));
    }
}

/* The reference to switch 'x' (borrowed). */
static json_t *
ls_ref(struct lsx *x)
{
    if (!x->ref) {
        x->ref = j_uuid(ovsdb_row_get_uuid(x->row));
    }
    return x->ref;
}

/* Returns a new reference to the locator of 'ip', created if needed. */
static json_t *
locator_ref(struct diff *d, const char *ip)
{
    struct locx *l;
    HMAP_FOR_EACH_WITH_HASH (l, node, hash_string(ip, 0), &d->locators) {
        if (!strcmp(l->ip, ip)) {
            if (!l->ref) {
                l->ref = j_uuid(ovsdb_row_get_uuid(l->row));
            }
            return json_incref(l->ref);
        }
    }
    char *name = new_name(d, "loc");
    l = xzalloc(sizeof *l);
    l->ip = ip;
    l->ref = op_insert(d, "Physical_Locator",
                       json_pack("{s s s s}", "encapsulation_type", "vxlan_over_ipv4",
                                 "dst_ip", ip), name);
    free(name);
    hmap_insert(&d->locators, &l->node, hash_string(ip, 0));
    return json_incref(l->ref);
}

static const char *
locator_ip(const struct diff *d, const struct uuid *u)
{
    const struct ovsdb_row *loc = dbrow_get(d->db, "Physical_Locator", u);
    return loc ? dbrow_str(loc, "dst_ip") : "";
}

/* Step 1: switches to create or fix. */

static void
diff_switches(struct diff *d)
{
    struct desired_ls *ls;
    if (!d->want) {
        return;
    }
    HMAP_FOR_EACH (ls, node, &d->want->switches) {
        if (!in_scope(d, ls->name)) {
            continue;
        }
        struct lsx *x = find_lsx(d, ls->name);
        if (!x) {
            char *name = new_name(d, "ls");
            x = xzalloc(sizeof *x);
            x->name = ls->name;
            x->want = ls;
            x->owned = true;
            x->in_scope = true;
            x->ref = op_insert(d, "Logical_Switch",
                               json_pack("{s s s I s s s [s [[s s] [s s]]]}", "name",
                                         ls->name, "tunnel_key",
                                         (json_int_t) ls->tunnel_key,
                                         "replication_mode", "source_node",
                                         "other_config", "map", VTEPDIFF_OWNER_KEY,
                                         ls->name, VTEPDIFF_ARP_SUPPRESS_KEY, "true"),
                               name);
            free(name);
            hmap_insert(&d->switches, &x->node, hash_string(ls->name, 0));
            continue;
        }
        json_t *cols = json_object();
        if (dbrow_int(x->row, "tunnel_key", -1) != ls->tunnel_key) {
            json_object_set_new(cols, "tunnel_key", json_integer(ls->tunnel_key));
        }
        if (strcmp(dbrow_str(x->row, "replication_mode"), "source_node")) {
            json_object_set_new(cols, "replication_mode", json_string("source_node"));
        }
        if (json_object_size(cols)) {
            op_update(d, "Logical_Switch", x->row, cols);
        } else {
            json_decref(cols);
        }
        json_t *add = json_array();
        if (!dbrow_map_str(x->row, "other_config", VTEPDIFF_OWNER_KEY)) {
            json_array_append_new(add, json_pack("[s s]", VTEPDIFF_OWNER_KEY, ls->name));
        }
        if (!dbrow_map_str(x->row, "other_config", VTEPDIFF_ARP_SUPPRESS_KEY)) {
            json_array_append_new(add, json_pack("[s s]", VTEPDIFF_ARP_SUPPRESS_KEY, "true"));
        }
        if (json_array_size(add)) {
            op_mutate(d, "Logical_Switch", x->row, "other_config", "insert",
                      json_pack("[s o]", "map", add));
        } else {
            json_decref(add);
        }
    }
}

/* Step 2: remote MACs. */

static void
diff_ucast(struct diff *d)
{
    const struct ovsdb_table *t = dbrow_table(d->db, "Ucast_Macs_Remote");
    const struct ovsdb_column *ls_col = t ? ovsdb_table_schema_find_column(
        t->schema, "logical_switch") : NULL;
    const struct ovsdb_row *row;
    /* A scoped diff skips the other switches' rows by a UUID compare: a
     * VTEP holds the remote MACs of all its networks. */
    struct uuid *in = NULL;
    size_t n_in = 0;
    if (d->scope) {
        struct lsx *x;
        in = xcalloc(hmap_count(&d->switches) + 1, sizeof *in);
        HMAP_FOR_EACH (x, node, &d->switches) {
            if (x->row && x->in_scope) {
                in[n_in++] = *ovsdb_row_get_uuid(x->row);
            }
        }
    }
    if (t && ls_col) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            const struct ovsdb_datum *f = &row->fields[ls_col->index];
            if (!f->n) {
                continue;
            }
            if (d->scope) {
                size_t i = 0;
                while (i < n_in && !uuid_equals(&in[i], &f->keys[0].uuid)) {
                    i++;
                }
                if (i == n_in) {
                    continue;
                }
            }
            struct lsx *x = lsx_by_uuid(d, &f->keys[0].uuid);
            if (!x || !x->owned || !x->in_scope) {
                continue;
            }
            const char *ip = locator_ip(d, dbrow_uuid(row, "locator"));
            char mac[18];
            struct desired_mac *m = NULL;
            if (x->want && desired_normalize_mac(dbrow_str(row, "MAC"), mac)) {
                m = desired_find_mac(x->want, mac);
            }
            if (!m || !mark_seen(d, m)) {
                if (!x->want || !keep_ip(d, ip) || (m && was_seen(d, m))) {
                    op_delete(d, "Ucast_Macs_Remote", row);
                }
                continue;
            }
            json_t *cols = json_object();
            if (strcmp(ip, m->locator)) {
                json_object_set_new(cols, "locator", locator_ref(d, m->locator));
            }
            if (strcmp(dbrow_str(row, "ipaddr"), m->ipaddr)) {
                json_object_set_new(cols, "ipaddr", json_string(m->ipaddr));
            }
            if (json_object_size(cols)) {
                op_update(d, "Ucast_Macs_Remote", row, cols);
            } else {
                json_decref(cols);
            }
        }
    }
    struct lsx *x;
    HMAP_FOR_EACH (x, node, &d->switches) {
        struct desired_mac *m;
        if (!x->want || !x->in_scope) {
            continue;
        }
        DESIRED_LS_FOR_EACH_MAC (m, x->want) {
            if (!was_seen(d, m)) {
                op(d, json_pack("{s s s s s {s s s O s o s s}}", "op", "insert",
                                "table", "Ucast_Macs_Remote", "row", "MAC", m->mac,
                                "logical_switch", ls_ref(x), "locator",
                                locator_ref(d, m->locator), "ipaddr", m->ipaddr));
            }
        }
    }
    free(in);
}

/* Step 3: unknown-dst flooding. */

static bool
set_matches(const struct diff *d, const struct ovsdb_row *set,
            const char *const *ips, size_t n)
{
    const struct ovsdb_datum *locs = set ? dbrow_datum(set, "locators") : NULL;
    if (!locs || locs->n != n) {
        return false;
    }
    for (unsigned int i = 0; i < locs->n; i++) {
        const char *ip = locator_ip(d, &locs->keys[i].uuid);
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            found = !strcmp(ips[j], ip);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Returns a new reference to a Physical_Locator_Set of exactly 'ips'. */
static json_t *
locator_set_ref(struct diff *d, const char *const *ips, size_t n)
{
    const struct ovsdb_table *t = dbrow_table(d->db, "Physical_Locator_Set");
    const struct ovsdb_row *row;
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            if (set_matches(d, row, ips, n)) {
                return j_uuid(ovsdb_row_get_uuid(row));
            }
        }
    }
    json_t *refs = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(refs, locator_ref(d, ips[i]));
    }
    char *name = new_name(d, "set");
    json_t *ref = op_insert(d, "Physical_Locator_Set",
                            json_pack("{s [s o]}", "locators", "set", refs), name);
    free(name);
    return ref;
}

static void
diff_mcast(struct diff *d)
{
    const struct ovsdb_table *t = dbrow_table(d->db, "Mcast_Macs_Remote");
    const struct ovsdb_row *row;
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            struct lsx *x = lsx_by_uuid(d, dbrow_uuid(row, "logical_switch"));
            if (!x || !x->owned || !x->in_scope
                || strcmp(dbrow_str(row, "MAC"), "unknown-dst")) {
                continue;
            }
            if (!x->want || !x->want->n_flood || !mark_seen(d, x)) {
                op_delete(d, "Mcast_Macs_Remote", row);
                continue;
            }
            const struct ovsdb_row *set = dbrow_get(d->db, "Physical_Locator_Set",
                                                    dbrow_uuid(row, "locator_set"));
            if (!set_matches(d, set, x->want->flood, x->want->n_flood)) {
                op_update(d, "Mcast_Macs_Remote", row,
                          json_pack("{s o}", "locator_set",
                                    locator_set_ref(d, x->want->flood, x->want->n_flood)));
            }
        }
    }
    struct lsx *x;
    HMAP_FOR_EACH (x, node, &d->switches) {
        if (x->want && x->in_scope && x->want->n_flood && !was_seen(d, x)) {
            op(d, json_pack("{s s s s s {s s s O s o}}", "op", "insert",
                            "table", "Mcast_Macs_Remote", "row", "MAC", "unknown-dst",
                            "logical_switch", ls_ref(x), "locator_set",
                            locator_set_ref(d, x->want->flood, x->want->n_flood)));
        }
    }
}

/* Step 4: VLAN bindings. */

/* The Physical_Port rows of this VTEP's switch (all of them if the
 * database holds no fitting Physical_Switch). */
static void
diff_port_bindings(struct diff *d, const struct ovsdb_row *port)
{
    const struct ovsdb_datum *vb = dbrow_datum(port, "vlan_bindings");
    const char *pname = dbrow_str(port, "name");
    json_t *remove = json_array(), *add = json_array();

    for (unsigned int i = 0; vb && i < vb->n; i++) {
        int vlan = (int) vb->keys[i].integer;
        struct lsx *x = lsx_by_uuid(d, &vb->values[i].uuid);
        const struct desired_binding *b = d->want
                                          ? desired_find_binding(d->want, pname, vlan) : NULL;
        bool b_in = b && in_scope(d, b->ls);
        if (x && x->owned) {
            if (b && !strcmp(b->ls, x->name) && x->want) {
                mark_seen(d, b);
            } else if (x->in_scope || b_in) {
                json_array_append_new(remove, json_integer(vlan));
            } else if (b) {
                mark_seen(d, b);        /* Another scope's change. */
            }
        } else if (b) {
            mark_seen(d, b);
            if (b_in) {
                add_problem(d, b, xasprintf("VLAN %d of port %s is bound to a logical "
                                            "switch seamd does not own", vlan, pname));
            }
        }
    }
    if (d->want) {
        struct desired_binding *b;
        HMAP_FOR_EACH (b, node, &d->want->bindings) {
            if (strcmp(b->port, pname) || was_seen(d, b) || !in_scope(d, b->ls)) {
                continue;
            }
            mark_seen(d, b);
            struct lsx *x = find_lsx(d, b->ls);
            if (x) {
                json_array_append_new(add, json_pack("[I O]", (json_int_t) b->vlan, ls_ref(x)));
            }
        }
    }
    if (json_array_size(remove)) {
        op_mutate(d, "Physical_Port", port, "vlan_bindings", "delete",
                  json_pack("[s O]", "set", remove));
    }
    if (json_array_size(add)) {
        op_mutate(d, "Physical_Port", port, "vlan_bindings", "insert",
                  json_pack("[s O]", "map", add));
    }
    json_decref(remove);
    json_decref(add);
}

static void
diff_bindings(struct diff *d, const char *vtep_name)
{
    const struct ovsdb_row *ps = desired_physical_switch(d->db, vtep_name);
    const struct ovsdb_datum *ports = ps ? dbrow_datum(ps, "ports") : NULL;

    for (unsigned int i = 0; ports && i < ports->n; i++) {
        const struct ovsdb_row *p = dbrow_get(d->db, "Physical_Port", &ports->keys[i].uuid);
        if (p) {
            diff_port_bindings(d, p);
        }
    }
    if (!d->want) {
        return;
    }
    struct desired_binding *b;
    HMAP_FOR_EACH (b, node, &d->want->bindings) {
        if (!was_seen(d, b) && in_scope(d, b->ls)
            && !desired_switch_port(d->db, ps, b->port)) {
            add_problem(d, b, xasprintf("VTEP %s has no port %s", vtep_name, b->port));
        }
    }
}

/* Step 5: switches no longer wanted, with the rows that refer to them. */

static void
delete_refs(struct diff *d, const char *table, const struct lsx *x)
{
    const struct ovsdb_table *t = dbrow_table(d->db, table);
    const struct ovsdb_row *row;
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const struct uuid *u = dbrow_uuid(row, "logical_switch");
        if (u && uuid_equals(u, ovsdb_row_get_uuid(x->row))) {
            op_delete(d, table, row);
        }
    }
}

static void
delete_switches(struct diff *d)
{
    struct lsx *x;
    HMAP_FOR_EACH (x, node, &d->switches) {
        if (x->row && x->owned && x->in_scope && !x->want) {
            delete_refs(d, "Ucast_Macs_Local", x);
            delete_refs(d, "Mcast_Macs_Local", x);
            op_delete(d, "Logical_Switch", x->row);
        }
    }
}

void
vtepdiff_compute(const struct ovsdb_db *vtep, const char *vtep_name,
                 const struct desired_vtep *want, const char *const *keep,
                 size_t n_keep, const struct vtepdiff_scope *scope,
                 struct vtepdiff_result *r)
{
    struct diff d = { .db = vtep, .want = want, .keep = keep, .n_keep = n_keep,
                      .scope = scope, .r = r };
    memset(r, 0, sizeof *r);
    r->ops = json_array();
    hmap_init(&d.switches);
    hmap_init(&d.by_uuid);
    hmap_init(&d.locators);
    hmap_init(&d.seen);

    index_switches(&d);
    index_locators(&d);
    diff_switches(&d);
    diff_ucast(&d);
    diff_mcast(&d);
    diff_bindings(&d, vtep_name);
    delete_switches(&d);

    struct lsx *x;
    HMAP_FOR_EACH_POP (x, node, &d.switches) {
        json_decref(x->ref);
        free(x);
    }
    struct lsx_uuid *xu;
    HMAP_FOR_EACH_POP (xu, node, &d.by_uuid) {
        free(xu);
    }
    struct locx *l;
    HMAP_FOR_EACH_POP (l, node, &d.locators) {
        json_decref(l->ref);
        free(l);
    }
    struct seen *s;
    HMAP_FOR_EACH_POP (s, node, &d.seen) {
        free(s);
    }
    hmap_destroy(&d.switches);
    hmap_destroy(&d.by_uuid);
    hmap_destroy(&d.locators);
    hmap_destroy(&d.seen);
}

void
vtepdiff_result_destroy(struct vtepdiff_result *r)
{
    json_decref(r->ops);
    for (size_t i = 0; i < r->n_problems; i++) {
        free(r->problems[i].text);
    }
    free(r->problems);
    memset(r, 0, sizeof *r);
}
