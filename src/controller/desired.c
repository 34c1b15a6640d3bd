/* desired: see desired.h.
 *
 * desired_compute() runs in four steps, each a function: index the VTEPs,
 * index the networks (with their segments), place every port and L2 gateway
 * connection (bindings, and where each port's MAC lives), then give every
 * VTEP of a network its switch, flood list and remote MACs. */
#include "controller/desired.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "controller/dbrow.h"
#include "controller/topo.h"
#include "lib/util.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"

/* A VTEP while computing. */
struct vctx {
    struct desired_vtep *dv;
    const struct ovsdb_db *db;      /* Its replica, or NULL. */
    bool hypervisor;
    const char *host;               /* Hypervisor host it serves. */
};

/* A MAC known to be on some VTEP. */
struct located {
    char mac[18];
    const char *ip;                 /* Borrowed from the NB; "" for none. */
    struct vctx *where;
    struct desired_port *port;      /* The port it belongs to. */
};

struct segment {
    const char *type;               /* "vxlan", "vlan", "flat". */
    const char *physnet;            /* "" if none. */
    int64_t id;
    int64_t index;
};

struct net {
    struct hmap_node node;          /* By uuid. */
    struct uuid uuid;
    int64_t vni;
    struct segment *segs;
    size_t n_segs;
    struct vctx **members;          /* VTEPs touching it (unique). */
    size_t n_members, a_members;
    struct located *macs;
    size_t n_macs, a_macs;
};

struct compute {
    const struct ovsdb_db *nb;
    struct desired *d;
    struct vctx *vtx;
    size_t n_vtx;
    struct hmap nets;
};

bool
desired_normalize_mac(const char *mac, char out[18])
{
    if (strlen(mac) != 17) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        char c = mac[i];
        if (i % 3 == 2 ? c != ':' : !isxdigit((unsigned char) c)) {
            return false;
        }
        out[i] = tolower((unsigned char) c);
    }
    out[17] = '\0';
    return true;
}

static uint32_t
binding_hash(const char *port, int vlan)
{
    return hash_string(port, (uint32_t) vlan);
}

struct desired_vtep *
desired_find_vtep(const struct desired *d, const char *name)
{
    struct desired_vtep *v;
    HMAP_FOR_EACH_WITH_HASH (v, node, hash_string(name, 0), &d->vteps) {
        if (!strcmp(v->name, name)) {
            return v;
        }
    }
    return NULL;
}

struct desired_ls *
desired_find_ls(const struct desired_vtep *v, const char *name)
{
    struct desired_ls *ls;
    HMAP_FOR_EACH_WITH_HASH (ls, node, hash_string(name, 0), &v->switches) {
        if (!strcmp(ls->name, name)) {
            return ls;
        }
    }
    return NULL;
}

struct desired_mac *
desired_find_mac(const struct desired_ls *ls, const char *mac)
{
    struct desired_mac *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, hash_string(mac, 0), &ls->net->macs) {
        if (!strcmp(m->mac, mac)) {
            return m->where != ls->vtep ? m : NULL;
        }
    }
    return NULL;
}

struct desired_binding *
desired_find_binding(const struct desired_vtep *v, const char *port, int vlan)
{
    struct desired_binding *b;
    HMAP_FOR_EACH_WITH_HASH (b, node, binding_hash(port, vlan), &v->bindings) {
        if (b->vlan == vlan && !strcmp(b->port, port)) {
            return b;
        }
    }
    return NULL;
}

struct desired_port *
desired_find_port(const struct desired *d, const struct uuid *u)
{
    struct desired_port *p;
    HMAP_FOR_EACH_WITH_HASH (p, node, uuid_hash(u), &d->ports) {
        if (uuid_equals(&p->uuid, u)) {
            return p;
        }
    }
    return NULL;
}

const struct ovsdb_row *
desired_physical_switch(const struct ovsdb_db *vtep, const char *vtep_name)
{
    const struct ovsdb_table *t = dbrow_table(vtep, "Physical_Switch");
    const struct ovsdb_row *row;
    if (!t) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(dbrow_str(row, "name"), vtep_name)) {
            return row;
        }
    }
    return NULL;
}

