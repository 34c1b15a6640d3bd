/* ui: the live topology page.  See ui.h.
 *
 * Two halves: ui_topology() turns the NB replica into the page's JSON (no
 * I/O), and ui_serve() is the evhttp glue (routing, token, embedded files,
 * headers). */
#include "controller/ui.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "controller/dbrow.h"
#include "controller/desired.h"
#include "controller/nb.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/util.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"

LOG_MODULE(ui);

/* The page's files, embedded.  make runs the compiler from the top of the
 * tree, where this relative path resolves; the Makefile rebuilds ui.o when
 * a file changes. */
#ifndef SEAM_UI_DIR
#define SEAM_UI_DIR "src/controller/ui"
#endif

#define UI_EMBED(SYM, FILE)                                     \
    __asm__(".pushsection .rodata\n"                            \
            ".globl " #SYM "\n"                                 \
            ".hidden " #SYM "\n"                                \
            ".globl " #SYM "_end\n"                             \
            ".hidden " #SYM "_end\n"                            \
            ".balign 16\n"                                      \
            #SYM ":\n"                                          \
            ".incbin \"" SEAM_UI_DIR "/" FILE "\"\n"            \
            #SYM "_end:\n"                                      \
            ".popsection\n");                                   \
    extern const char SYM[] __attribute__((visibility("hidden"))); \
    extern const char SYM##_end[] __attribute__((visibility("hidden")))

UI_EMBED(ui_index_html, "index.html");
UI_EMBED(ui_app_js, "app.js");
UI_EMBED(ui_style_css, "style.css");

struct ui_file {
    const char *path;               /* Request path. */
    const char *type;               /* Content-Type. */
    const char *start, *end;        /* Embedded bytes. */
    bool page;                      /* The page itself (?token= redirects). */
};

static const struct ui_file ui_files[] = {
    { "/ui", "text/html; charset=utf-8", ui_index_html, ui_index_html_end, true },
    { "/ui/", "text/html; charset=utf-8", ui_index_html, ui_index_html_end, true },
    { "/ui/index.html", "text/html; charset=utf-8", ui_index_html, ui_index_html_end,
      true },
    { "/ui/app.js", "text/javascript; charset=utf-8", ui_app_js, ui_app_js_end, false },
    { "/ui/style.css", "text/css; charset=utf-8", ui_style_css, ui_style_css_end, false },
};

#define UI_COOKIE "seam_token"

/* ---- The topology document (no I/O). ---- */

/* Comparison of two JSON values for sorting: strings and integers by
 * value, null before anything else; other pairs are equal. */
static int
json_cmp(const json_t *a, const json_t *b)
{
    if (json_is_string(a) && json_is_string(b)) {
        return strcmp(json_string_value(a), json_string_value(b));
    }
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_null(a) != json_is_null(b)) {
        return json_is_null(a) ? -1 : 1;
    }
    return 0;
}

/* 'keys_': NULL-terminated member names compared in turn, or NULL to
 * compare the items themselves. */
static int
item_cmp(const void *a_, const void *b_, void *keys_)
{
    const json_t *a = *(json_t *const *) a_, *b = *(json_t *const *) b_;
    const char *const *keys = keys_;
    if (!keys) {
        return json_cmp(a, b);
    }
    for (; *keys; keys++) {
        int c = json_cmp(json_object_get(a, *keys), json_object_get(b, *keys));
        if (c) {
            return c;
        }
    }
    return 0;
}

/* Sorts 'array' in place by 'keys' (see item_cmp()); returns it. */
static json_t *
sort_array(json_t *array, const char *const *keys)
{
    size_t n = json_array_size(array);
    json_t **items = xcalloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        items[i] = json_incref(json_array_get(array, i));
    }
    qsort_r(items, n, sizeof *items, item_cmp, (void *) keys);
    json_array_clear(array);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(array, items[i]);
    }
    free(items);
    return array;
}

/* Appends string 's' to 'array' unless it holds it already. */
static void
add_unique_str(json_t *array, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach (array, i, v) {
        if (!strcmp(json_string_value(v), s)) {
            return;
        }
    }
    json_array_append_new(array, json_string(s));
}

static void
add_unique_int(json_t *array, json_int_t x)
{
    size_t i;
    json_t *v;
    json_array_foreach (array, i, v) {
        if (json_integer_value(v) == x) {
            return;
        }
    }
    json_array_append_new(array, json_integer(x));
}

