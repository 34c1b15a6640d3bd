/* topo: host links from the VTEPs' LLDP neighbours; see topo.h. */
#include "controller/topo.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "controller/dbrow.h"
#include "controller/desired.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/uuid.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"

LOG_MODULE(topo);

#define TOPO_DEFAULT_TTL_S 120          /* A neighbour without lldp:ttl. */

/* ---- Device mappings ---- */

struct mapping {
    char *host;                         /* NULL: every host. */
    char *physnet;
    char *nic;
};

struct topo_mappings {
    struct mapping *items;
    size_t n, allocated;
};

static void
drop_host(struct topo_mappings *m, const char *host)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        struct mapping *it = &m->items[i];
        bool same = host ? it->host && !strcmp(it->host, host) : !it->host;
        if (same) {
            free(it->host);
            free(it->physnet);
            free(it->nic);
        } else {
            m->items[k++] = *it;
        }
    }
    m->n = k;
}

static char *
trim(char *s)
{
    while (isspace((unsigned char) *s)) {
        s++;
    }
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char) e[-1])) {
        *--e = '\0';
    }
    return s;
}

int
topo_mappings_parse(struct topo_mappings **mp, const char *host,
                    const char *value, char **errorp)
{
    if (!*mp) {
        *mp = xzalloc(sizeof **mp);
    }
    struct topo_mappings *m = *mp;
    drop_host(m, host);
    char *copy = xstrdup(value), *save = NULL;
    int err = 0;
    for (char *item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        item = trim(item);
        if (!*item) {
            continue;
        }
        char *colon = strchr(item, ':');
        if (!colon || colon == item || !colon[1] || strchr(colon + 1, ':')) {
            *errorp = xasprintf("\"%s\" is not PHYSICAL_NETWORK:NIC", item);
            err = -EINVAL;
            break;
        }
        *colon = '\0';
        m->items = xgrow(m->items, &m->allocated, m->n + 1, sizeof *m->items);
        m->items[m->n++] = (struct mapping) {
            host ? xstrdup(host) : NULL, xstrdup(trim(item)),
            xstrdup(trim(colon + 1)),
        };
    }
    free(copy);
    return err;
}

void
topo_mappings_destroy(struct topo_mappings *m)
{
    if (m) {
        for (size_t i = 0; i < m->n; i++) {
            free(m->items[i].host);
            free(m->items[i].physnet);
            free(m->items[i].nic);
        }
        free(m->items);
        free(m);
    }
}

size_t
topo_mappings_lookup(const struct topo_mappings *m, const char *host,
                     const char *nic, void (*cb)(void *, const char *),
                     void *aux)
{
    if (!m) {
        return 0;
    }
    bool own = false;
    for (size_t i = 0; i < m->n && !own; i++) {
        own = m->items[i].host && !strcmp(m->items[i].host, host);
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct mapping *it = &m->items[i];
        bool applies = own ? it->host && !strcmp(it->host, host) : !it->host;
        if (applies && !strcmp(it->nic, nic)) {
            cb(aux, it->physnet);
            n++;
        }
    }
    return n;
}

/* ---- Host links ---- */

/* A host link topo derived, kept while its neighbour is there and for its
 * TTL after. */
struct link {
    char *host, *physnet;
    char *vtep, *port;                  /* NULL until first committed. */
    unsigned int ttl_s;
    bool present;                       /* Heard now. */
    long long expires_ms;               /* If not present. */
    /* This run's observation, borrowed from a replica (valid during the
     * run): the first (VTEP, port) by name that hears it. */
    bool seen;
    const char *seen_vtep, *seen_port;
    unsigned int seen_ttl_s;
};

struct topo {
    const struct topo_mappings *mappings;
    struct link *links;
    size_t n_links, allocated_links;
};

struct topo *
topo_create(const struct topo_mappings *mappings)
{
    struct topo *t = xzalloc(sizeof *t);
    t->mappings = mappings;
    return t;
}

static void
link_free(struct link *l)
{
    free(l->host);
    free(l->physnet);
    free(l->vtep);
    free(l->port);
}

void
topo_destroy(struct topo *t)
{
    if (t) {
        for (size_t i = 0; i < t->n_links; i++) {
            link_free(&t->links[i]);
        }
        free(t->links);
        free(t);
    }
}

static struct link *
find_link(struct topo *t, const char *host, const char *physnet)
{
    for (size_t i = 0; i < t->n_links; i++) {
        struct link *l = &t->links[i];
        if (!strcmp(l->host, host) && !strcmp(l->physnet, physnet)) {
            return l;
        }
    }
    return NULL;
}