const struct ovsdb_row *
desired_switch_port(const struct ovsdb_db *vtep, const struct ovsdb_row *ps, const char *name)
{
    const struct ovsdb_datum *ports = ps ? dbrow_datum(ps, "ports") : NULL;
    for (unsigned int i = 0; ports && i < ports->n; i++) {
        const struct ovsdb_row *p = dbrow_get(vtep, "Physical_Port", &ports->keys[i].uuid);
        if (p && !strcmp(dbrow_str(p, "name"), name)) {
            return p;
        }
    }
    return NULL;
}

const char *
desired_foreign_switch(const struct ovsdb_db *vtep, const char *vtep_name)
{
    const struct ovsdb_table *t = dbrow_table(vtep, "Physical_Switch");
    const struct ovsdb_row *row;
    const char *other = NULL;
    if (!t) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const char *name = dbrow_str(row, "name");
        if (!strcmp(name, vtep_name)) {
            return NULL;
        }
        if (!other || strcmp(name, other) < 0) {
            other = name;       /* The same one from pass to pass. */
        }
    }
    return other;
}

/* Step 1: the VTEPs. */

static void
index_vteps(struct compute *c, desired_vtep_info_func *info, void *aux)
{
    const struct ovsdb_table *t = dbrow_table(c->nb, "VTEP");
    size_t n = t ? hmap_count(&t->rows) : 0;
    const struct ovsdb_row *row;

    c->vtx = xcalloc(n ? n : 1, sizeof *c->vtx);
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const char *name = dbrow_str(row, "name");
        if (!name[0] || desired_find_vtep(c->d, name)) {
            continue;           /* The schema's index makes names unique. */
        }
        struct desired_vtep_info vi = { NULL, NULL };
        if (info) {
            info(aux, name, &vi);
        }
        struct desired_vtep *dv = xzalloc(sizeof *dv);
        dv->name = xstrdup(name);
        dv->nb_uuid = *ovsdb_row_get_uuid(row);
        hmap_init(&dv->switches);
        hmap_init(&dv->bindings);
        const char *ip = dbrow_str(row, "tunnel_ip");
        if (!ip[0] && vi.db) {
            const struct ovsdb_row *ps = desired_physical_switch(vi.db, name);
            ip = ps ? dbrow_str(ps, "tunnel_ips") : "";
        }
        if (!ip[0] && vi.tunnel_ip) {
            ip = vi.tunnel_ip;
        }
        dv->tunnel_ip = ip[0] ? xstrdup(ip) : NULL;
        hmap_insert(&c->d->vteps, &dv->node, hash_string(name, 0));

        struct vctx *v = &c->vtx[c->n_vtx++];
        v->dv = dv;
        v->db = vi.db;
        v->hypervisor = !strcmp(dbrow_str(row, "role"), "hypervisor");
        v->host = dbrow_str(row, "host");
        if (!v->host[0]) {
            v->host = dv->name;
        }
    }
}

static struct vctx *
vtep_by_name(struct compute *c, const char *name)
{
    for (size_t i = 0; i < c->n_vtx; i++) {
        if (!strcmp(c->vtx[i].dv->name, name)) {
            return &c->vtx[i];
        }
    }
    return NULL;
}

static struct vctx *
hypervisor_of(struct compute *c, const char *host)
{
    for (size_t i = 0; i < c->n_vtx; i++) {
        if (c->vtx[i].hypervisor && !strcmp(c->vtx[i].host, host)) {
            return &c->vtx[i];
        }
    }
    return NULL;
}

/* Step 2: the networks and their segments. */

static struct net *
find_net(struct compute *c, const struct uuid *u)
{
    struct net *n;
    if (!u) {
        return NULL;
    }
    HMAP_FOR_EACH_WITH_HASH (n, node, uuid_hash(u), &c->nets) {
        if (uuid_equals(&n->uuid, u)) {
            return n;
        }
    }
    return NULL;
}