static json_t *
uuid_json(const struct uuid *u)
{
    char s[UUID_LEN + 1];
    uuid_to_string(u, s);
    return json_string(s);
}

static json_t *
row_id(const struct ovsdb_row *row)
{
    return uuid_json(ovsdb_row_get_uuid(row));
}

/* An optional string column: its value, or null when empty. */
static json_t *
opt_str(const struct ovsdb_row *row, const char *column)
{
    const char *s = dbrow_str(row, column);
    return s[0] ? json_string(s) : json_null();
}

/* The row a binding comes from: a Port or an L2_Gateway_Connection (NULL
 * if it is gone). */
static const struct ovsdb_row *
source_row(const struct ovsdb_db *db, const struct desired_binding *b)
{
    return dbrow_get(db, b->kind == DESIRED_SRC_PORT ? "Port" : "L2_Gateway_Connection",
                     &b->source);
}

/* The name the page shows for the source of 'b': the port's name, or the
 * L2 gateway's; null if none. */
static json_t *
source_name(const struct ovsdb_db *db, const struct desired_binding *b)
{
    const struct ovsdb_row *row = source_row(db, b);
    if (row && b->kind == DESIRED_SRC_PORT) {
        return opt_str(row, "name");
    }
    const struct ovsdb_row *g = row ? dbrow_get(db, "L2_Gateway",
                                                dbrow_uuid(row, "gateway")) : NULL;
    return g ? opt_str(g, "name") : json_null();
}

/* The status the reconciler wrote on the source of 'b' ("ACTIVE", "DOWN",
 * "ERROR"; "DOWN" until written). */
static const char *
source_status(const struct ovsdb_db *db, const struct desired_binding *b)
{
    const struct ovsdb_row *row = source_row(db, b);
    const char *st = row ? dbrow_str(row, "status") : "";
    return st[0] ? st : "DOWN";
}

/* The entry of physical port 'name' in 'ports' (object name -> entry),
 * created if missing. */
static json_t *
port_entry(json_t *ports, const char *name)
{
    json_t *e = json_object_get(ports, name);
    if (!e) {
        e = json_pack("{s:s,s:[],s:[]}", "name", name, "bindings", "host_links");
        json_object_set_new(ports, name, e);
    }
    return e;
}

/* The physical ports of VTEP 'dv' (NULL if the VTEP has no name) with their
 * bindings and host links; adds each port binding to 'bound' (object port
 * uuid -> array of {vtep, port, vlan}). */
static json_t *
vtep_ports_json(const struct ovsdb_db *db, const char *name,
                const struct desired_vtep *dv, json_t *bound)
{
    json_t *ports = json_object();

    if (dv) {
        const struct desired_binding *b;
        HMAP_FOR_EACH (b, node, &dv->bindings) {
            bool is_port = b->kind == DESIRED_SRC_PORT;
            json_t *src = uuid_json(&b->source);
            json_array_append_new(json_object_get(port_entry(ports, b->port), "bindings"),
                                  json_pack("{s:i,s:s,s:s,s:O,s:o,s:s}", "vlan", b->vlan,
                                            "network_id", b->ls, "source",
                                            is_port ? "port" : "l2gw_connection",
                                            "source_id", src,
                                            "source_name", source_name(db, b),
                                            "status", source_status(db, b)));
            if (is_port) {
                const char *id = json_string_value(src);
                json_t *where = json_object_get(bound, id);
                if (!where) {
                    where = json_array();
                    json_object_set_new(bound, id, where);
                }
                json_array_append_new(where, json_pack("{s:s,s:s,s:i}", "vtep", name,
                                                       "port", b->port, "vlan", b->vlan));
            }
            json_decref(src);
        }
    }
    const struct ovsdb_table *links = dbrow_table(db, "Host_Link");
    if (links) {
        const struct ovsdb_row *link;
        HMAP_FOR_EACH (link, hmap_node, &links->rows) {
            if (!strcmp(dbrow_str(link, "vtep"), name)) {
                json_array_append_new(
                    json_object_get(port_entry(ports, dbrow_str(link, "port")),
                                    "host_links"),
                    json_pack("{s:s,s:s,s:s}", "host", dbrow_str(link, "host"),
                              "physical_network", dbrow_str(link, "physical_network"),
                              "source", dbrow_str(link, "source")));
            }
        }
    }

    static const char *const by_vlan[] = { "vlan", "network_id", NULL };
    static const char *const by_host[] = { "host", "physical_network", NULL };
    json_t *array = json_array();
    const char *key;
    json_t *e;
    json_object_foreach (ports, key, e) {
        sort_array(json_object_get(e, "bindings"), by_vlan);
        sort_array(json_object_get(e, "host_links"), by_host);
        json_array_append(array, e);
    }
    json_decref(ports);
    static const char *const by_name[] = { "name", NULL };
    return sort_array(array, by_name);
}

