/* lldp_db: LLDP neighbours as other_config keys; see lldp_db.h. */
#include "vtep/lldp_db.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/uuid.h"
#include "ovsdb/datum.h"
#include "ovsdb/db.h"
#include "ovsdb/schema.h"
#include "vtep/lldp.h"
#include "vtep/lldp_agent.h"

#define N_KEYS 6

struct kv {
    const char *key;
    char value[LLDP_ID_TEXT_MAX];
};

static const struct ovsdb_datum *
get_col(const struct ovsdb_row *row, const char *column)
{
    static const struct ovsdb_datum empty;
    const struct ovsdb_column *c
        = ovsdb_table_schema_find_column(row->table->schema, column);
    return c ? &row->fields[c->index] : &empty;
}

static const char *
get_str(const struct ovsdb_row *row, const char *column)
{
    const struct ovsdb_datum *d = get_col(row, column);
    return d->n ? d->keys[0].string : "";
}

/* The keys 'n' says, in 'kv'; returns how many. */
static size_t
neighbor_keys(const struct lldp_neighbor *n, struct kv *kv)
{
    size_t i = 0;
    if (!n) {
        return 0;
    }
    kv[i].key = LLDP_DB_PREFIX "chassis_id";
    lldp_id_format(&n->pdu.chassis, true, kv[i++].value, sizeof kv->value);
    kv[i].key = LLDP_DB_PREFIX "port_id";
    lldp_id_format(&n->pdu.port, false, kv[i++].value, sizeof kv->value);
    kv[i].key = LLDP_DB_PREFIX "ttl";
    snprintf(kv[i++].value, sizeof kv->value, "%u", n->pdu.ttl_s);
    if (n->pdu.has & LLDP_HAS_SYSTEM_NAME) {
        kv[i].key = LLDP_DB_PREFIX "system_name";
        snprintf(kv[i++].value, sizeof kv->value, "%s", n->pdu.system_name);
    }
    if (n->pdu.has & LLDP_HAS_PORT_DESCR) {
        kv[i].key = LLDP_DB_PREFIX "port_description";
        snprintf(kv[i++].value, sizeof kv->value, "%s", n->pdu.port_descr);
    }
    if (n->pdu.has & (LLDP_HAS_MGMT_IPV4 | LLDP_HAS_MGMT_IPV6)) {
        kv[i].key = LLDP_DB_PREFIX "mgmt_ip";
        if (n->pdu.has & LLDP_HAS_MGMT_IPV4) {
            inet_ntop(AF_INET, &n->pdu.mgmt_ipv4, kv[i++].value,
                      sizeof kv->value);
        } else {
            inet_ntop(AF_INET6, &n->pdu.mgmt_ipv6, kv[i++].value,
                      sizeof kv->value);
        }
    }
    return i;
}

static bool
has_prefix(const char *s)
{
    return !strncmp(s, LLDP_DB_PREFIX, strlen(LLDP_DB_PREFIX));
}

/* Whether the "lldp:" keys of map 'd' are exactly 'kv'. */
static bool
map_matches(const struct ovsdb_datum *d, const struct kv *kv, size_t n)
{
    size_t n_lldp = 0;
    for (unsigned int i = 0; i < d->n; i++) {
        if (!has_prefix(d->keys[i].string)) {
            continue;
        }
        n_lldp++;
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            found = (!strcmp(d->keys[i].string, kv[j].key)
                     && !strcmp(d->values[i].string, kv[j].value));
        }
        if (!found) {
            return false;
        }
    }
    return n_lldp == n;
}

static json_t *
where_uuid(const struct ovsdb_row *row)
{
    char s[UUID_LEN + 1];
    uuid_to_string(ovsdb_row_get_uuid(row), s);
    return json_pack("[[ss[ss]]]", "_uuid", "==", "uuid", s);
}

/* One mutate: delete every "lldp:" key 'd' has, insert 'kv'. */
static json_t *
op_replace(const char *table, const struct ovsdb_row *row,
           const struct ovsdb_datum *d, const struct kv *kv, size_t n)
{
    json_t *old = json_array(), *new = json_array();
    for (unsigned int i = 0; i < d->n; i++) {
        if (has_prefix(d->keys[i].string)) {
            json_array_append_new(old, json_string(d->keys[i].string));
        }
    }
    for (size_t j = 0; j < n; j++) {
        json_array_append_new(new, json_pack("[ss]", kv[j].key, kv[j].value));
    }
    json_t *mutations = json_array();
    if (json_array_size(old)) {
        json_array_append_new(mutations,
                              json_pack("[ss[so]]", "other_config", "delete",
                                        "set", old));
    } else {
        json_decref(old);
    }
    if (n) {
        json_array_append_new(mutations,
                              json_pack("[ss[so]]", "other_config", "insert",
                                        "map", new));
    } else {
        json_decref(new);
    }
    return json_pack("{sssssoso}", "op", "mutate", "table", table,
                     "where", where_uuid(row), "mutations", mutations);
}

json_t *
lldp_db_ops(const struct ovsdb_db *db, const char *ps_name,
            const char *chassis_id, const struct lldp_db_port *ports,
            size_t n_ports)
{
    json_t *ops = json_array();
    const struct ovsdb_table *pst = ovsdb_db_find_table(db, "Physical_Switch");
    const struct ovsdb_table *ppt = ovsdb_db_find_table(db, "Physical_Port");
    const struct ovsdb_row *ps = NULL, *row;
    if (!pst || !ppt) {
        return ops;
    }
    HMAP_FOR_EACH (row, hmap_node, &pst->rows) {
        if (!strcmp(get_str(row, "name"), ps_name)) {
            ps = row;
            break;
        }
    }
    if (!ps) {
        return ops;
    }
    if (chassis_id) {
        struct kv kv = { .key = LLDP_DB_PREFIX "chassis_id" };
        snprintf(kv.value, sizeof kv.value, "%s", chassis_id);
        const struct ovsdb_datum *oc = get_col(ps, "other_config");
        if (!map_matches(oc, &kv, 1)) {
            json_array_append_new(ops, op_replace("Physical_Switch", ps, oc,
                                                  &kv, 1));
        }
    }
    const struct ovsdb_datum *uuids = get_col(ps, "ports");
    for (unsigned int i = 0; i < uuids->n; i++) {
        const struct ovsdb_row *port = ovsdb_table_get_row(ppt,
                                                           &uuids->keys[i].uuid);
        const char *name = port ? get_str(port, "name") : NULL;
        for (size_t j = 0; name && j < n_ports; j++) {
            if (strcmp(ports[j].name, name)) {
                continue;
            }
            struct kv kv[N_KEYS];
            size_t n = neighbor_keys(ports[j].neighbor, kv);
            const struct ovsdb_datum *oc = get_col(port, "other_config");
            if (!map_matches(oc, kv, n)) {
                json_array_append_new(ops, op_replace("Physical_Port", port,
                                                      oc, kv, n));
            }
            break;
        }
    }
    return ops;
}