static int
cmp_segment(const void *a_, const void *b_)
{
    const struct segment *a = a_, *b = b_;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void
index_networks(struct compute *c)
{
    const struct ovsdb_table *t = dbrow_table(c->nb, "Network");
    const struct ovsdb_row *row;
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            struct net *n = xzalloc(sizeof *n);
            n->uuid = *ovsdb_row_get_uuid(row);
            n->vni = dbrow_int(row, "vni", 0);
            hmap_insert(&c->nets, &n->node, uuid_hash(&n->uuid));
        }
    }
    t = dbrow_table(c->nb, "Segment");
    if (t) {
        HMAP_FOR_EACH (row, hmap_node, &t->rows) {
            struct net *n = find_net(c, dbrow_uuid(row, "network"));
            if (!n) {
                continue;
            }
            n->segs = xrealloc(n->segs, (n->n_segs + 1) * sizeof *n->segs);
            struct segment *s = &n->segs[n->n_segs++];
            s->type = dbrow_str(row, "network_type");
            s->physnet = dbrow_str(row, "physical_network");
            s->id = dbrow_int(row, "segmentation_id", 0);
            s->index = dbrow_int(row, "segment_index", 0);
        }
    }
    struct net *n;
    HMAP_FOR_EACH (n, node, &c->nets) {
        if (n->n_segs > 1) {
            qsort(n->segs, n->n_segs, sizeof *n->segs, cmp_segment);
        }
    }
}

/* The VLAN of network 'n' on physical network 'physnet', or -1. */
static int
net_vlan_on(const struct net *n, const char *physnet)
{
    for (size_t i = 0; i < n->n_segs; i++) {
        const struct segment *s = &n->segs[i];
        if (strcmp(s->type, "vxlan") && !strcmp(s->physnet, physnet)) {
            return !strcmp(s->type, "flat") ? 0 : (int) s->id;
        }
    }
    return -1;
}

/* Step 3: bindings and locations. */

static void
add_member(struct net *n, struct vctx *v)
{
    for (size_t i = 0; i < n->n_members; i++) {
        if (n->members[i] == v) {
            return;
        }
    }
    n->members = xgrow(n->members, &n->a_members, n->n_members + 1, sizeof *n->members);
    n->members[n->n_members++] = v;
}

static void
port_touches(struct desired_port *p, const char *vtep)
{
    for (size_t i = 0; i < p->n_vteps; i++) {
        if (!strcmp(p->vteps[i], vtep)) {
            return;
        }
    }
    p->vteps = xrealloc(p->vteps, (p->n_vteps + 1) * sizeof *p->vteps);
    p->vteps[p->n_vteps++] = xstrdup(vtep);
}

/* The name of the Logical_Switch that VLAN 'vlan' of port 'port' is bound
 * to on VTEP 'v' now, or NULL. */
static const char *
bound_now(const struct vctx *v, const char *port, int vlan)
{
    const struct ovsdb_row *ps = v->db ? desired_physical_switch(v->db, v->dv->name) : NULL;
    const struct ovsdb_row *p = ps ? desired_switch_port(v->db, ps, port) : NULL;
    const struct ovsdb_datum *vb = p ? dbrow_datum(p, "vlan_bindings") : NULL;
    for (unsigned int j = 0; vb && j < vb->n; j++) {
        if (vb->keys[j].integer == vlan) {
            const struct ovsdb_row *ls = dbrow_get(v->db, "Logical_Switch",
                                                   &vb->values[j].uuid);
            return ls ? dbrow_str(ls, "name") : NULL;
        }
    }
    return NULL;
}

static void
add_conflict(struct desired *d, const struct uuid *source, char *text)
{
    if (desired_conflict(d, source)) {
        free(text);             /* The first one says enough. */
        return;
    }
    d->conflicts = xrealloc(d->conflicts, (d->n_conflicts + 1) * sizeof *d->conflicts);
    d->conflicts[d->n_conflicts].source = *source;
    d->conflicts[d->n_conflicts++].text = text;
}

/* Binds VLAN 'vlan' of 'port' on 'v' to network 'n' for NB row 'source'.
 * Two networks wanting the same VLAN of a port: the one the VTEP binds it
 * to now keeps it, else the first placed; the other's source gets a
 * conflict (desired_conflict()). */
