/* api_l2gw: networking-l2gw's /v2.0/l2-gateways and
 * /v2.0/l2-gateway-connections, with its validation (validators.py and
 * l2gateway_db.py): a gateway has devices, each with interfaces, each with
 * an optional list of VLANs; VLANs in every interface or in none; the
 * connection gives the VLAN if and only if the interfaces do not; the
 * devices must exist (as seam VTEPs, by name).
 *
 * NB: L2_Gateway, one L2_Gateway_Interface row per (device, interface)
 * (a device's id is that of its first interface row), and
 * L2_Gateway_Connection. */
#include "controller/api-private.h"

#include <stdlib.h>
#include <string.h>
#include "ovsdb/datum.h"

static json_t *
l2gw_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    const struct uuid *id = ovsdb_row_get_uuid(row);
    json_t *devices = json_array();
    const struct ovsdb_row *ifc;
    API_FOR_EACH_ROW (ifc, api_table(ctx, "L2_Gateway_Interface")) {
        if (!api_refers(ifc, "gateway", id)) {
            continue;
        }
        const char *dev_name = api_str(ifc, "device_name");
        json_t *dev = NULL;
        size_t i;
        json_t *d;
        json_array_foreach (devices, i, d) {
            if (!strcmp(json_string_value(json_object_get(d, "device_name")), dev_name)) {
                dev = d;
            }
        }
        char ifc_id[UUID_LEN + 1];
        api_uuid_str(ifc, ifc_id);
        if (!dev) {
            dev = json_pack("{s:s,s:s,s:[]}", "device_name", dev_name, "id", ifc_id,
                            "interfaces");
            json_array_append_new(devices, dev);
        } else if (strcmp(ifc_id, json_string_value(json_object_get(dev, "id"))) < 0) {
            json_object_set_new(dev, "id", json_string(ifc_id));
        }
        json_t *segs = json_array();
        const struct ovsdb_datum *sd = api_datum(ifc, "segmentation_ids");
        for (unsigned int k = 0; sd && k < sd->n; k++) {
            json_array_append_new(segs, json_integer(sd->keys[k].integer));
        }
        json_array_append_new(json_object_get(dev, "interfaces"),
                              json_pack("{s:o,s:s}", "segmentation_id", segs,
                                        "name", api_str(ifc, "interface_name")));
    }
    return json_pack("{s:o,s:s,s:o,s:s,s:s}", "id", api_id_json(row),
                     "name", api_str(row, "name"), "devices", devices,
                     "tenant_id", api_str(row, "project_id"),
                     "project_id", api_str(row, "project_id"));
}

/* networking-l2gw's validate_gwdevice_list and the segmentation id
 * consistency check; on success appends the interface rows of gateway
 * 'gw'. */
static bool
insert_devices(struct api_ctx *ctx, const json_t *devices, const struct uuid *gw)
{
    if (!json_is_array(devices) || !json_array_size(devices)) {
        return api_bad_attr(ctx, "devices", "Cannot create a gateway with an empty "
                            "device list");
    }
    json_t *rows = json_array();
    int with_seg = -1;
    size_t i;
    json_t *dev;
    json_array_foreach (devices, i, dev) {
        const json_t *name = json_object_get(dev, "device_name");
        const json_t *ifcs = json_object_get(dev, "interfaces");
        if (!json_is_object(dev) || !json_is_string(name)) {
            api_bad_attr(ctx, "devices", "Cannot create a gateway with an empty "
                         "device_name");
            goto error;
        }
        if (!json_is_array(ifcs) || !json_array_size(ifcs)) {
            api_bad_attr(ctx, "devices", "Cannot create a gateway with an empty "
                         "interfaces");
            goto error;
        }
        size_t k;
        json_t *ifc;
        json_array_foreach (ifcs, k, ifc) {
            const json_t *iname = json_object_get(ifc, "name");
            const json_t *segs = json_object_get(ifc, "segmentation_id");
            if (!json_is_object(ifc) || !json_is_string(iname)) {
                api_bad_attr(ctx, "devices", "Cannot create a gateway with an empty "
                             "interface name");
                goto error;
            }
            json_t *set = json_array();
            if (segs && !json_is_array(segs)) {
                json_decref(set);
                api_bad_attr(ctx, "devices", "segmentation_id must be a list");
                goto error;
            }
            size_t s;
            json_t *seg;
            json_array_foreach (segs, s, seg) {
                long long v;
                if (!api_to_int(ctx, "segmentation_id", seg, &v)) {
                    json_decref(set);
                    goto error;
                }
                if (v < 0 || v > 4095) {
                    json_decref(set);
                    api_invalid(ctx, "Segmentation id is out of range");
                    goto error;
                }
                json_t *jv = json_integer(v);
                bool dup = false;
                size_t q;
                json_t *e;
                json_array_foreach (set, q, e) {
                    dup = dup || json_equal(e, jv);
                }
                if (!dup) {
                    json_array_append(set, jv);
                }
                json_decref(jv);
            }
            int has = json_array_size(set) > 0;
            if (with_seg >= 0 && with_seg != has) {
                json_decref(set);
                api_error(ctx, 409, "L2GatewaySegmentationRequired", "L2 gateway "
                          "segmentation id must be consistent for all the interfaces");
                goto error;
            }
            with_seg = has;
            json_array_append_new(rows, json_pack(
                "{s:o,s:s,s:s,s:o}", "gateway", api_uuid_json(gw),
                "device_name", json_string_value(name),
                "interface_name", json_string_value(iname),
                "segmentation_ids", api_set_json(set)));
        }
    }
    json_array_foreach (rows, i, dev) {
        struct uuid u;
        uuid_generate(&u);
        api_op_insert(ctx, "L2_Gateway_Interface", &u, json_incref(dev));
    }
    json_decref(rows);
    return true;

error:
    json_decref(rows);
    return false;
}