static void
set_str(char **p, const char *s)
{
    if (!*p || strcmp(*p, s)) {
        free(*p);
        *p = xstrdup(s);
    }
}

/* One neighbour heard on (vtep, port). */
struct observation {
    struct topo *t;
    const char *host, *vtep, *port;
    unsigned int ttl_s;
};

static bool
place_before(const struct link *l, const char *vtep, const char *port)
{
    int c = strcmp(vtep, l->seen_vtep);
    return c < 0 || (c == 0 && strcmp(port, l->seen_port) < 0);
}

static void
observe(void *o_, const char *physnet)
{
    struct observation *o = o_;
    struct link *l = find_link(o->t, o->host, physnet);
    if (!l) {
        struct topo *t = o->t;
        t->links = xgrow(t->links, &t->allocated_links, t->n_links + 1,
                         sizeof *t->links);
        l = &t->links[t->n_links++];
        memset(l, 0, sizeof *l);
        l->host = xstrdup(o->host);
        l->physnet = xstrdup(physnet);
    } else if (l->seen && !place_before(l, o->vtep, o->port)) {
        return;                         /* Heard on an earlier port too. */
    }
    l->seen = true;
    l->seen_vtep = o->vtep;
    l->seen_port = o->port;
    l->seen_ttl_s = o->ttl_s;
}

/* Makes what 'l' was seen on this run its place. */
static void
commit_seen(struct link *l)
{
    if (!l->vtep || strcmp(l->vtep, l->seen_vtep)
        || strcmp(l->port, l->seen_port)) {
        log_info("LLDP: host %s on %s is on %s port %s%s", l->host, l->physnet,
                 l->seen_vtep, l->seen_port, l->vtep ? " (moved)" : "");
    }
    set_str(&l->vtep, l->seen_vtep);
    set_str(&l->port, l->seen_port);
    l->ttl_s = l->seen_ttl_s;
    l->present = true;
}

/* The binding:host_id of some port of the NB? */
static bool
is_known_host(const struct ovsdb_db *nb, const char *host)
{
    return host[0] && dbrow_find_str(nb, "Port", "binding_host_id", host);
}

/* The neighbours of the ports of VTEP 'name' in its replica 'db'. */
static void
observe_vtep(struct topo *t, const struct ovsdb_db *nb,
             const struct ovsdb_db *db, const char *name)
{
    const struct ovsdb_row *ps = desired_physical_switch(db, name);
    const struct ovsdb_datum *ports = ps ? dbrow_datum(ps, "ports") : NULL;
    for (unsigned int i = 0; ports && i < ports->n; i++) {
        const struct ovsdb_row *p = dbrow_get(db, "Physical_Port",
                                              &ports->keys[i].uuid);
        const char *sys = p ? dbrow_map_str(p, "other_config",
                                            "lldp:system_name") : NULL;
        if (!sys || !is_known_host(nb, sys)) {
            continue;
        }
        const char *ttl = dbrow_map_str(p, "other_config", "lldp:ttl");
        struct observation o = {
            t, sys, name, dbrow_str(p, "name"),
            ttl ? (unsigned int) strtoul(ttl, NULL, 10) : TOPO_DEFAULT_TTL_S,
        };
        /* The NIC: its port ID (lldpd with portidsubtype ifname), else its
         * port description (lldpd's default: the interface name). */
        const char *nics[] = {
            dbrow_map_str(p, "other_config", "lldp:port_id"),
            dbrow_map_str(p, "other_config", "lldp:port_description"),
        };
        for (size_t k = 0; k < ARRAY_SIZE(nics); k++) {
            if (nics[k] && topo_mappings_lookup(t->mappings, sys, nics[k],
                                                observe, &o)) {
                break;
            }
        }
    }
}

/* Whether VTEP 'name' is in the NB with its replica unknown now. */
static bool
vtep_unknown(const struct ovsdb_db *nb, topo_vtep_db_func *vtep_db, void *aux,
             const char *name)
{
    return dbrow_find_str(nb, "VTEP", "name", name) && !vtep_db(aux, name);
}