static json_t *
vteps_json(const struct ovsdb_db *db, const struct desired *d, json_t *bound)
{
    const struct ovsdb_table *t = dbrow_table(db, "VTEP");
    json_t *vteps = json_array();
    const struct ovsdb_row *row;
    if (!t) {
        return vteps;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const char *name = dbrow_str(row, "name");
        const struct desired_vtep *dv = desired_find_vtep(d, name);
        json_t *networks = json_array();
        size_t n_macs = 0;
        if (dv) {
            const struct desired_ls *ls;
            HMAP_FOR_EACH (ls, node, &dv->switches) {
                const struct desired_mac *m;
                json_array_append_new(networks, json_string(ls->name));
                DESIRED_LS_FOR_EACH_MAC (m, ls) {
                    n_macs++;
                }
            }
        }
        json_t *ports = vtep_ports_json(db, name, dv, bound);
        const char *ip = dv && dv->tunnel_ip ? dv->tunnel_ip : dbrow_str(row, "tunnel_ip");
        json_array_append_new(vteps, json_pack(
            "{s:o,s:s,s:s,s:o,s:o,s:o,s:s,s:b,s:s,s:o,s:i,s:i,s:i,s:o}",
            "id", row_id(row),
            "name", name,
            "role", dbrow_str(row, "role")[0] ? dbrow_str(row, "role") : "tor",
            "host", opt_str(row, "host"),
            "target", opt_str(row, "target"),
            "tunnel_ip", ip[0] ? json_string(ip) : json_null(),
            "connection_state", dbrow_str(row, "connection_state"),
            "in_sync", dbrow_bool(row, "in_sync"),
            "status_detail", dbrow_str(row, "status_detail"),
            "networks", sort_array(networks, NULL),
            "n_bindings", (int) (dv ? hmap_count(&dv->bindings) : 0),
            "n_remote_macs", (int) n_macs,
            "n_local_ports", 0,     /* Counted by count_local_ports(). */
            "ports", ports));
    }
    static const char *const by_name[] = { "name", NULL };
    return sort_array(vteps, by_name);
}

/* The VTEP of 'd' whose tunnel IP is 'ip', or NULL. */
static const struct desired_vtep *
vtep_by_ip(const struct desired *d, const char *ip)
{
    const struct desired_vtep *v;
    HMAP_FOR_EACH (v, node, &d->vteps) {
        if (v->tunnel_ip && !strcmp(v->tunnel_ip, ip)) {
            return v;
        }
    }
    return NULL;
}

/* One entry per pair of VTEPs that flood to each other (seamd puts the
 * other's tunnel IP in a switch's unknown-dst locator set): the VTEPs (by
 * name, sorted; a locator that is no VTEP's shows as its IP), the networks
 * and VNIs carried. */
static json_t *
tunnels_json(const struct desired *d)
{
    json_t *pairs = json_object();
    const struct desired_vtep *v;
    HMAP_FOR_EACH (v, node, &d->vteps) {
        const struct desired_ls *ls;
        HMAP_FOR_EACH (ls, node, &v->switches) {
            for (size_t i = 0; i < ls->n_flood; i++) {
                const struct desired_vtep *peer = vtep_by_ip(d, ls->flood[i]);
                const char *a = v->name, *b = peer ? peer->name : ls->flood[i];
                if (strcmp(a, b) > 0) {
                    const char *tmp = a;
                    a = b;
                    b = tmp;
                }
                char *key = xasprintf("%s\n%s", a, b);
                json_t *e = json_object_get(pairs, key);
                if (!e) {
                    e = json_pack("{s:[s,s],s:[],s:[],s:s}", "vteps", a, b,
                                  "networks", "vnis", "key", key);
                    json_object_set_new(pairs, key, e);
                }
                free(key);
                add_unique_str(json_object_get(e, "networks"), ls->name);
                add_unique_int(json_object_get(e, "vnis"), ls->tunnel_key);
            }
        }
    }
    json_t *array = json_array();
    const char *key;
    json_t *e;
    json_object_foreach (pairs, key, e) {
        sort_array(json_object_get(e, "networks"), NULL);
        sort_array(json_object_get(e, "vnis"), NULL);
        json_array_append(array, e);
    }
    json_decref(pairs);
    /* By the pair's names: "key" is the pair, removed once sorted. */
    static const char *const by_key[] = { "key", NULL };
    sort_array(array, by_key);
    size_t i;
    json_array_foreach (array, i, e) {
        json_object_del(e, "key");
    }
    return array;
}