static void
add_binding(struct compute *c, struct net *n, struct vctx *v, const char *port, int vlan,
            enum desired_source_kind kind, const struct uuid *source)
{
    struct desired_vtep *dv = v->dv;
    char ls[UUID_LEN + 1];
    add_member(n, v);
    uuid_to_string(&n->uuid, ls);
    struct desired_binding *b = desired_find_binding(dv, port, vlan);
    if (b && !strcmp(b->ls, ls)) {
        return;                 /* Another port of the same network. */
    }
    if (b) {
        const char *now = bound_now(v, port, vlan);
        struct uuid loser = *source;
        if (now && !strcmp(now, ls)) {
            loser = b->source;                      /* The incumbent keeps it. */
            memcpy(b->ls, ls, sizeof b->ls);
            b->kind = kind;
            b->source = *source;
        }
        add_conflict(c->d, &loser,
                     xasprintf("VLAN %d of port %s on VTEP %s is bound to network %s "
                               "already", vlan, port, dv->name, b->ls));
        return;
    }
    b = xzalloc(sizeof *b);
    b->port = xstrdup(port);
    b->vlan = vlan;
    memcpy(b->ls, ls, sizeof b->ls);
    b->kind = kind;
    b->source = *source;
    hmap_insert(&dv->bindings, &b->node, binding_hash(port, vlan));
}

static void
add_located(struct net *n, const char *mac, const char *ip, struct vctx *where,
            struct desired_port *port)
{
    char norm[18];
    if (!desired_normalize_mac(mac, norm)) {
        return;
    }
    n->macs = xgrow(n->macs, &n->a_macs, n->n_macs + 1, sizeof *n->macs);
    struct located *l = &n->macs[n->n_macs++];
    memcpy(l->mac, norm, sizeof norm);
    l->ip = ip;
    l->where = where;
    l->port = port;
}

/* The Host_Link of ('host', 'physnet'): static wins over lldp. */
static const struct ovsdb_row *
find_host_link(const struct compute *c, const char *host, const char *physnet)
{
    const struct ovsdb_table *t = dbrow_table(c->nb, "Host_Link");
    const struct ovsdb_row *row, *best = NULL;
    if (!t) {
        return NULL;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        if (!strcmp(dbrow_str(row, "host"), host)
            && !strcmp(dbrow_str(row, "physical_network"), physnet)) {
            if (!best || !strcmp(dbrow_str(row, "source"), "static")) {
                best = row;
            }
        }
    }
    return best;
}

/* The first IPv4 address of a port's fixed_ips, or "". */
static const char *
port_ipv4(const struct ovsdb_row *port)
{
    const struct ovsdb_datum *d = dbrow_datum(port, "fixed_ips");
    for (unsigned int i = 0; d && i < d->n; i++) {
        if (strchr(d->keys[i].string, '.')) {
            return d->keys[i].string;
        }
    }
    return "";
}

static bool
is_sriov(const char *vnic)
{
    return !strcmp(vnic, "direct") || !strcmp(vnic, "macvtap")
           || !strcmp(vnic, "direct-physical");
}

static void
set_problem(struct desired_port *p, char *problem)
{
    if (!p->problem) {
        p->problem = problem;
    } else {
        free(problem);
    }
}

/* An SR-IOV port: the TOR port its host's link on the network's physical
 * network reaches, tagged with that network's VLAN there. */