static void
age_links(struct topo *t, const struct ovsdb_db *nb, topo_vtep_db_func *vtep_db,
          void *aux, long long now_ms, long long *next_ms)
{
    size_t k = 0;
    *next_ms = LLONG_MAX;
    for (size_t i = 0; i < t->n_links; i++) {
        struct link *l = &t->links[i];
        bool keep = true;
        if (l->seen) {
            commit_seen(l);
        } else if (vtep_unknown(nb, vtep_db, aux, l->vtep)) {
            /* Nothing known of its VTEP now: as it was. */
        } else if (l->present) {
            l->present = false;
            l->expires_ms = now_ms + (long long) l->ttl_s * 1000;
            log_info("LLDP: host %s is no longer heard on %s port %s: its link "
                     "on %s is kept for %u s", l->host, l->vtep, l->port,
                     l->physnet, l->ttl_s);
        } else if (now_ms >= l->expires_ms) {
            log_info("LLDP: host %s on %s: link to %s port %s expired", l->host,
                     l->physnet, l->vtep, l->port);
            keep = false;
        }
        if (keep) {
            if (!l->present && !l->seen) {
                *next_ms = MIN(*next_ms, l->expires_ms);
            }
            l->seen = false;
            t->links[k++] = *l;
        } else {
            link_free(l);
        }
    }
    t->n_links = k;
}

static json_t *
where_uuid(const struct ovsdb_row *row)
{
    char s[UUID_LEN + 1];
    uuid_to_string(ovsdb_row_get_uuid(row), s);
    return json_pack("[[ss[ss]]]", "_uuid", "==", "uuid", s);
}

bool
topo_vtep_has_chassis_id(const struct ovsdb_db *db, const char *vtep_name,
                         const char *switch_id)
{
    const struct ovsdb_row *ps = db ? desired_physical_switch(db, vtep_name) : NULL;
    const char *mine = ps ? dbrow_map_str(ps, "other_config", "lldp:chassis_id")
                          : NULL;
    char a[18], b[18];
    return (mine && desired_normalize_mac(mine, a)
            && desired_normalize_mac(switch_id, b) && !strcmp(a, b));
}

json_t *
topo_run(struct topo *t, const struct ovsdb_db *nb, topo_vtep_db_func *vtep_db,
         void *aux, long long now_ms, long long *next_ms)
{
    json_t *ops = json_array();
    const struct ovsdb_table *vteps = dbrow_table(nb, "VTEP");
    const struct ovsdb_row *row;

    /* What the VTEPs hear now. */
    if (vteps) {
        HMAP_FOR_EACH (row, hmap_node, &vteps->rows) {
            /* Only TOR ports face servers: a hypervisor VTEP's ports are
             * VM taps, whose LLDP a tenant writes. */
            const char *name = dbrow_str(row, "name");
            bool tor = !strcmp(dbrow_str(row, "role"), "tor");
            const struct ovsdb_db *db = tor && name[0] ? vtep_db(aux, name) : NULL;
            if (db) {
                observe_vtep(t, nb, db, name);
            }
        }
    }
    age_links(t, nb, vtep_db, aux, now_ms, next_ms);

    /* The NB's lldp rows follow the links. */
    bool *matched = xcalloc(t->n_links + 1, sizeof *matched);
    const struct ovsdb_table *hl = dbrow_table(nb, "Host_Link");
    if (hl) {
        HMAP_FOR_EACH (row, hmap_node, &hl->rows) {
            if (strcmp(dbrow_str(row, "source"), "lldp")) {
                continue;               /* Static: never ours. */
            }
            struct link *l = find_link(t, dbrow_str(row, "host"),
                                       dbrow_str(row, "physical_network"));
            size_t idx = l ? (size_t) (l - t->links) : 0;
            if (l && !matched[idx]) {
                matched[idx] = true;
                if (strcmp(dbrow_str(row, "vtep"), l->vtep)
                    || strcmp(dbrow_str(row, "port"), l->port)) {
                    json_array_append_new(ops, json_pack(
                        "{s:s,s:s,s:o,s:{s:s,s:s}}", "op", "update",
                        "table", "Host_Link", "where", where_uuid(row),
                        "row", "vtep", l->vtep, "port", l->port));
                }
            } else if (!l && vtep_unknown(nb, vtep_db, aux,
                                          dbrow_str(row, "vtep"))) {
                /* Written before (another seamd, a restart) for a VTEP
                 * whose replica is not here yet: left alone. */
            } else {
                json_array_append_new(ops, json_pack(
                    "{s:s,s:s,s:o}", "op", "delete", "table", "Host_Link",
                    "where", where_uuid(row)));
            }
        }
    }
    for (size_t i = 0; i < t->n_links; i++) {
        const struct link *l = &t->links[i];
        if (!matched[i]) {
            json_array_append_new(ops, json_pack(
                "{s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s}}", "op", "insert",
                "table", "Host_Link", "row", "host", l->host,
                "physical_network", l->physnet, "vtep", l->vtep,
                "port", l->port, "source", "lldp"));
        }
    }
    free(matched);
    return ops;
}
