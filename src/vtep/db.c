/* vtep db: the hardware_vtep database (vtep(5)) read into a vtep_config and
 * written as RFC 7047 operation arrays.  See db.h for the contract. */
#include "vtep/db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/util.h"
#include "lib/uuid.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/schema.h"
#include "vtep/ring.h"

#define CONST_CAST(TYPE, P) ((TYPE) (uintptr_t) (P))
#define VTEP_DB_ENCAP "vxlan_over_ipv4"
#define VTEP_DB_UNKNOWN_DST "unknown-dst"

/* ---- reading rows ---- */

static const struct ovsdb_datum empty_datum;

static const struct ovsdb_table *
get_table(const struct ovsdb_db *db, const char *name)
{
    return ovsdb_db_find_table(db, name);
}

/* The datum of 'column' in 'row' (an empty one if the schema has no such
 * column: an older hardware_vtep schema). */
static const struct ovsdb_datum *
get_col(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_column *c
        = ovsdb_table_schema_find_column(row->table->schema, column);
    return c ? &row->fields[c->index] : &empty_datum;
}

static const char *
get_str(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_datum *d = get_col(row, column);
    return d->n ? d->keys[0].string : "";
}

static const struct uuid *
get_uuid(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_datum *d = get_col(row, column);
    return d->n ? &d->keys[0].uuid : NULL;
}

static const struct ovsdb_row *
get_row(const struct ovsdb_db *db, const char *table, const struct uuid *uuid)
{
    const struct ovsdb_table *t = get_table(db, table);
    return t && uuid ? ovsdb_table_get_row(t, uuid) : NULL;
}

/* The first row of 'table' whose string 'column' is 'value' (names are
 * unique in the tables where this is used). */
static const struct ovsdb_row *
find_by_str(const struct ovsdb_db *db, const char *table, const char *column,
            const char *value)
{
    const struct ovsdb_table *t = get_table(db, table);
    const struct ovsdb_row *row;

    if (!t) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(get_str(row, column), value)) {
            return row;
        }
    }
    return NULL;
}

static bool
datum_has_uuid(const struct ovsdb_datum *d, const struct uuid *u)
{
    union ovsdb_atom key = { .uuid = *u };
    return ovsdb_datum_find_key(d, &key, OVSDB_TYPE_UUID) != UINT_MAX;
}

/* Does the set of strings 'd' hold exactly the distinct strings of 's'? */
static bool
datum_is_strings(const struct ovsdb_datum *d, const char *const *s, size_t n)
{
    size_t n_distinct = 0;

    for (size_t i = 0; i < n; i++) {
        union ovsdb_atom key = { .string = CONST_CAST(char *, s[i]) };
        bool dup = false;

        for (size_t j = 0; j < i && !dup; j++) {
            dup = !strcmp(s[i], s[j]);
        }
        if (dup) {
            continue;
        }
        n_distinct++;
        if (ovsdb_datum_find_key(d, &key, OVSDB_TYPE_STRING) == UINT_MAX) {
            return false;
        }
    }
    return d->n == n_distinct;
}

static bool
ip_parse(const char *s, struct in_addr *ip)
{
    return inet_pton(AF_INET, s, ip) == 1;
}

static void
mac_format(const struct eth_addr *mac, char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac->ea[0], mac->ea[1], mac->ea[2], mac->ea[3], mac->ea[4],
             mac->ea[5]);
}

/* This VTEP's Physical_Locator for 'ip': vxlan_over_ipv4, no tunnel_key. */
static const struct ovsdb_row *
find_locator(const struct ovsdb_db *db, const char *ip)
{
    const struct ovsdb_table *t = get_table(db, "Physical_Locator");
    const struct ovsdb_row *row;

    if (!t) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(get_str(row, "dst_ip"), ip)
            && !strcmp(get_str(row, "encapsulation_type"), VTEP_DB_ENCAP)
            && !get_col(row, "tunnel_key")->n) {
            return row;
        }
    }
    return NULL;
}

/* qsort() that accepts an empty NULL array (qsort's pointer is nonnull). */
static void
sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1) {
        qsort(base, n, size, cmp);
    }
}

/* ---- writing ops ---- */

static json_t *
j_uuid(const struct uuid *u)
{
    char s[UUID_LEN + 1];
    uuid_to_string(u, s);
    return json_pack("[ss]", "uuid", s);
}

static json_t *
j_named(const char *name)
{
    return json_pack("[ss]", "named-uuid", name);
}

/* ["set", [elems...]] (takes 'elems'). */
static json_t *
j_set(json_t *elems)
{
    return json_pack("[so]", "set", elems);
}

static json_t *
j_where_uuid(const struct uuid *u)
{
    return json_pack("[[sso]]", "_uuid", "==", j_uuid(u));
}

static json_t *
j_string_set(const char *const *s, size_t n)
{
    json_t *elems = json_array();
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            dup = !strcmp(s[i], s[j]);
        }
        if (!dup) {
            json_array_append_new(elems, json_string(s[i]));
        }
    }
    return j_set(elems);
}

/* Appends to 'ops' an insert of 'row' (taken) into 'table' named 'name'. */
static void
op_insert(json_t *ops, const char *table, json_t *row, const char *name)
{
    json_array_append_new(ops, json_pack("{ss ss so ss}", "op", "insert",
                                         "table", table, "row", row,
                                         "uuid-name", name));
}

static void
op_update(json_t *ops, const char *table, json_t *where, json_t *row)
{
    json_array_append_new(ops, json_pack("{ss ss so so}", "op", "update",
                                         "table", table, "where", where,
                                         "row", row));
}

/* One mutation 'mutator' of 'column' by 'value' (taken). */
static void
op_mutate(json_t *ops, const char *table, json_t *where, const char *column,
          const char *mutator, json_t *value)
{
    json_array_append_new(ops, json_pack("{ss ss so s[[sso]]}", "op", "mutate",
                                         "table", table, "where", where,
                                         "mutations", column, mutator, value));
}

static void
op_delete(json_t *ops, const char *table, json_t *where)
{
    json_array_append_new(ops, json_pack("{ss ss so}", "op", "delete",
                                         "table", table, "where", where));
}

/* A guard: fails the transaction at once ("timed out") if a row of 'table'
 * matches 'where', which the ops were computed believing absent. */