static void
place_sriov(struct compute *c, struct net *n, const struct ovsdb_row *port,
            json_t *profile, struct desired_port *p)
{
    const char *host = dbrow_str(port, "binding_host_id");
    const char *want = json_string_value(json_object_get(profile, "physical_network"));
    const struct uuid *u = ovsdb_row_get_uuid(port);

    for (size_t i = 0; i < n->n_segs; i++) {
        const struct segment *s = &n->segs[i];
        if (!strcmp(s->type, "vxlan") || !s->physnet[0]
            || (want && strcmp(want, s->physnet))) {
            continue;
        }
        const struct ovsdb_row *link = find_host_link(c, host, s->physnet);
        if (!link) {
            continue;
        }
        struct vctx *v = vtep_by_name(c, dbrow_str(link, "vtep"));
        if (!v) {
            set_problem(p, xasprintf("host link of %s on %s names unknown VTEP %s",
                                     host, s->physnet, dbrow_str(link, "vtep")));
            return;
        }
        add_binding(c, n, v, dbrow_str(link, "port"), net_vlan_on(n, s->physnet),
                    DESIRED_SRC_PORT, u);
        port_touches(p, v->dv->name);
        add_located(n, dbrow_str(port, "mac_address"), port_ipv4(port), v, p);
        return;
    }
    set_problem(p, want ? xasprintf("no host link for host %s on physical network %s"
                                    " (or the network has no segment there)", host, want)
                        : xasprintf("no host link for host %s on a physical network "
                                    "of the network's segments", host));
}

/* A bare-metal port: untagged on the TOR port(s) its local_link_information
 * names. */
static void
place_baremetal(struct compute *c, struct net *n, const struct ovsdb_row *port,
                json_t *profile, struct desired_port *p)
{
    json_t *lli = json_object_get(profile, "local_link_information");
    const struct uuid *u = ovsdb_row_get_uuid(port);
    size_t i;
    json_t *link;
    bool placed = false;

    json_array_foreach (lli, i, link) {
        const char *info = json_string_value(json_object_get(link, "switch_info"));
        const char *id = json_string_value(json_object_get(link, "switch_id"));
        const char *pname = json_string_value(json_object_get(link, "port_id"));
        struct vctx *v = info ? vtep_by_name(c, info) : NULL;
        if (!v && id) {
            v = vtep_by_name(c, id);
        }
        /* Ironic's switch_id: the chassis MAC the VTEP sends in LLDP. */
        for (size_t k = 0; !v && id && k < c->n_vtx; k++) {
            if (topo_vtep_has_chassis_id(c->vtx[k].db, c->vtx[k].dv->name, id)) {
                v = &c->vtx[k];
            }
        }
        if (!v || !pname) {
            continue;
        }
        add_binding(c, n, v, pname, 0, DESIRED_SRC_PORT, u);
        port_touches(p, v->dv->name);
        if (!placed) {
            add_located(n, dbrow_str(port, "mac_address"), port_ipv4(port), v, p);
            placed = true;
        }
    }
    if (!placed) {
        set_problem(p, xstrdup("local_link_information names no known VTEP"));
    }
}

/* A VM port: untagged on its tap on the hypervisor VTEP of its host. */
static void
place_vm(struct compute *c, struct net *n, const struct ovsdb_row *port,
         struct desired_port *p)
{
    const char *host = dbrow_str(port, "binding_host_id");
    struct vctx *v = hypervisor_of(c, host);
    const struct uuid *u = ovsdb_row_get_uuid(port);
    char id[UUID_LEN + 1];

    if (!v) {
        set_problem(p, xasprintf("no hypervisor VTEP serves host %s", host));
        return;
    }
    uuid_to_string(u, id);
    char *name = xasprintf("tap%.11s", id);
    const struct ovsdb_table *t = dbrow_table(v->db, "Physical_Port");
    const struct ovsdb_row *pp;
    if (t) {
        HMAP_FOR_EACH (pp, hmap_node, &t->rows) {
            const char *iface = dbrow_map_str(pp, "other_config", "iface-id");
            if (iface && !strcmp(iface, id)) {
                free(name);
                name = xstrdup(dbrow_str(pp, "name"));
                break;
            }
        }
    }
    add_binding(c, n, v, name, 0, DESIRED_SRC_PORT, u);
    free(name);
    port_touches(p, v->dv->name);
    add_located(n, dbrow_str(port, "mac_address"), port_ipv4(port), v, p);
}