/* Returns the entry of 'byid' (borrowed) for the network that 'row' names in
 * its "network" column, or NULL. */
static json_t *
network_of(json_t *byid, const struct ovsdb_row *row)
{
    const struct uuid *net = dbrow_uuid(row, "network");
    char id[UUID_LEN + 1];
    if (!net) {
        return NULL;
    }
    uuid_to_string(net, id);
    return json_object_get(byid, id);
}

/* The networks, each with its segments, subnets, the VTEPs carrying it and
 * its ports' counts by status. */
static json_t *
networks_json(const struct ovsdb_db *db, const struct desired *d)
{
    const struct ovsdb_table *t = dbrow_table(db, "Network");
    json_t *byid = json_object();
    const struct ovsdb_row *row;

    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            json_t *n = json_pack("{s:o,s:s,s:I,s:s,s:b,s:s,s:[],s:[],s:[],s:i,s:i,s:{}}",
                                  "id", row_id(row),
                                  "name", dbrow_str(row, "name"),
                                  "vni", (json_int_t) dbrow_int(row, "vni", 0),
                                  "status", dbrow_str(row, "status"),
                                  "admin_state_up", dbrow_bool(row, "admin_state_up"),
                                  "created_at", dbrow_str(row, "created_at"),
                                  "segments", "subnets", "vteps",
                                  "n_ports", 0, "n_macs", 0, "port_status");
            const struct desired_vtep *v;
            HMAP_FOR_EACH (v, node, &d->vteps) {
                if (desired_find_ls(v, json_string_value(json_object_get(n, "id")))) {
                    json_array_append_new(json_object_get(n, "vteps"),
                                          json_string(v->name));
                }
            }
            json_object_set_new(byid, json_string_value(json_object_get(n, "id")), n);
        }
    }

    t = dbrow_table(db, "Segment");
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            json_t *n = network_of(byid, row);
            if (n) {
                json_array_append_new(json_object_get(n, "segments"), json_pack(
                    "{s:o,s:s,s:o,s:I,s:I}", "id", row_id(row),
                    "network_type", dbrow_str(row, "network_type"),
                    "physical_network", opt_str(row, "physical_network"),
                    "segmentation_id", (json_int_t) dbrow_int(row, "segmentation_id", 0),
                    "index", (json_int_t) dbrow_int(row, "segment_index", 0)));
            }
        }
    }

    t = dbrow_table(db, "Subnet");
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            json_t *n = network_of(byid, row);
            if (n) {
                json_array_append_new(json_object_get(n, "subnets"), json_pack(
                    "{s:o,s:s,s:s,s:o}", "id", row_id(row),
                    "name", dbrow_str(row, "name"), "cidr", dbrow_str(row, "cidr"),
                    "gateway_ip", opt_str(row, "gateway_ip")));
            }
        }
    }

    t = dbrow_table(db, "Port");
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            json_t *n = network_of(byid, row);
            if (!n) {
                continue;
            }
            json_object_set_new(n, "n_ports", json_integer(
                json_integer_value(json_object_get(n, "n_ports")) + 1));
            char mac[18];
            if (desired_normalize_mac(dbrow_str(row, "mac_address"), mac)) {
                json_object_set_new(n, "n_macs", json_integer(
                    json_integer_value(json_object_get(n, "n_macs")) + 1));
            }
            const char *st = dbrow_str(row, "status");
            st = st[0] ? st : "DOWN";
            json_t *counts = json_object_get(n, "port_status");
            json_object_set_new(counts, st, json_integer(
                json_integer_value(json_object_get(counts, st)) + 1));
        }
    }

    static const char *const by_index[] = { "index", "id", NULL };
    static const char *const by_cidr[] = { "cidr", "id", NULL };
    static const char *const by_creation[] = { "created_at", "name", "id", NULL };
    json_t *array = json_array();
    const char *key;
    json_t *n;
    json_object_foreach (byid, key, n) {
        sort_array(json_object_get(n, "segments"), by_index);
        sort_array(json_object_get(n, "subnets"), by_cidr);
        sort_array(json_object_get(n, "vteps"), NULL);
        json_array_append(array, n);
    }
    json_decref(byid);
    return sort_array(array, by_creation);
}