static void
op_wait_absent(json_t *ops, const char *table, json_t *where)
{
    json_array_append_new(ops, json_pack("{ss ss so s[s] ss s[] si}",
                                         "op", "wait", "table", table,
                                         "where", where, "columns", "_uuid",
                                         "until", "==", "rows", "timeout", 0));
}

/* The reference to this VTEP's locator for 'ip': the row's UUID if it
 * exists, else ["named-uuid", "local_locator"], inserted into 'ops' the
 * first time ('*inserted' tracks it). */
static json_t *
local_locator_ref(const struct ovsdb_db *db, json_t *ops, const char *ip,
                  bool *inserted)
{
    const struct ovsdb_row *loc = find_locator(db, ip);

    if (loc) {
        return j_uuid(ovsdb_row_get_uuid(loc));
    }
    if (!*inserted) {
        op_insert(ops, "Physical_Locator",
                  json_pack("{ss ss}", "encapsulation_type", VTEP_DB_ENCAP,
                            "dst_ip", ip), "local_locator");
        *inserted = true;
    }
    return j_named("local_locator");
}

/* ---- 1. start-up ---- */

json_t *
vtep_db_startup_ops(const struct ovsdb_db *db, const struct vtep_db_identity *id)
{
    const char *desc = id->description ? id->description : "";
    const struct ovsdb_table *global_t = get_table(db, "Global");
    const struct ovsdb_row *global = NULL;
    const struct ovsdb_row *ps;
    json_t *ops = json_array();
    json_t *new_ports = json_array();
    json_t *ps_ref;

    if (global_t && !hmap_is_empty(&global_t->rows)) {
        HMAP_FOR_EACH (global, hmap_node, &global_t->rows) {
            break;
        }
    }
    ps = find_by_str(db, "Physical_Switch", "name", id->ps_name);

    /* Ports the switch lacks, by name; the iface-id of those it has. */
    const struct ovsdb_datum *ps_ports = ps ? get_col(ps, "ports") : &empty_datum;
    for (size_t i = 0; i < id->n_ports; i++) {
        const char *iface_id = id->iface_ids ? id->iface_ids[i] : NULL;
        const struct ovsdb_row *port = NULL;
        bool dup = false;

        for (size_t j = 0; j < i && !dup; j++) {
            dup = !strcmp(id->ports[i], id->ports[j]);
        }
        for (unsigned int j = 0; j < ps_ports->n && !dup && !port; j++) {
            port = get_row(db, "Physical_Port", &ps_ports->keys[j].uuid);
            if (port && strcmp(get_str(port, "name"), id->ports[i])) {
                port = NULL;
            }
        }
        if (dup) {
            continue;
        } else if (!port) {
            char name[32];
            snprintf(name, sizeof name, "port%zu", i);
            json_t *row = json_pack("{ss}", "name", id->ports[i]);
            if (iface_id) {
                json_object_set_new(row, "other_config",
                                    json_pack("[s[[ss]]]", "map", "iface-id", iface_id));
            }
            op_insert(ops, "Physical_Port", row, name);
            json_array_append_new(new_ports, j_named(name));
        } else if (iface_id) {
            const struct ovsdb_datum *oc = get_col(port, "other_config");
            union ovsdb_atom key = { .string = CONST_CAST(char *, "iface-id") };
            unsigned int idx = ovsdb_datum_find_key(oc, &key, OVSDB_TYPE_STRING);
            if (idx == UINT_MAX || strcmp(oc->values[idx].string, iface_id)) {
                json_t *where = j_where_uuid(ovsdb_row_get_uuid(port));
                op_mutate(ops, "Physical_Port", json_incref(where), "other_config",
                          "delete", json_pack("[s[s]]", "set", "iface-id"));
                op_mutate(ops, "Physical_Port", where, "other_config", "insert",
                          json_pack("[s[[ss]]]", "map", "iface-id", iface_id));
            }
        }
    }

    /* Ports of the switch that a pattern of 'id' claims but 'id' does not
     * name any more: gone (not a root table: the row goes with the
     * reference). */
    json_t *gone_ports = json_array();
    for (unsigned int j = 0; j < ps_ports->n && id->n_port_patterns; j++) {
        const struct ovsdb_row *port = get_row(db, "Physical_Port",
                                               &ps_ports->keys[j].uuid);
        const char *name = port ? get_str(port, "name") : "";
        bool claimed = false, named = false;
        for (size_t k = 0; k < id->n_port_patterns && !claimed; k++) {
            claimed = !fnmatch(id->port_patterns[k], name, 0);
        }
        for (size_t k = 0; k < id->n_ports && claimed && !named; k++) {
            named = !strcmp(id->ports[k], name);
        }
        if (port && claimed && !named) {
            json_array_append_new(gone_ports, j_uuid(ovsdb_row_get_uuid(port)));
        }
    }
    if (ps && json_array_size(gone_ports)) {
        op_mutate(ops, "Physical_Switch", j_where_uuid(ovsdb_row_get_uuid(ps)),
                  "ports", "delete", j_set(gone_ports));
    } else {
        json_decref(gone_ports);
    }

    if (!ps) {
        op_wait_absent(ops, "Physical_Switch",
                       json_pack("[[sss]]", "name", "==", id->ps_name));
        op_insert(ops, "Physical_Switch",
                  json_pack("{ss ss so so so}", "name", id->ps_name,
                            "description", desc,
                            "management_ips", j_string_set(id->management_ips,
                                                           id->n_management_ips),
                            "tunnel_ips", j_string_set(id->tunnel_ips,
                                                       id->n_tunnel_ips),
                            "ports", j_set(new_ports)), "ps");
        new_ports = NULL;
        ps_ref = j_named("ps");
    } else {
        json_t *row = json_object();

        if (strcmp(get_str(ps, "description"), desc)) {
            json_object_set_new(row, "description", json_string(desc));
        }
        if (!datum_is_strings(get_col(ps, "management_ips"),
                              id->management_ips, id->n_management_ips)) {
            json_object_set_new(row, "management_ips",
                                j_string_set(id->management_ips,
                                             id->n_management_ips));
        }
        if (!datum_is_strings(get_col(ps, "tunnel_ips"),
                              id->tunnel_ips, id->n_tunnel_ips)) {
            json_object_set_new(row, "tunnel_ips",
                                j_string_set(id->tunnel_ips, id->n_tunnel_ips));
        }
        if (json_object_size(row)) {
            op_update(ops, "Physical_Switch",
                      j_where_uuid(ovsdb_row_get_uuid(ps)), row);
        } else {
            json_decref(row);
        }
        if (json_array_size(new_ports)) {
            op_mutate(ops, "Physical_Switch",
                      j_where_uuid(ovsdb_row_get_uuid(ps)), "ports", "insert",
                      j_set(new_ports));
            new_ports = NULL;
        }
        ps_ref = j_uuid(ovsdb_row_get_uuid(ps));
    }
    json_decref(new_ports);

    /* Managers the Global row lacks, by target (Manager is not a root
     * table: a row exists only while the Global row refers to it). */
    json_t *new_managers = json_array();
    for (size_t i = 0; i < id->n_managers; i++) {
        const char *target = id->managers[i];
        bool dup = false;

        for (size_t j = 0; j < i && !dup; j++) {
            dup = !strcmp(target, id->managers[j]);
        }
        const struct ovsdb_row *m = dup ? NULL
                                    : find_by_str(db, "Manager", "target", target);
        if (dup || (m && global && datum_has_uuid(get_col(global, "managers"),
                                                  ovsdb_row_get_uuid(m)))) {
            continue;
        } else if (m) {
            json_array_append_new(new_managers, j_uuid(ovsdb_row_get_uuid(m)));
        } else {
            char name[32];
            snprintf(name, sizeof name, "manager%zu", i);
            op_wait_absent(ops, "Manager", json_pack("[[sss]]", "target", "==", target));
            op_insert(ops, "Manager", json_pack("{ss}", "target", target), name);
            json_array_append_new(new_managers, j_named(name));
        }
    }

    if (!global) {
        /* An empty database: the one Global row vtep(5) requires. */
        op_wait_absent(ops, "Global", json_array());
        op_insert(ops, "Global",
                  json_pack("{so so}", "switches", j_set(json_pack("[o]", ps_ref)),
                            "managers", j_set(new_managers)),
                  "global");
        return ops;
    }
    if (!ps || !datum_has_uuid(get_col(global, "switches"), ovsdb_row_get_uuid(ps))) {
        op_mutate(ops, "Global", j_where_uuid(ovsdb_row_get_uuid(global)),
                  "switches", "insert", json_pack("[s[o]]", "set", ps_ref));
    } else {
        json_decref(ps_ref);
    }
    if (json_array_size(new_managers)) {
        op_mutate(ops, "Global", j_where_uuid(ovsdb_row_get_uuid(global)),
                  "managers", "insert", j_set(new_managers));
    } else {
        json_decref(new_managers);
    }
    return ops;
}