static void
place_ports(struct compute *c)
{
    const struct ovsdb_table *t = dbrow_table(c->nb, "Port");
    const struct ovsdb_row *row;
    if (!t) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        struct desired_port *p = xzalloc(sizeof *p);
        p->uuid = *ovsdb_row_get_uuid(row);
        hmap_insert(&c->d->ports, &p->node, uuid_hash(&p->uuid));

        struct net *n = find_net(c, dbrow_uuid(row, "network"));
        const char *host = dbrow_str(row, "binding_host_id");
        const char *vnic = dbrow_str(row, "binding_vnic_type");
        if (!n) {
            continue;
        }
        json_t *profile = json_loads(dbrow_str(row, "binding_profile"), 0, NULL);
        if (!strcmp(vnic, "baremetal")) {
            place_baremetal(c, n, row, profile, p);
        } else if (!host[0]) {
            set_problem(p, xstrdup("not bound to a host (binding:host_id)"));
        } else if (is_sriov(vnic)) {
            place_sriov(c, n, row, profile, p);
        } else {
            place_vm(c, n, row, p);
        }
        json_decref(profile);
    }
}

static void
place_l2gw_connections(struct compute *c)
{
    const struct ovsdb_table *conns = dbrow_table(c->nb, "L2_Gateway_Connection");
    const struct ovsdb_table *ifaces = dbrow_table(c->nb, "L2_Gateway_Interface");
    const struct ovsdb_row *conn, *iface;
    if (!conns || !ifaces) {
        return;
    }
    HMAP_FOR_EACH (conn, hmap_node, &conns->rows) {
        struct net *n = find_net(c, dbrow_uuid(conn, "network"));
        const struct uuid *gw = dbrow_uuid(conn, "gateway");
        const struct ovsdb_datum *conn_vlan = dbrow_datum(conn, "segmentation_id");
        if (!n || !gw) {
            continue;
        }
        HMAP_FOR_EACH (iface, hmap_node, &ifaces->rows) {
            const struct uuid *g = dbrow_uuid(iface, "gateway");
            struct vctx *v = vtep_by_name(c, dbrow_str(iface, "device_name"));
            if (!g || !uuid_equals(g, gw) || !v) {
                continue;
            }
            const char *pname = dbrow_str(iface, "interface_name");
            const struct ovsdb_datum *ids = dbrow_datum(iface, "segmentation_ids");
            if (conn_vlan && conn_vlan->n) {
                add_binding(c, n, v, pname, (int) conn_vlan->keys[0].integer,
                            DESIRED_SRC_L2GW_CONN, ovsdb_row_get_uuid(conn));
            } else if (ids && ids->n) {
                for (unsigned int i = 0; i < ids->n; i++) {
                    add_binding(c, n, v, pname, (int) ids->keys[i].integer,
                                DESIRED_SRC_L2GW_CONN, ovsdb_row_get_uuid(conn));
                }
            } else {
                add_binding(c, n, v, pname, 0, DESIRED_SRC_L2GW_CONN,
                            ovsdb_row_get_uuid(conn));
            }
        }
    }
}

/* Step 4: switches, flooding and remote MACs. */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmp_member(const void *a_, const void *b_)
{
    const struct vctx *a = *(struct vctx *const *) a_, *b = *(struct vctx *const *) b_;
    return strcmp(a->dv->name, b->dv->name);
}

static void
add_mac(struct desired_net *dn, const char *mac, const char *ip, const struct vctx *where)
{
    struct desired_mac *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, hash_string(mac, 0), &dn->macs) {
        if (!strcmp(m->mac, mac)) {
            return;             /* First come keeps it: NB ports first. */
        }
    }
    m = xzalloc(sizeof *m);
    memcpy(m->mac, mac, sizeof m->mac);
    m->ipaddr = xstrdup(ip ? ip : "");
    m->locator = xstrdup(where->dv->tunnel_ip);
    m->where = where->dv;
    hmap_insert(&dn->macs, &m->node, hash_string(mac, 0));
}

/* The Ucast_Macs_Local of VTEP 'v' in its switch of network 'dn'. */
static void
add_learned(struct desired_net *dn, const struct vctx *v)
{
    const struct ovsdb_row *ls = dbrow_find_str(v->db, "Logical_Switch", "name", dn->name);
    const struct ovsdb_table *t = dbrow_table(v->db, "Ucast_Macs_Local");
    const struct ovsdb_row *row;
    if (!ls || !t || !v->dv->tunnel_ip) {
        return;
    }
    HMAP_FOR_EACH (row, hmap_node, &t->rows) {
        const struct uuid *u = dbrow_uuid(row, "logical_switch");
        char mac[18];
        if (u && uuid_equals(u, ovsdb_row_get_uuid(ls))
            && desired_normalize_mac(dbrow_str(row, "MAC"), mac)) {
            add_mac(dn, mac, dbrow_str(row, "ipaddr"), v);
        }
    }
}