/* Where port 'row' is bound when it is not the source of a binding itself:
 * a binding is made once per (physical port, VLAN), so two SR-IOV ports of
 * one host on one network share the binding of whichever came first.  Finds
 * a bound port of the same host, network and vnic type, and returns its
 * entry of 'bound' (borrowed), or NULL. */
static json_t *
shared_binding(const struct ovsdb_db *db, const struct ovsdb_row *row, json_t *bound)
{
    const char *host = dbrow_str(row, "binding_host_id");
    const struct uuid *net = dbrow_uuid(row, "network");
    const char *id;
    json_t *where;
    if (!host[0] || !net) {
        return NULL;
    }
    json_object_foreach (bound, id, where) {
        struct uuid u;
        const struct ovsdb_row *other = uuid_from_string(&u, id)
                                        ? dbrow_get(db, "Port", &u) : NULL;
        const struct uuid *other_net = other ? dbrow_uuid(other, "network") : NULL;
        if (other_net && uuid_equals(other_net, net)
            && !strcmp(dbrow_str(other, "binding_host_id"), host)
            && !strcmp(dbrow_str(other, "binding_vnic_type"),
                       dbrow_str(row, "binding_vnic_type"))) {
            return where;
        }
    }
    return NULL;
}

/* The ports, with where seamd binds each ('bound': port id -> array of
 * {vtep, port, vlan}) and the VTEPs its MAC is published on. */
static json_t *
ports_json(const struct ovsdb_db *db, const struct desired *d, json_t *bound)
{
    const struct ovsdb_table *t = dbrow_table(db, "Port");
    json_t *ports = json_array();
    const struct ovsdb_row *row;
    if (!t) {
        return ports;
    }
    static const char *const by_where[] = { "vtep", "port", "vlan", NULL };
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const struct desired_port *dp = desired_find_port(d, ovsdb_row_get_uuid(row));
        json_t *ips = json_array();
        const struct ovsdb_datum *f = dbrow_datum(row, "fixed_ips");
        for (unsigned int i = 0; f && i < f->n; i++) {
            json_array_append_new(ips, json_string(f->keys[i].string));
        }
        json_t *vteps = json_array();
        for (size_t i = 0; dp && i < dp->n_vteps; i++) {
            json_array_append_new(vteps, json_string(dp->vteps[i]));
        }
        json_t *id = row_id(row);
        json_t *where = json_object_get(bound, json_string_value(id));
        if (!where) {
            where = shared_binding(db, row, bound);
        }
        const struct uuid *net = dbrow_uuid(row, "network");
        const char *st = dbrow_str(row, "status");
        json_array_append_new(ports, json_pack(
            "{s:o,s:s,s:o,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}",
            "id", id,
            "name", dbrow_str(row, "name"),
            "network_id", net ? uuid_json(net) : json_null(),
            "mac_address", dbrow_str(row, "mac_address"),
            "fixed_ips", ips,
            "device_owner", dbrow_str(row, "device_owner"),
            "binding_host_id", dbrow_str(row, "binding_host_id"),
            "binding_vnic_type", dbrow_str(row, "binding_vnic_type")[0]
                                 ? dbrow_str(row, "binding_vnic_type") : "normal",
            "status", st[0] ? st : "DOWN",
            "status_detail", dbrow_str(row, "status_detail"),
            "created_at", dbrow_str(row, "created_at"),
            "bound", where ? sort_array(json_deep_copy(where), by_where) : json_array(),
            "vteps", sort_array(vteps, NULL),
            "problem", dp && dp->problem ? json_string(dp->problem) : json_null()));
    }
    static const char *const by_creation[] = { "created_at", "name", "id", NULL };
    return sort_array(ports, by_creation);
}