json_t *
vtep_db_fault_ops(const struct ovsdb_db *db, const char *ps_name,
                  const char *const *switch_faults, size_t n_switch_faults,
                  const struct vtep_db_port_faults *ports, size_t n_ports)
{
    const struct ovsdb_row *ps = find_by_str(db, "Physical_Switch", "name", ps_name);
    json_t *ops = json_array();
    const struct ovsdb_datum *port_uuids;

    if (!ps) {
        return ops;
    }
    if (!datum_is_strings(get_col(ps, "switch_fault_status"),
                          switch_faults, n_switch_faults)) {
        op_update(ops, "Physical_Switch", j_where_uuid(ovsdb_row_get_uuid(ps)),
                  json_pack("{so}", "switch_fault_status",
                            j_string_set(switch_faults, n_switch_faults)));
    }
    port_uuids = get_col(ps, "ports");
    for (unsigned int i = 0; i < port_uuids->n; i++) {
        const struct ovsdb_row *port = get_row(db, "Physical_Port",
                                               &port_uuids->keys[i].uuid);
        const char *name = port ? get_str(port, "name") : NULL;

        for (size_t j = 0; name && j < n_ports; j++) {
            if (!strcmp(ports[j].name, name)) {
                if (!datum_is_strings(get_col(port, "port_fault_status"),
                                      ports[j].faults, ports[j].n_faults)) {
                    op_update(ops, "Physical_Port",
                              j_where_uuid(ovsdb_row_get_uuid(port)),
                              json_pack("{so}", "port_fault_status",
                                        j_string_set(ports[j].faults,
                                                     ports[j].n_faults)));
                }
                break;
            }
        }
    }
    return ops;
}

/* ---- 2. the forwarding configuration ---- */

/* A Logical_Switch seen in a binding while building. */
struct ls_ref {
    struct uuid uuid;
    const struct ovsdb_row *row;
    size_t sw;                  /* Index in config->switches, or SIZE_MAX. */
};

static int
cmp_row_names(const void *a_, const void *b_)
{
    const struct ovsdb_row *const *a = a_, *const *b = b_;
    return strcmp(get_str(*a, "name"), get_str(*b, "name"));
}

static int
cmp_ls_ref_name(const void *a_, const void *b_)
{
    const struct ls_ref *a = a_, *b = b_;
    return strcmp(get_str(a->row, "name"), get_str(b->row, "name"));
}

static int
cmp_ls_ref_uuid(const void *a_, const void *b_)
{
    const struct ls_ref *a = a_, *b = b_;
    return uuid_compare_3way(&a->uuid, &b->uuid);
}

static int
cmp_remote_mac(const void *a_, const void *b_)
{
    const struct vtep_remote_mac *a = a_, *b = b_;
    return memcmp(a->mac.ea, b->mac.ea, sizeof a->mac.ea);
}

/* By MAC, then (so that which duplicate is kept does not depend on the
 * order of the rows in memory) with an IP first, then by IP and first
 * locator. */
static int
cmp_remote_mac_full(const void *a_, const void *b_)
{
    const struct vtep_remote_mac *a = a_, *b = b_;
    int c = cmp_remote_mac(a, b);
    uint32_t x, y;

    if (c) {
        return c;
    } else if (a->has_ip != b->has_ip) {
        return a->has_ip ? -1 : 1;
    }
    x = ntohl(a->ip.s_addr);
    y = ntohl(b->ip.s_addr);
    if (x != y) {
        return x < y ? -1 : 1;
    }
    x = a->n_locators ? ntohl(a->locators[0].ip.s_addr) : 0;
    y = b->n_locators ? ntohl(b->locators[0].ip.s_addr) : 0;
    return x < y ? -1 : x > y;
}