static bool
l2gw_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    const char *name = json_string_value(json_object_get(attrs, "name"));
    json_t *row = json_pack("{s:s,s:s}", "name", name ? name : "",
                            "project_id", ctx->project_id);
    api_op_insert(ctx, "L2_Gateway", id, row);
    return insert_devices(ctx, json_object_get(attrs, "devices"), id);
}

static bool
gateway_in_use(struct api_ctx *ctx, const struct ovsdb_row *gw)
{
    const struct ovsdb_row *c;
    API_FOR_EACH_ROW (c, api_table(ctx, "L2_Gateway_Connection")) {
        if (api_refers(c, "gateway", ovsdb_row_get_uuid(gw))) {
            char s[UUID_LEN + 1];
            api_uuid_str(gw, s);
            return !api_error(ctx, 409, "L2GatewayInUse", "L2 Gateway '%s' still has "
                              "active mappings with one or more neutron networks.", s);
        }
    }
    return false;
}

static void
delete_interfaces(struct api_ctx *ctx, const struct ovsdb_row *gw)
{
    const struct ovsdb_row *ifc;
    API_FOR_EACH_ROW (ifc, api_table(ctx, "L2_Gateway_Interface")) {
        if (api_refers(ifc, "gateway", ovsdb_row_get_uuid(gw))) {
            api_op_delete(ctx, "L2_Gateway_Interface", ovsdb_row_get_uuid(ifc));
        }
    }
}

static bool
l2gw_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    const json_t *name = json_object_get(attrs, "name");
    const json_t *devices = json_object_get(attrs, "devices");
    if (devices) {
        if (gateway_in_use(ctx, row)) {
            return false;
        }
        delete_interfaces(ctx, row);
        if (!insert_devices(ctx, devices, ovsdb_row_get_uuid(row))) {
            return false;
        }
    }
    if (name) {
        api_op_update(ctx, "L2_Gateway", ovsdb_row_get_uuid(row),
                      json_pack("{s:O}", "name", name));
    }
    return true;
}

static bool
l2gw_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    if (gateway_in_use(ctx, row)) {
        return false;
    }
    delete_interfaces(ctx, row);
    api_op_delete(ctx, "L2_Gateway", ovsdb_row_get_uuid(row));
    return true;
}

static const struct api_attr l2gw_attrs[] = {
    { "id", 0, API_T_UUID },
    { "name", API_POST | API_PUT, API_T_STRING },
    { "devices", API_POST | API_PUT | API_REQUIRED, API_T_ANY },
    { "tenant_id", API_POST, API_T_STRING },
    { "project_id", API_POST, API_T_STRING },
    { NULL, 0, 0 },
};

const struct api_resource api_l2gw_resource = {
    .collection = "l2-gateways", .member = "l2_gateway", .plural_key = "l2_gateways",
    .table = "L2_Gateway", .not_found = "L2GatewayNotFound", .noun = "L2 Gateway",
    .attrs = l2gw_attrs, .render = l2gw_render, .create = l2gw_create,
    .update = l2gw_update, .remove = l2gw_remove,
};

/* Connections. */