/* Sets each VTEP's "n_local_ports": the ports of 'ports' bound on it. */
static void
count_local_ports(json_t *vteps, const json_t *ports)
{
    size_t i, j, k;
    json_t *v, *p, *b;
    json_array_foreach (vteps, i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        json_int_t n = 0;
        json_array_foreach (ports, j, p) {
            json_array_foreach (json_object_get(p, "bound"), k, b) {
                if (!strcmp(json_string_value(json_object_get(b, "vtep")), name)) {
                    n++;
                    break;
                }
            }
        }
        json_object_set_new(v, "n_local_ports", json_integer(n));
    }
}

json_t *
ui_topology(const struct ovsdb_db *db)
{
    struct desired *d = desired_compute(db, NULL, NULL);
    json_t *bound = json_object();
    json_t *vteps = vteps_json(db, d, bound);
    json_t *ports = ports_json(db, d, bound);
    count_local_ports(vteps, ports);
    json_t *topo = json_pack("{s:o,s:o,s:o,s:o}", "vteps", vteps,
                             "tunnels", tunnels_json(d),
                             "networks", networks_json(db, d),
                             "ports", ports);
    json_decref(bound);
    desired_destroy(d);
    return topo;
}

/* ---- HTTP glue. ---- */

/* Whether 'got' is 'token', in time independent of where they differ. */
static bool
token_equals(const char *got, const char *token)
{
    size_t n = strlen(token);
    return got && strlen(got) == n && !CRYPTO_memcmp(got, token, n);
}

static bool
header_token_ok(struct evhttp_request *req, const char *token)
{
    return !token || token_equals(evhttp_find_header(
                                      evhttp_request_get_input_headers(req),
                                      "X-Auth-Token"), token);
}

/* Returns a new string with the value of cookie 'name' in the request's
 * Cookie header (URI-decoded), or NULL. */
static char *
cookie_value(struct evhttp_request *req, const char *name)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
    size_t len = strlen(name);
    while (h && *h) {
        h += strspn(h, " \t;");
        const char *end = h + strcspn(h, ";");
        if ((size_t) (end - h) > len && !strncmp(h, name, len) && h[len] == '=') {
            char *raw = xstrndup(h + len + 1, end - (h + len + 1));
            char *v = evhttp_uridecode(raw, 0, NULL);
            free(raw);
            return v;
        }
        h = end;
    }
    return NULL;
}

/* Returns a new string with the value of query parameter 'name' of 'req',
 * or NULL. */
static char *
query_value(struct evhttp_request *req, const char *name)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq params;
    char *v = NULL;
    if (q && !evhttp_parse_query_str(q, &params)) {
        const char *s = evhttp_find_header(&params, name);
        v = s ? xstrdup(s) : NULL;
        evhttp_clear_headers(&params);
    }
    return v;
}

static bool
over_tls(struct evhttp_request *req)
{
    struct evhttp_connection *c = evhttp_request_get_connection(req);
    struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c) : NULL;
    return bev && bufferevent_openssl_get_ssl(bev);
}

static void
add_header(struct evhttp_request *req, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), name, value);
}

/* Headers every answer of the page carries. */
static void
add_page_headers(struct evhttp_request *req)
{
    add_header(req, "Cache-Control", "no-store");
    add_header(req, "X-Content-Type-Options", "nosniff");
    add_header(req, "Referrer-Policy", "no-referrer");
    add_header(req, "X-Frame-Options", "DENY");
    add_header(req, "Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
               "base-uri 'none'; form-action 'none'");
}

static void
send_bytes(struct evhttp_request *req, int status, const char *reason,
           const char *type, const void *data, size_t size)
{
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, data, size);
    add_header(req, "Content-Type", type);
    evhttp_send_reply(req, status, reason, buf);
    evbuffer_free(buf);
}

static void
send_html_error(struct evhttp_request *req, int status, const char *reason,
                const char *text)
{
    char *html = xasprintf("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                           "<title>seamd: %d %s</title></head><body><h1>%d %s</h1>"
                           "<p>%s</p></body></html>\n", status, reason, status,
                           reason, text);
    add_page_headers(req);
    send_bytes(req, status, reason, "text/html; charset=utf-8", html, strlen(html));
    free(html);
}

/* Sends 'body' (taken). */
static void
send_json(struct evhttp_request *req, int status, const char *reason, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    add_header(req, "Cache-Control", "no-store");
    add_header(req, "X-Content-Type-Options", "nosniff");
    send_bytes(req, status, reason, "application/json", s, strlen(s));
    free(s);
    json_decref(body);
}