/* The config switch index of Logical_Switch 'uuid' (in 'refs', 'n' of
 * them sorted by UUID), or SIZE_MAX. */
static size_t
find_sw(const struct ls_ref *refs, size_t n, const struct uuid *uuid)
{
    struct ls_ref key = { .uuid = *uuid };
    const struct ls_ref *r = uuid && n ? bsearch(&key, refs, n, sizeof *refs,
                                            cmp_ls_ref_uuid) : NULL;
    return r ? r->sw : SIZE_MAX;
}

/* The IPv4 address of Physical_Locator 'uuid'; false if it dangles or its
 * dst_ip is not IPv4. */
static bool
locator_ip(const struct ovsdb_db *db, const struct uuid *uuid, struct in_addr *ip)
{
    const struct ovsdb_row *loc = get_row(db, "Physical_Locator", uuid);
    return loc && !strcmp(get_str(loc, "encapsulation_type"), VTEP_DB_ENCAP)
           && ip_parse(get_str(loc, "dst_ip"), ip);
}

/* Appends 'ip' to the locators array unless it is there already. */
static void
add_locator(struct vtep_locator **locs, size_t *n, struct in_addr ip)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*locs)[i].ip.s_addr == ip.s_addr) {
            return;
        }
    }
    *locs = xrealloc(*locs, (*n + 1) * sizeof **locs);
    (*locs)[(*n)++].ip = ip;
}

/* Sorts the 'n' MACs of 'macs' and drops (freeing) duplicates after the
 * first; returns how many were dropped. */
static size_t
dedup_macs(struct vtep_remote_mac *macs, size_t *n)
{
    size_t out = 0, dropped = 0;

    sort_n(macs, *n, sizeof *macs, cmp_remote_mac_full);
    for (size_t i = 0; i < *n; i++) {
        if (out && !cmp_remote_mac(&macs[out - 1], &macs[i])) {
            free(macs[i].locators);
            dropped++;
        } else {
            macs[out++] = macs[i];
        }
    }
    *n = out;
    return dropped;
}

static void
append_mac(struct vtep_remote_mac **macs, size_t *n, const struct vtep_remote_mac *m)
{
    *macs = xrealloc(*macs, (*n + 1) * sizeof **macs);
    (*macs)[(*n)++] = *m;
}