static uint64_t fp_strings(const char *const *s, size_t n, uint32_t basis);

static void
fingerprint_net(struct desired_net *dn)
{
    uint64_t fp = 0;
    struct desired_mac *m;
    HMAP_FOR_EACH (m, node, &dn->macs) {
        const char *row[] = { m->mac, m->ipaddr, m->locator };
        fp += fp_strings(row, 3, 5);
    }
    dn->fingerprint = fp ^ hmap_count(&dn->macs);
}

/* The network's MACs, members and tunnel IPs, once. */
static struct desired_net *
build_net(struct compute *c, struct net *n)
{
    struct desired_net *dn = xzalloc(sizeof *dn);
    uuid_to_string(&n->uuid, dn->name);
    hmap_init(&dn->macs);
    dn->members = xcalloc(n->n_members, sizeof *dn->members);
    dn->ips = xcalloc(n->n_members, sizeof *dn->ips);
    for (size_t i = 0; i < n->n_members; i++) {
        struct desired_vtep *dv = n->members[i]->dv;
        dn->members[dn->n_members++] = dv->name;
        if (dv->tunnel_ip) {
            dn->ips[dn->n_ips++] = dv->tunnel_ip;
        }
    }
    qsort(dn->ips, dn->n_ips, sizeof *dn->ips, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < dn->n_ips; i++) {
        if (!k || strcmp(dn->ips[k - 1], dn->ips[i])) {
            dn->ips[k++] = dn->ips[i];
        }
    }
    dn->n_ips = k;
    hmap_insert(&c->d->nets, &dn->node, hash_string(dn->name, 0));

    for (size_t i = 0; i < n->n_macs; i++) {
        struct located *l = &n->macs[i];
        if (l->where->dv->tunnel_ip) {
            add_mac(dn, l->mac, l->ip, l->where);
        }
        /* The port is applied once its MAC is on every VTEP of dn too. */
        l->port->net = dn;
    }
    for (size_t i = 0; i < n->n_members; i++) {
        if (n->members[i]->db) {
            add_learned(dn, n->members[i]);
        }
    }
    fingerprint_net(dn);
    return dn;
}

static void
build_switches(struct compute *c)
{
    struct net *n;
    HMAP_FOR_EACH (n, node, &c->nets) {
        if (!n->n_members) {
            continue;
        }
        qsort(n->members, n->n_members, sizeof *n->members, cmp_member);
        struct desired_net *dn = build_net(c, n);
        for (size_t i = 0; i < n->n_members; i++) {
            struct desired_vtep *dv = n->members[i]->dv;
            struct desired_ls *ls = xzalloc(sizeof *ls);
            memcpy(ls->name, dn->name, sizeof ls->name);
            ls->network = n->uuid;
            ls->tunnel_key = n->vni;
            ls->net = dn;
            ls->vtep = dv;
            ls->flood = xcalloc(dn->n_ips + 1, sizeof *ls->flood);
            for (size_t j = 0; j < dn->n_ips; j++) {
                if (!dv->tunnel_ip || strcmp(dn->ips[j], dv->tunnel_ip)) {
                    ls->flood[ls->n_flood++] = dn->ips[j];
                }
            }
            hmap_insert(&dv->switches, &ls->node, hash_string(ls->name, 0));
        }
    }
}

/* Fingerprints: the sum of a 64-bit hash of each row, so that the order of
 * the hash maps does not matter. */
static uint64_t
fp_strings(const char *const *s, size_t n, uint32_t basis)
{
    uint32_t a = basis, b = basis ^ 0x9e3779b9;
    for (size_t i = 0; i < n; i++) {
        a = hash_string(s[i] ? s[i] : "", a);
        b = hash_string(s[i] ? s[i] : "", b);
    }
    return ((uint64_t) hash_finish(a, (uint32_t) n) << 32) | hash_finish(b, (uint32_t) n);
}