static json_t *
conn_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    char gw[UUID_LEN + 1] = "", net[UUID_LEN + 1] = "";
    const struct uuid *u;
    if ((u = api_ref(row, "gateway"))) {
        uuid_to_string(u, gw);
    }
    if ((u = api_ref(row, "network"))) {
        uuid_to_string(u, net);
    }
    json_t *obj = json_pack("{s:o,s:s,s:s,s:o,s:s,s:s}", "id", api_id_json(row),
                            "l2_gateway_id", gw, "network_id", net,
                            "segmentation_id", api_has(row, "segmentation_id")
                            ? json_integer(api_int(row, "segmentation_id")) : json_null(),
                            "tenant_id", api_str(row, "project_id"),
                            "project_id", api_str(row, "project_id"));
    const char *status = api_str(row, "status");
    if (*status) {
        json_object_set_new(obj, "seam:status", json_string(status));
    }
    const char *detail = api_str(row, "status_detail");
    if (*detail) {
        json_object_set_new(obj, "seam:status_detail", json_string(detail));
    }
    return obj;
}

/* Whether interface 'ifc' of a gateway carries VLAN 'vlan' for a
 * connection whose own segmentation_id is 'conn_seg' (-1: none): the
 * interface's segmentation_ids if it has any, else the connection's. */
static bool
ifc_carries(const struct ovsdb_row *ifc, long long conn_seg, long long vlan)
{
    const struct ovsdb_datum *d = api_datum(ifc, "segmentation_ids");
    if (!d || !d->n) {
        return conn_seg == vlan;
    }
    for (unsigned int i = 0; i < d->n; i++) {
        if (d->keys[i].integer == vlan) {
            return true;
        }
    }
    return false;
}

/* Whether interfaces 'a' (of a connection with segmentation_id 'a_seg')
 * and 'b' (of one with 'b_seg') carry a common VLAN. */
static bool
ifcs_share_vlan(const struct ovsdb_row *a, long long a_seg, const struct ovsdb_row *b,
                long long b_seg)
{
    const struct ovsdb_datum *d = api_datum(a, "segmentation_ids");
    if (!d || !d->n) {
        return a_seg >= 0 && ifc_carries(b, b_seg, a_seg);
    }
    for (unsigned int i = 0; i < d->n; i++) {
        if (ifc_carries(b, b_seg, d->keys[i].integer)) {
            return true;
        }
    }
    return false;
}

/* A connection of gateway 'gw' with segmentation_id 'seg' (-1: its
 * interfaces') would bind a VLAN on a switch port that an existing
 * connection already binds (to another network, or the same one through
 * another gateway): a VTEP port maps each VLAN to one logical switch.
 * Sets networking-l2gw's 409 L2GatewayDuplicateSegmentationID and returns
 * true if so. */
static bool
conn_vlan_taken(struct api_ctx *ctx, const struct ovsdb_row *gw, long long seg)
{
    const struct ovsdb_table *ifcs = api_table(ctx, "L2_Gateway_Interface");
    const struct ovsdb_row *mine, *c, *theirs;
    API_FOR_EACH_ROW (mine, ifcs) {
        if (!api_refers(mine, "gateway", ovsdb_row_get_uuid(gw))) {
            continue;
        }
        API_FOR_EACH_ROW (c, api_table(ctx, "L2_Gateway_Connection")) {
            const struct uuid *cgw = api_ref(c, "gateway");
            long long cseg = api_has(c, "segmentation_id")
                             ? api_int(c, "segmentation_id") : -1;
            API_FOR_EACH_ROW (theirs, ifcs) {
                if (!cgw || !api_refers(theirs, "gateway", cgw)
                    || strcmp(api_str(theirs, "device_name"), api_str(mine, "device_name"))
                    || strcmp(api_str(theirs, "interface_name"),
                              api_str(mine, "interface_name"))) {
                    continue;
                }
                if (ifcs_share_vlan(mine, seg, theirs, cseg)) {
                    char u[UUID_LEN + 1];
                    api_uuid_str(theirs, u);
                    api_error(ctx, 409, "L2GatewayDuplicateSegmentationID",
                              "Duplicate segmentation ID for the interface "
                              "name=%s uuid=%s", api_str(theirs, "interface_name"), u);
                    return true;
                }
            }
        }
    }
    return false;
}