bool
vtep_db_is_datapath_output(const char *table, const char *column)
{
    static const struct {
        const char *table, *column;     /* NULL column: the whole table. */
    } outputs[] = {
        { "Ucast_Macs_Local", NULL },
        { "Logical_Binding_Stats", NULL },
        { "Physical_Port", "vlan_stats" },
        { "Physical_Port", "port_fault_status" },
        { "Physical_Switch", "switch_fault_status" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(outputs); i++) {
        if (!strcmp(outputs[i].table, table)
            && (!outputs[i].column
                || (column && !strcmp(outputs[i].column, column)))) {
            return true;
        }
    }
    return false;
}

int
vtep_db_build_config(const struct ovsdb_db *db, const char *ps_name,
                     struct vtep_config *cfg)
{
    const struct ovsdb_row *ps = find_by_str(db, "Physical_Switch", "name", ps_name);
    const struct ovsdb_row **ports = NULL;
    const struct ovsdb_datum *d;
    struct ls_ref *refs = NULL;
    size_t n_ports = 0, n_refs = 0, n_binds = 0;
    const struct ovsdb_table *t;
    const struct ovsdb_row *row;
    int skipped = 0;

    vtep_config_init(cfg);
    if (!ps) {
        return -ENOENT;
    }

    d = get_col(ps, "tunnel_ips");
    for (unsigned int i = 0; i < d->n; i++) {
        if (ip_parse(d->keys[i].string, &cfg->tunnel_ip)) {
            break;
        } else if (i + 1 == d->n) {
            skipped++;          /* Tunnel IPs, but none IPv4. */
        }
    }

    /* Ports, by name. */
    d = get_col(ps, "ports");
    ports = xcalloc(d->n ? d->n : 1, sizeof *ports);
    for (unsigned int i = 0; i < d->n; i++) {
        const struct ovsdb_row *port = get_row(db, "Physical_Port", &d->keys[i].uuid);
        if (port) {
            ports[n_ports++] = port;
        }
    }
    sort_n(ports, n_ports, sizeof *ports, cmp_row_names);
    cfg->ports = xcalloc(n_ports ? n_ports : 1, sizeof *cfg->ports);
    for (size_t i = 0; i < n_ports; i++) {
        cfg->ports[cfg->n_ports].name = xstrdup(get_str(ports[i], "name"));
        cfg->ports[cfg->n_ports++].n_acl_bindings = get_col(ports[i], "acl_bindings")->n;
    }

    /* Bindings and the switches they name. */
    for (size_t p = 0; p < n_ports; p++) {
        const struct ovsdb_datum *vb = get_col(ports[p], "vlan_bindings");

        for (unsigned int i = 0; i < vb->n; i++) {
            int64_t vlan = vb->keys[i].integer;
            const struct ovsdb_row *ls = get_row(db, "Logical_Switch",
                                                 &vb->values[i].uuid);
            size_t r;

            if (vlan < 0 || vlan > VTEP_VLAN_MAX || !ls) {
                skipped++;
                continue;
            }
            if (!get_col(ls, "tunnel_key")->n) {
                continue;           /* Not configured yet. */
            }
            for (r = 0; r < n_refs; r++) {
                if (refs[r].row == ls) {
                    break;
                }
            }
            if (r == n_refs) {
                refs = xrealloc(refs, (n_refs + 1) * sizeof *refs);
                refs[n_refs++] = (struct ls_ref) {
                    .uuid = *ovsdb_row_get_uuid(ls), .row = ls, .sw = SIZE_MAX
                };
            }
            n_binds++;
        }
    }

    /* Switches by name; a VNI out of range or taken is a bad row. */
    sort_n(refs, n_refs, sizeof *refs, cmp_ls_ref_name);
    cfg->switches = xcalloc(n_refs ? n_refs : 1, sizeof *cfg->switches);
    for (size_t r = 0; r < n_refs; r++) {
        int64_t vni = get_col(refs[r].row, "tunnel_key")->keys[0].integer;
        const struct ovsdb_datum *oc = get_col(refs[r].row, "other_config");
        union ovsdb_atom key = { .string = CONST_CAST(char *, "arp-suppress") };
        unsigned int idx = ovsdb_datum_find_key(oc, &key, OVSDB_TYPE_STRING);
        struct vtep_switch *sw;
        bool taken = false;

        for (size_t s = 0; s < cfg->n_switches && !taken; s++) {
            taken = cfg->switches[s].vni == vni;
        }
        if (vni < 0 || vni > VTEP_VNI_MAX || taken) {
            skipped++;
            continue;
        }
        refs[r].sw = cfg->n_switches;
        sw = &cfg->switches[cfg->n_switches++];
        sw->name = xstrdup(get_str(refs[r].row, "name"));
        sw->vni = (uint32_t) vni;
        sw->replication = !strcmp(get_str(refs[r].row, "replication_mode"),
                                  "source_node")
                          ? VTEP_REPL_SOURCE_NODE : VTEP_REPL_SERVICE_NODE;
        sw->arp_suppress = idx != UINT_MAX && !strcmp(oc->values[idx].string,
                                                       "true");
    }
    sort_n(refs, n_refs, sizeof *refs, cmp_ls_ref_uuid);

    /* Bindings again, now that switches have indexes: walk the ports in the
     * same order so that bindings come out sorted by (port, VLAN). */
    cfg->bindings = xcalloc(n_binds ? n_binds : 1, sizeof *cfg->bindings);
    for (size_t p = 0; p < n_ports; p++) {
        const struct ovsdb_datum *vb = get_col(ports[p], "vlan_bindings");

        for (unsigned int i = 0; i < vb->n; i++) {
            int64_t vlan = vb->keys[i].integer;
            size_t sw = find_sw(refs, n_refs, &vb->values[i].uuid);

            if (vlan >= 0 && vlan <= VTEP_VLAN_MAX && sw != SIZE_MAX) {
                cfg->bindings[cfg->n_bindings++] = (struct vtep_binding) {
                    .port = p, .vlan = (uint16_t) vlan, .sw = sw
                };
            } else {
                /* Not instantiated: a fault of the port unless the switch
                 * is merely not configured yet (no tunnel_key). */
                const struct ovsdb_row *ls = get_row(db, "Logical_Switch",
                                                     &vb->values[i].uuid);
                if (vlan < 0 || vlan > VTEP_VLAN_MAX || !ls
                    || get_col(ls, "tunnel_key")->n) {
                    cfg->ports[p].n_invalid_bindings++;
                }
            }
        }
    }

    /* Ucast_Macs_Remote. */
    t = get_table(db, "Ucast_Macs_Remote");
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            size_t sw = find_sw(refs, n_refs, get_uuid(row, "logical_switch"));
            const char *ipaddr = get_str(row, "ipaddr");
            struct vtep_remote_mac m = { .n_locators = 1 };
            struct in_addr loc;

            if (sw == SIZE_MAX) {
                continue;
            }
            if (!eth_addr_from_string(get_str(row, "MAC"), &m.mac)
                || (ipaddr[0] && !ip_parse(ipaddr, &m.ip))
                || !locator_ip(db, get_uuid(row, "locator"), &loc)) {
                skipped++;
                continue;
            }
            m.has_ip = ipaddr[0] != '\0';
            m.locators = xmalloc(sizeof *m.locators);
            m.locators[0].ip = loc;
            append_mac(&cfg->switches[sw].ucast, &cfg->switches[sw].n_ucast, &m);
        }
    }

    /* Mcast_Macs_Remote: "unknown-dst" merges into the switch's flood list;
     * a locator that does not resolve is skipped alone. */
    t = get_table(db, "Mcast_Macs_Remote");
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            size_t sw = find_sw(refs, n_refs, get_uuid(row, "logical_switch"));
            const struct ovsdb_row *set = get_row(db, "Physical_Locator_Set",
                                                  get_uuid(row, "locator_set"));
            const char *mac = get_str(row, "MAC");
            const char *ipaddr = get_str(row, "ipaddr");
            struct vtep_switch *s;
            struct vtep_remote_mac m = { .has_ip = false };
            bool unknown = !strcmp(mac, VTEP_DB_UNKNOWN_DST);

            if (sw == SIZE_MAX) {
                continue;
            }
            s = &cfg->switches[sw];
            if (!set
                || (!unknown && (!eth_addr_from_string(mac, &m.mac)
                                 || !(m.mac.ea[0] & 1)))
                || (!unknown && ipaddr[0] && !ip_parse(ipaddr, &m.ip))) {
                skipped++;
                continue;
            }
            m.has_ip = !unknown && ipaddr[0];
            d = get_col(set, "locators");
            for (unsigned int i = 0; i < d->n; i++) {
                struct in_addr ip;

                if (!locator_ip(db, &d->keys[i].uuid, &ip)) {
                    skipped++;
                } else if (unknown) {
                    add_locator(&s->unknown_dst, &s->n_unknown_dst, ip);
                } else {
                    add_locator(&m.locators, &m.n_locators, ip);
                }
            }
            if (!unknown) {
                append_mac(&s->mcast, &s->n_mcast, &m);
            }
        }
    }
    for (size_t s = 0; s < cfg->n_switches; s++) {
        skipped += dedup_macs(cfg->switches[s].ucast, &cfg->switches[s].n_ucast);
        skipped += dedup_macs(cfg->switches[s].mcast, &cfg->switches[s].n_mcast);
    }

    free(ports);
    free(refs);
    return skipped;
}

/* ---- 3. local MACs ---- */

/* An existing Ucast_Macs_Local row, by (logical switch, MAC). */
struct local_mac {
    struct hmap_node node;
    struct uuid ls;
    struct eth_addr mac;
    const struct ovsdb_row *row;
};

static uint32_t
local_mac_hash(const struct uuid *ls, const struct eth_addr *mac)
{
    return hash_bytes(mac->ea, sizeof mac->ea, uuid_hash(ls));
}