static void
fingerprint_vtep(struct desired_vtep *v)
{
    struct desired_ls *ls;
    HMAP_FOR_EACH (ls, node, &v->switches) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long) ls->tunnel_key);
        const char *head[] = { ls->name, key };
        ls->fingerprint = fp_strings(head, 2, 1) + fp_strings(ls->flood, ls->n_flood, 2)
                          + ls->net->fingerprint * 0x9e3779b97f4a7c15ULL;
    }
    struct desired_binding *b;
    HMAP_FOR_EACH (b, node, &v->bindings) {
        char vlan[8];
        snprintf(vlan, sizeof vlan, "%d", b->vlan);
        const char *row[] = { b->port, vlan, b->ls };
        ls = desired_find_ls(v, b->ls);
        if (ls) {
            ls->fingerprint += fp_strings(row, 3, 4);
        }
    }
}

struct desired *
desired_compute(const struct ovsdb_db *nb, desired_vtep_info_func *info, void *aux)
{
    struct compute c = { .nb = nb };
    c.d = xzalloc(sizeof *c.d);
    hmap_init(&c.d->vteps);
    hmap_init(&c.d->ports);
    hmap_init(&c.d->nets);
    hmap_init(&c.nets);

    index_vteps(&c, info, aux);
    index_networks(&c);
    place_ports(&c);
    place_l2gw_connections(&c);
    build_switches(&c);

    struct net *n;
    HMAP_FOR_EACH_POP (n, node, &c.nets) {
        free(n->segs);
        free(n->members);
        free(n->macs);
        free(n);
    }
    hmap_destroy(&c.nets);
    free(c.vtx);
    struct desired_vtep *v;
    HMAP_FOR_EACH (v, node, &c.d->vteps) {
        fingerprint_vtep(v);
    }
    return c.d;
}

static void
ls_destroy(struct desired_ls *ls)
{
    free(ls->flood);            /* The strings are the network's. */
    free(ls);
}

static void
net_destroy(struct desired_net *dn)
{
    struct desired_mac *m;
    HMAP_FOR_EACH_POP (m, node, &dn->macs) {
        free(m->ipaddr);
        free(m->locator);
        free(m);
    }
    hmap_destroy(&dn->macs);
    free(dn->members);
    free(dn->ips);
    free(dn);
}

void
desired_destroy(struct desired *d)
{
    if (!d) {
        return;
    }
    struct desired_vtep *v;
    HMAP_FOR_EACH_POP (v, node, &d->vteps) {
        struct desired_ls *ls;
        HMAP_FOR_EACH_POP (ls, node, &v->switches) {
            ls_destroy(ls);
        }
        hmap_destroy(&v->switches);
        struct desired_binding *b;
        HMAP_FOR_EACH_POP (b, node, &v->bindings) {
            free(b->port);
            free(b);
        }
        hmap_destroy(&v->bindings);
        free(v->name);
        free(v->tunnel_ip);
        free(v);
    }
    hmap_destroy(&d->vteps);
    struct desired_port *p;
    HMAP_FOR_EACH_POP (p, node, &d->ports) {
        for (size_t i = 0; i < p->n_vteps; i++) {
            free(p->vteps[i]);
        }
        free(p->vteps);
        free(p->problem);
        free(p);
    }
    hmap_destroy(&d->ports);
    struct desired_net *dn;
    HMAP_FOR_EACH_POP (dn, node, &d->nets) {
        net_destroy(dn);
    }
    hmap_destroy(&d->nets);
    for (size_t i = 0; i < d->n_conflicts; i++) {
        free(d->conflicts[i].text);
    }
    free(d->conflicts);
    free(d);
}

const char *
desired_conflict(const struct desired *d, const struct uuid *source)
{
    for (size_t i = 0; i < d->n_conflicts; i++) {
        if (uuid_equals(&d->conflicts[i].source, source)) {
            return d->conflicts[i].text;
        }
    }
    return NULL;
}