static bool
is_get(struct evhttp_request *req)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    return cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
}

static void
serve_topology(struct evhttp_request *req, const struct nb *nb, const char *token)
{
    if (!header_token_ok(req, token)) {
        /* The API's own answer (keystonemiddleware's body). */
        send_json(req, 401, "Unauthorized", json_pack(
                      "{s:{s:i,s:s,s:s}}", "error", "code", 401, "title",
                      "Unauthorized", "message",
                      "The request you have made requires authentication."));
        return;
    }
    if (!is_get(req)) {
        add_header(req, "Allow", "GET, HEAD");
        send_json(req, 405, "Method Not Allowed", json_pack(
                      "{s:{s:s,s:s,s:s}}", "NeutronError", "type", "HTTPMethodNotAllowed",
                      "message", "The topology is read-only.", "detail", ""));
        return;
    }
    const struct ovsdb_db *db = nb_get_db(nb);
    if (!db) {
        send_json(req, 503, "Service Unavailable", json_pack(
                      "{s:{s:s,s:s,s:s}}", "NeutronError", "type", "ServiceUnavailable",
                      "message", "The northbound database is not connected.",
                      "detail", ""));
        return;
    }
    json_t *topo = ui_topology(db);
    json_object_set_new(topo, "controller", json_pack("{s:b,s:b}", "active",
                                                      nb_is_active(nb), "nb_synced",
                                                      nb_is_synced(nb)));
    json_object_set_new(topo, "time_ms", json_integer(time_wall_msec()));
    send_json(req, 200, "OK", json_pack("{s:o}", "topology", topo));
}

static const struct ui_file *
find_file(const char *path)
{
    for (size_t i = 0; i < ARRAY_SIZE(ui_files); i++) {
        if (!strcmp(ui_files[i].path, path)) {
            return &ui_files[i];
        }
    }
    return NULL;
}

/* Sets the page's cookie to 'token'. */
static void
set_cookie(struct evhttp_request *req, const char *token)
{
    char *enc = evhttp_uriencode(token, -1, 0);
    char *c = xasprintf(UI_COOKIE "=%s; Path=/; SameSite=Strict%s", enc,
                        over_tls(req) ? "; Secure" : "");
    add_header(req, "Set-Cookie", c);
    free(c);
    free(enc);
}

static void
serve_page(struct evhttp_request *req, const char *path, const char *token)
{
    char *from_query = token ? query_value(req, "token") : NULL;
    char *from_cookie = token && !from_query ? cookie_value(req, UI_COOKIE) : NULL;
    bool query_ok = token_equals(from_query, token ? token : "");
    bool ok = !token || query_ok || token_equals(from_cookie, token)
              || header_token_ok(req, token);
    free(from_cookie);
    free(from_query);

    if (!ok) {
        send_html_error(req, 401, "Unauthorized", "This seamd needs its API token. "
                        "Open <code>/ui?token=TOKEN</code> once; the page keeps it "
                        "in a cookie.");
        return;
    }
    if (!is_get(req)) {
        add_header(req, "Allow", "GET, HEAD");
        send_html_error(req, 405, "Method Not Allowed", "The page is read-only.");
        return;
    }
    const struct ui_file *f = find_file(path);
    if (!f) {
        send_html_error(req, 404, "Not Found", "No such file.");
        return;
    }
    if (query_ok) {
        set_cookie(req, token);
        if (f->page) {
            /* Take the token out of the address bar and the history. */
            add_page_headers(req);
            add_header(req, "Location", "/ui");
            send_bytes(req, 303, "See Other", "text/plain; charset=utf-8", "", 0);
            return;
        }
    }
    add_page_headers(req);
    send_bytes(req, 200, "OK", f->type, f->start, f->end - f->start);
}

bool
ui_serve(struct evhttp_request *req, const struct nb *nb, const char *token)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!path) {
        return false;
    }
    if (!strcmp(path, UI_TOPOLOGY_PATH) || !strcmp(path, UI_TOPOLOGY_PATH ".json")) {
        serve_topology(req, nb, token);
        return true;
    }
    if (!strcmp(path, "/ui") || !strncmp(path, "/ui/", 4)) {
        log_debug("%s", path);
        serve_page(req, path, token);
        return true;
    }
    return false;
}