struct event_ref {
    const struct vtep_db_mac_event *e;
    size_t pos;
};

static int
cmp_event_ref(const void *a_, const void *b_)
{
    const struct event_ref *a = a_, *b = b_;
    int c = strcmp(a->e->ls_name, b->e->ls_name);

    if (!c) {
        c = memcmp(a->e->mac.ea, b->e->mac.ea, sizeof a->e->mac.ea);
    }
    return c ? c : (a->pos < b->pos ? -1 : a->pos > b->pos);
}

bool
vtep_db_mac_event_from_learn(const struct vtep_config *cfg,
                             const struct vtep_learn_event *in,
                             struct vtep_db_mac_event *out)
{
    static const enum vtep_db_mac_kind kinds[] = {
        [VTEP_LEARN_LEARNED] = VTEP_DB_MAC_LEARNED,
        [VTEP_LEARN_MOVED] = VTEP_DB_MAC_MOVED,
        [VTEP_LEARN_AGED] = VTEP_DB_MAC_AGED,
    };

    for (size_t i = 0; i < cfg->n_switches; i++) {
        if (cfg->switches[i].vni == in->vni) {
            *out = (struct vtep_db_mac_event) {
                .ls_name = cfg->switches[i].name,
                .mac = in->mac,
                .has_ip = in->has_ip,
                .ip = in->ip,
                .kind = kinds[in->kind],
            };
            return true;
        }
    }
    return false;
}

json_t *
vtep_db_local_mac_ops(const struct ovsdb_db *db, struct in_addr tunnel_ip,
                      const struct vtep_db_mac_event *events, size_t n,
                      size_t *n_skipped)
{
    const struct ovsdb_table *t = get_table(db, "Ucast_Macs_Local");
    const struct ovsdb_row *local_loc;
    struct event_ref *order = xcalloc(n ? n : 1, sizeof *order);
    struct hmap existing = HMAP_INITIALIZER(&existing);
    struct local_mac *lm;
    json_t *ops = json_array();
    bool loc_inserted = false;
    char ip[INET_ADDRSTRLEN];
    size_t skipped = 0;

    inet_ntop(AF_INET, &tunnel_ip, ip, sizeof ip);
    local_loc = find_locator(db, ip);

    if (t) {
        const struct ovsdb_row *row;
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            const struct uuid *ls = get_uuid(row, "logical_switch");
            struct eth_addr mac;

            if (ls && eth_addr_from_string(get_str(row, "MAC"), &mac)) {
                lm = xmalloc(sizeof *lm);
                lm->ls = *ls;
                lm->mac = mac;
                lm->row = row;
                hmap_insert(&existing, &lm->node, local_mac_hash(ls, &mac));
            }
        }
    }

    /* Only the last event of each (switch, MAC) counts. */
    for (size_t i = 0; i < n; i++) {
        order[i] = (struct event_ref) { .e = &events[i], .pos = i };
    }
    sort_n(order, n, sizeof *order, cmp_event_ref);

    for (size_t i = 0; i < n; i++) {
        const struct vtep_db_mac_event *e = order[i].e;
        const struct ovsdb_row *ls;
        const struct uuid *ls_uuid;
        char mac[18], ipaddr[INET_ADDRSTRLEN] = "";
        bool found = false;

        if (i + 1 < n && !strcmp(e->ls_name, order[i + 1].e->ls_name)
            && !memcmp(e->mac.ea, order[i + 1].e->mac.ea, sizeof e->mac.ea)) {
            continue;
        }
        ls = find_by_str(db, "Logical_Switch", "name", e->ls_name);
        if (!ls) {
            skipped++;
            continue;
        }
        ls_uuid = ovsdb_row_get_uuid(ls);
        mac_format(&e->mac, mac);
        if (e->has_ip) {
            inet_ntop(AF_INET, &e->ip, ipaddr, sizeof ipaddr);
        }

        HMAP_FOR_EACH_WITH_HASH (lm, node, local_mac_hash(ls_uuid, &e->mac),
                                 &existing) {
            if (!uuid_equals(&lm->ls, ls_uuid)
                || memcmp(lm->mac.ea, e->mac.ea, sizeof e->mac.ea)) {
                continue;
            }
            found = true;
            if (e->kind == VTEP_DB_MAC_AGED) {
                op_delete(ops, "Ucast_Macs_Local",
                          j_where_uuid(ovsdb_row_get_uuid(lm->row)));
            } else {
                /* Learned again or moved to another port of the same
                 * switch: the row names the switch and this VTEP's locator,
                 * not the port, so a move changes nothing in the database.
                 * Only a newly known IP, or a changed tunnel IP, is
                 * written. */
                const struct uuid *loc = get_uuid(lm->row, "locator");
                json_t *row = json_object();

                if (e->has_ip && strcmp(get_str(lm->row, "ipaddr"), ipaddr)) {
                    json_object_set_new(row, "ipaddr", json_string(ipaddr));
                }
                if (!local_loc || !loc
                    || !uuid_equals(loc, ovsdb_row_get_uuid(local_loc))) {
                    json_object_set_new(row, "locator",
                                        local_locator_ref(db, ops, ip,
                                                          &loc_inserted));
                }
                if (json_object_size(row)) {
                    op_update(ops, "Ucast_Macs_Local",
                              j_where_uuid(ovsdb_row_get_uuid(lm->row)), row);
                } else {
                    json_decref(row);
                }
            }
        }
        if (!found && e->kind != VTEP_DB_MAC_AGED) {
            op_wait_absent(ops, "Ucast_Macs_Local",
                           json_pack("[[sss][sso]]", "MAC", "==", mac,
                                     "logical_switch", "==", j_uuid(ls_uuid)));
            json_t *lref = local_locator_ref(db, ops, ip, &loc_inserted);
            char name[32];

            snprintf(name, sizeof name, "mac%zu", i);
            op_insert(ops, "Ucast_Macs_Local",
                      json_pack("{ss so so ss}", "MAC", mac,
                                "logical_switch", j_uuid(ls_uuid),
                                "locator", lref, "ipaddr", ipaddr), name);
        }
    }

    HMAP_FOR_EACH_POP (lm, node, &existing) {
        free(lm);
    }
    hmap_destroy(&existing);
    free(order);
    if (n_skipped) {
        *n_skipped = skipped;
    }
    return ops;
}