static bool
conn_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    const char *gw_id = json_string_value(json_object_get(attrs, "l2_gateway_id"));
    const char *net_id = json_string_value(json_object_get(attrs, "network_id"));
    const json_t *jseg = json_object_get(attrs, "segmentation_id");
    long long seg = -1;

    if (jseg && !json_is_null(jseg)) {
        if (!api_to_int(ctx, "segmentation_id", jseg, &seg)) {
            return false;
        }
        if (seg < 0 || seg > 4095) {
            return api_invalid(ctx, "Segmentation id is out of range");
        }
    }
    const struct ovsdb_row *gw = api_find_row(ctx, "L2_Gateway", gw_id);
    if (!gw) {
        return api_not_found(ctx, &api_l2gw_resource, gw_id);
    }
    const struct ovsdb_row *net = api_find_row(ctx, "Network", net_id);
    if (!net) {
        return api_not_found(ctx, &api_network_resource, net_id);
    }
    bool ifc_has_seg = false;
    const struct ovsdb_row *ifc;
    API_FOR_EACH_ROW (ifc, api_table(ctx, "L2_Gateway_Interface")) {
        if (!api_refers(ifc, "gateway", ovsdb_row_get_uuid(gw))) {
            continue;
        }
        ifc_has_seg = ifc_has_seg || api_has(ifc, "segmentation_ids");
        const char *dev = api_str(ifc, "device_name");
        bool found = false;
        const struct ovsdb_row *v;
        API_FOR_EACH_ROW (v, api_table(ctx, "VTEP")) {
            found = found || !strcmp(api_str(v, "name"), dev);
        }
        if (!found) {
            return api_error(ctx, 404, "L2GatewayDeviceNotFound", "L2 Gateway Device "
                             "%s could not be found.", dev);
        }
        /* As networking-l2gw, the interface must be on the switch; seamd
         * knows only while the VTEP's session is synced (else the
         * connection's status says so once it is). */
        const char *name = api_str(ifc, "interface_name");
        if (ctx->req->port_known
            && !ctx->req->port_known(ctx->req->port_known_aux, dev, name)) {
            return api_error(ctx, 404, "L2GatewayInterfaceNotFound", "L2 Gateway "
                             "interface '%s' not found.", name);
        }
    }
    if (ifc_has_seg && seg >= 0) {
        return api_invalid(ctx, "Segmentation id is already specified in the "
                           "gateway's interfaces");
    }
    if (!ifc_has_seg && seg < 0) {
        return api_invalid(ctx, "Segmentation id must be specified in create "
                           "l2gateway connections");
    }
    const struct ovsdb_row *c;
    API_FOR_EACH_ROW (c, api_table(ctx, "L2_Gateway_Connection")) {
        if (api_refers(c, "gateway", ovsdb_row_get_uuid(gw))
            && api_refers(c, "network", ovsdb_row_get_uuid(net))) {
            return api_error(ctx, 409, "L2GatewayConnectionExists", "The connection "
                             "of network %s to l2 gateway %s exists.", net_id, gw_id);
        }
    }
    if (conn_vlan_taken(ctx, gw, seg)) {
        return false;
    }
    json_t *row = json_pack("{s:o,s:o,s:o,s:s,s:s,s:s}",
                            "gateway", api_uuid_json(ovsdb_row_get_uuid(gw)),
                            "network", api_uuid_json(ovsdb_row_get_uuid(net)),
                            "segmentation_id", seg >= 0 ? json_integer(seg)
                                                        : api_set_json(json_array()),
                            "project_id", ctx->project_id,
                            "status", "", "status_detail", "");
    api_op_insert(ctx, "L2_Gateway_Connection", id, row);
    return true;
}

static bool
conn_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    return api_error(ctx, 400, "HTTPBadRequest", "l2 gateway connections cannot be "
                     "updated");
}

static bool
conn_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    api_op_delete(ctx, "L2_Gateway_Connection", ovsdb_row_get_uuid(row));
    return true;
}

static const struct api_attr conn_attrs[] = {
    { "id", 0, API_T_UUID },
    { "l2_gateway_id", API_POST | API_REQUIRED, API_T_UUID },
    { "network_id", API_POST | API_REQUIRED, API_T_UUID },
    { "segmentation_id", API_POST, API_T_STRING_NULL },
    { "tenant_id", API_POST, API_T_STRING },
    { "project_id", API_POST, API_T_STRING },
    { NULL, 0, 0 },
};

const struct api_resource api_l2gw_conn_resource = {
    .collection = "l2-gateway-connections", .member = "l2_gateway_connection",
    .plural_key = "l2_gateway_connections", .table = "L2_Gateway_Connection",
    .not_found = "L2GatewayConnectionNotFound", .noun = "L2 Gateway Connection",
    .attrs = conn_attrs, .render = conn_render, .create = conn_create,
    .update = conn_update, .remove = conn_remove,
};