/* The Logical_Switch UUIDs bound to ports of 'ps' (a set datum's keys may
 * repeat across ports: returns them unique, in 'out' of '*n'). */
static struct uuid *
bound_switches(const struct ovsdb_db *db, const struct ovsdb_row *ps, size_t *n)
{
    const struct ovsdb_datum *ports = get_col(ps, "ports");
    struct uuid *out = NULL;

    *n = 0;
    for (unsigned int i = 0; i < ports->n; i++) {
        const struct ovsdb_row *port = get_row(db, "Physical_Port",
                                               &ports->keys[i].uuid);
        const struct ovsdb_datum *vb = port ? get_col(port, "vlan_bindings")
                                            : &empty_datum;

        for (unsigned int j = 0; j < vb->n; j++) {
            bool dup = false;
            for (size_t k = 0; k < *n && !dup; k++) {
                dup = uuid_equals(&out[k], &vb->values[j].uuid);
            }
            if (!dup) {
                out = xrealloc(out, (*n + 1) * sizeof *out);
                out[(*n)++] = vb->values[j].uuid;
            }
        }
    }
    return out;
}

/* Is Physical_Locator_Set 'set' exactly { 'loc' }? */
static bool
set_is_only(const struct ovsdb_row *set, const struct ovsdb_row *loc)
{
    const struct ovsdb_datum *d = set ? get_col(set, "locators") : &empty_datum;
    return loc && d->n == 1 && uuid_equals(&d->keys[0].uuid, ovsdb_row_get_uuid(loc));
}

json_t *
vtep_db_mcast_local_ops(const struct ovsdb_db *db, const char *ps_name,
                        struct in_addr tunnel_ip)
{
    const struct ovsdb_row *ps = find_by_str(db, "Physical_Switch", "name", ps_name);
    const struct ovsdb_table *t = get_table(db, "Mcast_Macs_Local");
    const struct ovsdb_table *sets_t = get_table(db, "Physical_Locator_Set");
    const struct ovsdb_row *loc, *local_set = NULL, *row;
    json_t *ops = json_array();
    json_t *set_ref = NULL;
    bool loc_inserted = false;
    char ip[INET_ADDRSTRLEN];
    struct uuid *bound;
    bool *done;
    size_t n_bound;

    if (!ps || !t) {
        return ops;
    }
    inet_ntop(AF_INET, &tunnel_ip, ip, sizeof ip);
    loc = find_locator(db, ip);
    if (loc && sets_t) {
        HMAP_FOR_EACH (row, hmap_node, &sets_t->rows) {
            if (set_is_only(row, loc)) {
                local_set = row;
                break;
            }
        }
    }
    bound = bound_switches(db, ps, &n_bound);
    done = xcalloc(n_bound ? n_bound : 1, sizeof *done);

    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const struct uuid *ls = get_uuid(row, "logical_switch");
        const struct ovsdb_row *set = get_row(db, "Physical_Locator_Set",
                                              get_uuid(row, "locator_set"));
        size_t b;

        if (!ls || strcmp(get_str(row, "MAC"), VTEP_DB_UNKNOWN_DST)) {
            continue;
        }
        for (b = 0; b < n_bound && !uuid_equals(&bound[b], ls); b++) {
            continue;
        }
        if (b == n_bound) {
            if (set_is_only(set, loc)) {
                op_delete(ops, "Mcast_Macs_Local",
                          j_where_uuid(ovsdb_row_get_uuid(row)));
            }
        } else if (done[b] || !set_is_only(set, loc)) {
            /* A duplicate row, or a set that is not this VTEP alone (the
             * tunnel IP changed): rewrite it below. */
            op_delete(ops, "Mcast_Macs_Local", j_where_uuid(ovsdb_row_get_uuid(row)));
        } else {
            done[b] = true;
        }
    }

    for (size_t b = 0; b < n_bound; b++) {
        char name[32];

        if (done[b]) {
            continue;
        }
        if (!set_ref) {
            if (local_set) {
                set_ref = j_uuid(ovsdb_row_get_uuid(local_set));
            } else {
                json_t *l = local_locator_ref(db, ops, ip, &loc_inserted);
                op_insert(ops, "Physical_Locator_Set",
                          json_pack("{so}", "locators", j_set(json_pack("[o]", l))),
                          "local_set");
                set_ref = j_named("local_set");
            }
        }
        snprintf(name, sizeof name, "unknown_dst%zu", b);
        op_insert(ops, "Mcast_Macs_Local",
                  json_pack("{ss so sO}", "MAC", VTEP_DB_UNKNOWN_DST,
                            "logical_switch", j_uuid(&bound[b]),
                            "locator_set", set_ref), name);
    }
    json_decref(set_ref);
    free(bound);
    free(done);
    return ops;
}

/* ---- 4. tunnels and statistics ---- */

json_t *
vtep_db_tunnel_ops(const struct ovsdb_db *db, const char *ps_name,
                   struct in_addr local, const struct in_addr *remotes,
                   size_t n_remotes)
{
    const struct ovsdb_row *ps = find_by_str(db, "Physical_Switch", "name", ps_name);
    const struct ovsdb_datum *tunnels;
    json_t *ops = json_array();
    json_t *drop = json_array(), *add = json_array();
    bool *have = xcalloc(n_remotes ? n_remotes : 1, sizeof *have);
    bool loc_inserted = false;
    char local_ip[INET_ADDRSTRLEN];

    if (!ps) {
        goto out;
    }
    inet_ntop(AF_INET, &local, local_ip, sizeof local_ip);
    tunnels = get_col(ps, "tunnels");
    for (unsigned int i = 0; i < tunnels->n; i++) {
        const struct ovsdb_row *tun = get_row(db, "Tunnel", &tunnels->keys[i].uuid);
        struct in_addr l, r;
        bool keep = false;

        if (tun && locator_ip(db, get_uuid(tun, "local"), &l)
            && locator_ip(db, get_uuid(tun, "remote"), &r)
            && l.s_addr == local.s_addr) {
            for (size_t k = 0; k < n_remotes; k++) {
                if (remotes[k].s_addr == r.s_addr && !have[k]) {
                    have[k] = keep = true;
                    break;
                }
            }
        }
        if (!keep) {
            json_array_append_new(drop, j_uuid(&tunnels->keys[i].uuid));
        }
    }
    for (size_t k = 0; k < n_remotes; k++) {
        char rip[INET_ADDRSTRLEN], rname[48], tname[48];
        const struct ovsdb_row *rloc;
        json_t *rref, *lref;
        bool dup = false;

        for (size_t j = 0; j < k && !dup; j++) {
            dup = remotes[j].s_addr == remotes[k].s_addr;
        }
        if (have[k] || dup) {
            continue;
        }
        inet_ntop(AF_INET, &remotes[k], rip, sizeof rip);
        rloc = find_locator(db, rip);
        if (rloc) {
            rref = j_uuid(ovsdb_row_get_uuid(rloc));
        } else {
            snprintf(rname, sizeof rname, "remote_locator%zu", k);
            op_insert(ops, "Physical_Locator",
                      json_pack("{ss ss}", "encapsulation_type", VTEP_DB_ENCAP,
                                "dst_ip", rip), rname);
            rref = j_named(rname);
        }
        lref = local_locator_ref(db, ops, local_ip, &loc_inserted);
        snprintf(tname, sizeof tname, "tunnel%zu", k);
        op_insert(ops, "Tunnel", json_pack("{so so}", "local", lref,
                                           "remote", rref), tname);
        json_array_append_new(add, j_named(tname));
    }
    if (json_array_size(drop)) {
        op_mutate(ops, "Physical_Switch", j_where_uuid(ovsdb_row_get_uuid(ps)),
                  "tunnels", "delete", j_set(json_incref(drop)));
    }
    if (json_array_size(add)) {
        op_mutate(ops, "Physical_Switch", j_where_uuid(ovsdb_row_get_uuid(ps)),
                  "tunnels", "insert", j_set(json_incref(add)));
    }
out:
    json_decref(drop);
    json_decref(add);
    free(have);
    return ops;
}

static int64_t
clamp_counter(uint64_t v)
{
    return v > INT64_MAX ? INT64_MAX : (int64_t) v;
}

json_t *
vtep_db_stats_ops(const struct ovsdb_db *db, const char *ps_name,
                  const struct vtep_db_binding_stats *stats, size_t n)
{
    static const char *const counters[] = {
        "bytes_from_local", "packets_from_local",
        "bytes_to_local", "packets_to_local",
    };
    const struct ovsdb_row *ps = find_by_str(db, "Physical_Switch", "name", ps_name);
    const struct ovsdb_datum *ports;
    json_t *ops = json_array();

    if (!ps) {
        return ops;
    }
    ports = get_col(ps, "ports");
    for (unsigned int i = 0; i < ports->n; i++) {
        const struct ovsdb_row *port = get_row(db, "Physical_Port",
                                               &ports->keys[i].uuid);
        const struct ovsdb_datum *vb, *vs;
        json_t *drop, *add;

        if (!port) {
            continue;
        }
        vb = get_col(port, "vlan_bindings");
        vs = get_col(port, "vlan_stats");
        drop = json_array();
        add = json_array();

        /* Stats of VLANs no longer bound. */
        for (unsigned int j = 0; j < vs->n; j++) {
            if (ovsdb_datum_find_key(vb, &vs->keys[j], OVSDB_TYPE_INTEGER)
                == UINT_MAX) {
                json_array_append_new(drop, json_integer(vs->keys[j].integer));
            }
        }
        for (size_t k = 0; k < n; k++) {
            const struct vtep_db_binding_stats *s = &stats[k];
            union ovsdb_atom vlan = { .integer = s->vlan };
            int64_t v[4] = {
                clamp_counter(s->bytes_from_local),
                clamp_counter(s->packets_from_local),
                clamp_counter(s->bytes_to_local),
                clamp_counter(s->packets_to_local),
            };
            unsigned int idx;
            bool dup = false;
            json_t *row;

            for (size_t j = 0; j < k && !dup; j++) {
                dup = stats[j].vlan == s->vlan && !strcmp(stats[j].port, s->port);
            }
            if (dup || strcmp(s->port, get_str(port, "name"))
                || ovsdb_datum_find_key(vb, &vlan, OVSDB_TYPE_INTEGER) == UINT_MAX) {
                continue;
            }
            row = json_object();
            idx = ovsdb_datum_find_key(vs, &vlan, OVSDB_TYPE_INTEGER);
            if (idx != UINT_MAX) {
                const struct ovsdb_row *lbs = get_row(db, "Logical_Binding_Stats",
                                                      &vs->values[idx].uuid);
                for (size_t c = 0; c < ARRAY_SIZE(counters); c++) {
                    const struct ovsdb_datum *d = lbs ? get_col(lbs, counters[c])
                                                      : &empty_datum;
                    if (!d->n || d->keys[0].integer != v[c]) {
                        json_object_set_new(row, counters[c], json_integer(v[c]));
                    }
                }
                if (json_object_size(row)) {
                    op_update(ops, "Logical_Binding_Stats",
                              j_where_uuid(&vs->values[idx].uuid), row);
                } else {
                    json_decref(row);
                }
            } else {
                char name[48];

                for (size_t c = 0; c < ARRAY_SIZE(counters); c++) {
                    json_object_set_new(row, counters[c], json_integer(v[c]));
                }
                snprintf(name, sizeof name, "stats%u_%zu", i, k);
                op_insert(ops, "Logical_Binding_Stats", row, name);
                json_array_append_new(add, json_pack("[Io]", (json_int_t) s->vlan,
                                                     j_named(name)));
            }
        }
        if (json_array_size(drop)) {
            op_mutate(ops, "Physical_Port", j_where_uuid(ovsdb_row_get_uuid(port)),
                      "vlan_stats", "delete", j_set(json_incref(drop)));
        }
        if (json_array_size(add)) {
            op_mutate(ops, "Physical_Port", j_where_uuid(ovsdb_row_get_uuid(port)),
                      "vlan_stats", "insert",
                      json_pack("[sO]", "map", add));
        }
        json_decref(drop);
        json_decref(add);
    }
    return ops;
}
