/* api_segment: /v2.0/segments (Neutron's segment extension), and the
 * checks and allocation of segmentation ids that networks share: ML2's
 * type drivers for vxlan, vlan and flat.
 *
 * NB: one Segment row per segment (flat stored with segmentation_id 0);
 * Network.vni is the network's overlay VNI, from its vxlan segment or
 * allocated from the configured vni_ranges. */
#include "controller/api-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
segment_taken(struct api_ctx *ctx, const char *type, const char *physnet, long long id)
{
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Segment")) {
        if (strcmp(api_str(row, "network_type"), type)) {
            continue;
        }
        const char *p = api_opt_str(row, "physical_network");
        if (!strcmp(type, "flat")) {
            if (p && physnet && !strcmp(p, physnet)) {
                return true;
            }
        } else if (api_int(row, "segmentation_id") == id
                   && (!strcmp(type, "vxlan") || (p && physnet && !strcmp(p, physnet)))) {
            return true;
        }
    }
    if (!strcmp(type, "vxlan")) {
        API_FOR_EACH_ROW (row, api_table(ctx, "Network")) {
            if (api_int(row, "vni") == id) {
                return true;
            }
        }
    }
    return false;
}

static bool
vlan_taken(const json_t *taken, const char *physnet, long long id)
{
    char key[128];
    snprintf(key, sizeof key, "%s:%lld", physnet ? physnet : "", id);
    size_t i;
    json_t *v;
    json_array_foreach (taken, i, v) {
        if (!strcmp(json_string_value(v), key)) {
            return true;
        }
    }
    return false;
}

/* Is 'id' in 'taken' (an array of integers)? */
static bool
in_list(const json_t *taken, long long id)
{
    size_t i;
    json_t *v;
    json_array_foreach (taken, i, v) {
        if (json_integer_value(v) == id) {
            return true;
        }
    }
    return false;
}

uint32_t
api_alloc_vni(struct api_ctx *ctx, const json_t *taken)
{
    /* Collect the VNIs in use once; then take the lowest free one. */
    size_t n = 0, allocated = 0;
    long long *used = NULL;
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Network")) {
        used = xgrow(used, &allocated, n + 1, sizeof *used);
        used[n++] = api_int(row, "vni");
    }
    API_FOR_EACH_ROW (row, api_table(ctx, "Segment")) {
        if (!strcmp(api_str(row, "network_type"), "vxlan")) {
            used = xgrow(used, &allocated, n + 1, sizeof *used);
            used[n++] = api_int(row, "segmentation_id");
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach (taken, i, v) {
        used = xgrow(used, &allocated, n + 1, sizeof *used);
        used[n++] = json_integer_value(v);
    }
    if (n) {
        qsort(used, n, sizeof *used, api_compare_ll);
    }
    uint32_t vni = 0;
    for (size_t r = 0; r < ctx->cfg->n_vni_ranges && !vni; r++) {
        long long cand = ctx->cfg->vni_ranges[r].min;
        for (size_t k = 0; k < n && cand <= ctx->cfg->vni_ranges[r].max; k++) {
            if (used[k] == cand) {
                cand++;
            } else if (used[k] > cand) {
                break;
            }
        }
        if (cand <= ctx->cfg->vni_ranges[r].max) {
            vni = cand;
        }
    }
    free(used);
    return vni;
}

static long long
alloc_vlan(struct api_ctx *ctx, const struct api_physnet *pn, const json_t *taken)
{
    if (!pn->has_range) {
        return -1;
    }
    for (long long v = pn->range.min; v <= pn->range.max; v++) {
        if (!segment_taken(ctx, "vlan", pn->name, v) && !vlan_taken(taken, pn->name, v)) {
            return v;
        }
    }
    return -1;
}

static const struct api_physnet *
find_physnet(const struct api_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->cfg->n_physnets; i++) {
        if (!strcmp(ctx->cfg->physnets[i].name, name)) {
            return &ctx->cfg->physnets[i];
        }
    }
    return NULL;
}

/* ML2's type drivers: validate_provider_segment() then reserve. */
bool
api_segment_validate(struct api_ctx *ctx, const char *type, const char *physnet,
                     long long *seg_id, bool for_network)
{
    const char *what = for_network ? "network" : "segment";
    if (!strcmp(type, "vxlan")) {
        if (physnet) {
            return api_invalid(ctx, "provider:physical_network specified for "
                               "vxlan network");
        }
        if (*seg_id >= 0) {
            if (*seg_id < 1 || *seg_id > 16777215) {
                return api_invalid(ctx, "segmentation_id out of range (1 through "
                                   "16777215)");
            }
            if (segment_taken(ctx, "vxlan", NULL, *seg_id)) {
                return api_error(ctx, 409, "TunnelIdInUse", "Unable to create the "
                                 "%s. The tunnel ID %lld is in use.", what, *seg_id);
            }
        }
        return true;
    }
    if (!strcmp(type, "vlan")) {
        if (!physnet) {
            if (*seg_id >= 0) {
                return api_invalid(ctx, "segmentation_id requires physical_network "
                                   "for VLAN provider network");
            }
            return true;
        }
        if (!find_physnet(ctx, physnet)) {
            return api_invalid(ctx, "physical_network '%s' unknown for VLAN "
                               "provider network", physnet);
        }
        if (*seg_id >= 0) {
            if (*seg_id < 1 || *seg_id > 4094) {
                return api_invalid(ctx, "segmentation_id out of range (1 through "
                                   "4094)");
            }
            if (segment_taken(ctx, "vlan", physnet, *seg_id)) {
                return api_error(ctx, 409, "VlanIdInUse", "Unable to create the %s. "
                                 "The VLAN %lld on physical network %s is in use.",
                                 what, *seg_id, physnet);
            }
        }
        return true;
    }
    if (!strcmp(type, "flat")) {
        if (!physnet) {
            return api_invalid(ctx, "physical_network required for flat provider "
                               "network");
        }
        if (*seg_id > 0) {
            return api_invalid(ctx, "segmentation_id specified for flat provider "
                               "network");
        }
        if (segment_taken(ctx, "flat", physnet, 0)) {
            return api_error(ctx, 409, "FlatNetworkInUse", "Unable to create the "
                             "flat network. Physical network %s is in use.", physnet);
        }
        *seg_id = 0;
        return true;
    }
    return api_invalid(ctx, "network_type value '%s' not supported", type);
}

/* Fills in an absent VLAN (and physnet) of a vlan segment from the
 * configured ranges, avoiding 'taken'.  Returns false after an error. */
static bool
alloc_vlan_segment(struct api_ctx *ctx, const char **physnet, long long *seg_id,
                   const json_t *taken)
{
    for (size_t i = 0; i < ctx->cfg->n_physnets; i++) {
        const struct api_physnet *pn = &ctx->cfg->physnets[i];
        if (*physnet && strcmp(*physnet, pn->name)) {
            continue;
        }
        long long v = alloc_vlan(ctx, pn, taken);
        if (v > 0) {
            *physnet = pn->name;
            *seg_id = v;
            return true;
        }
    }
    return api_error(ctx, 503, "NoNetworkAvailable", "Unable to create the network. "
                     "No tenant network is available for allocation.");
}

int
api_compare_ll(const void *a_, const void *b_)
{
    long long a = *(const long long *) a_, b = *(const long long *) b_;
    return a < b ? -1 : a > b;
}

/* Parses one segment's provider attributes ('prefix' "provider:" for a
 * network, "" for /v2.0/segments) into a new [type, physnet|null, id]
 * array after checking them, allocating what is absent.  'taken_vxlan' and
 * 'taken_vlan' are what earlier segments of the same request hold. */
json_t *
api_segment_parse(struct api_ctx *ctx, const json_t *attrs, const char *prefix,
                  bool for_network, json_t *taken_vxlan, json_t *taken_vlan)
{
    char k_type[64], k_phys[64], k_seg[64];
    snprintf(k_type, sizeof k_type, "%snetwork_type", prefix);
    snprintf(k_phys, sizeof k_phys, "%sphysical_network", prefix);
    snprintf(k_seg, sizeof k_seg, "%ssegmentation_id", prefix);

    const json_t *jtype = json_object_get(attrs, k_type);
    const json_t *jphys = json_object_get(attrs, k_phys);
    const json_t *jseg = json_object_get(attrs, k_seg);
    long long seg_id = -1;

    if (jtype && !json_is_null(jtype) && !json_is_string(jtype)) {
        char *s = api_pystr(jtype);
        api_invalid(ctx, "network_type value '%s' not supported", s);
        free(s);
        return NULL;
    }
    if (jphys && !json_is_null(jphys) && !json_is_string(jphys)) {
        char *s = api_pystr(jphys);
        api_bad_attr(ctx, k_phys, "'%s' is not a valid string", s);
        free(s);
        return NULL;
    }
    if (jseg && !json_is_null(jseg) && !api_to_int(ctx, k_seg, jseg, &seg_id)) {
        return NULL;
    }
    if (jseg && !json_is_null(jseg) && seg_id < 0) {
        seg_id = -2;            /* Given and negative: out of range below. */
    }
    const char *type = json_string_value(jtype);
    const char *physnet = json_string_value(jphys);
    if (physnet && !*physnet) {
        physnet = NULL;
    }
    if (!type) {
        return api_invalid(ctx, "network_type required"), NULL;
    }
    if (seg_id == -2) {
        if (!strcmp(type, "vlan")) {
            return api_invalid(ctx, "segmentation_id out of range (1 through 4094)"),
                   NULL;
        }
        return api_invalid(ctx, "segmentation_id out of range (1 through 16777215)"),
               NULL;
    }
    if (!api_segment_validate(ctx, type, physnet, &seg_id, for_network)) {
        return NULL;
    }
    if (!strcmp(type, "vxlan")) {
        if (seg_id >= 0 && in_list(taken_vxlan, seg_id)) {
            return api_invalid(ctx, "Duplicate segment entry in request"), NULL;
        }
        if (seg_id < 0) {
            seg_id = api_alloc_vni(ctx, taken_vxlan);
            if (!seg_id) {
                api_error(ctx, 503, "NoNetworkAvailable", "Unable to create the "
                          "network. No tenant network is available for allocation.");
                return NULL;
            }
        }
        json_array_append_new(taken_vxlan, json_integer(seg_id));
    } else if (!strcmp(type, "vlan")) {
        if (seg_id < 0 && !alloc_vlan_segment(ctx, &physnet, &seg_id, taken_vlan)) {
            return NULL;
        }
        if (vlan_taken(taken_vlan, physnet, seg_id)) {
            return api_invalid(ctx, "Duplicate segment entry in request"), NULL;
        }
        json_array_append_new(taken_vlan, json_sprintf("%s:%lld", physnet, seg_id));
    } else if (!strcmp(type, "flat")) {
        if (vlan_taken(taken_vlan, physnet, 0)) {
            return api_invalid(ctx, "Duplicate segment entry in request"), NULL;
        }
        json_array_append_new(taken_vlan, json_sprintf("%s:0", physnet));
    }
    return json_pack("[s s? I]", type, physnet, (json_int_t) seg_id);
}

/* Appends the insert of a Segment row for 'seg' ([type, physnet, id]). */
void
api_segment_insert(struct api_ctx *ctx, const struct uuid *net, const json_t *seg,
                   long long index, const char *name, const char *description,
                   const struct uuid *id)
{
    const char *physnet = json_string_value(json_array_get(seg, 1));
    json_t *row = json_pack("{s:o,s:s,s:s,s:s,s:o,s:I,s:I,s:i}",
                            "network", api_uuid_json(net),
                            "name", name ? name : "",
                            "description", description ? description : "",
                            "network_type", json_string_value(json_array_get(seg, 0)),
                            "physical_network",
                            physnet ? json_string(physnet) : api_set_json(json_array()),
                            "segmentation_id",
                            (json_int_t) json_integer_value(json_array_get(seg, 2)),
                            "segment_index", (json_int_t) index,
                            "revision_number", 0);
    api_ts_now(row, ctx, true);
    struct uuid fresh;
    if (!id) {
        uuid_generate(&fresh);
        id = &fresh;
    }
    api_op_insert(ctx, "Segment", id, row);
}

static json_t *
null_if_empty(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *
segment_render(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    char net[UUID_LEN + 1] = "";
    const struct uuid *n = api_ref(row, "network");
    if (n) {
        uuid_to_string(n, net);
    }
    const char *type = api_str(row, "network_type");
    return json_pack("{s:o,s:s,s:o,s:o,s:o,s:s,s:o,s:s,s:s,s:I}",
                     "id", api_id_json(row),
                     "network_id", net,
                     "name", null_if_empty(api_str(row, "name")),
                     "description", null_if_empty(api_str(row, "description")),
                     "physical_network", null_if_empty(api_opt_str(row, "physical_network")),
                     "network_type", type,
                     "segmentation_id", !strcmp(type, "flat") ? json_null()
                     : json_integer(api_int(row, "segmentation_id")),
                     "created_at", api_str(row, "created_at"),
                     "updated_at", api_str(row, "updated_at"),
                     "revision_number", (json_int_t) api_int(row, "revision_number"));
}

static bool
segment_create(struct api_ctx *ctx, json_t *attrs, const struct uuid *id)
{
    const char *net_id = json_string_value(json_object_get(attrs, "network_id"));
    const struct ovsdb_row *net = api_find_row(ctx, "Network", net_id);
    if (!net) {
        return api_not_found(ctx, &api_network_resource, net_id);
    }
    json_t *tx = json_array(), *tv = json_array();
    json_t *seg = api_segment_parse(ctx, attrs, "", false, tx, tv);
    json_decref(tx);
    json_decref(tv);
    if (!seg) {
        return false;
    }
    /* The network's segments: index after the last; a first vxlan segment
     * gives the network its VNI. */
    long long index = 0;
    bool has_vxlan = false;
    const struct ovsdb_row *row;
    API_FOR_EACH_ROW (row, api_table(ctx, "Segment")) {
        if (api_refers(row, "network", ovsdb_row_get_uuid(net))) {
            index = MAX(index, api_int(row, "segment_index") + 1);
            has_vxlan = has_vxlan || !strcmp(api_str(row, "network_type"), "vxlan");
        }
    }
    const char *type = json_string_value(json_array_get(seg, 0));
    if (!strcmp(type, "vxlan") && has_vxlan) {
        json_decref(seg);
        return api_invalid(ctx, "network %s already has a vxlan segment; seam "
                           "gives a network one VNI", net_id);
    }
    const char *name = json_string_value(json_object_get(attrs, "name"));
    const char *descr = json_string_value(json_object_get(attrs, "description"));
    api_segment_insert(ctx, ovsdb_row_get_uuid(net), seg, index, name, descr, id);
    json_t *nrow = json_pack("{s:I,s:s}", "revision_number",
                             (json_int_t) api_int(net, "revision_number") + 1,
                             "updated_at", ctx->now);
    if (!strcmp(type, "vxlan")) {
        json_object_set_new(nrow, "vni", json_incref(json_array_get(seg, 2)));
    }
    api_op_update(ctx, "Network", ovsdb_row_get_uuid(net), nrow);
    json_decref(seg);
    return true;
}

static bool
segment_update(struct api_ctx *ctx, const struct ovsdb_row *row, json_t *attrs)
{
    json_t *u = json_object();
    const char *cols[] = { "name", "description" };
    for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
        json_t *v = json_object_get(attrs, cols[i]);
        if (v) {
            json_object_set_new(u, cols[i], json_string(json_is_string(v)
                                                        ? json_string_value(v) : ""));
        }
    }
    api_op_revise(ctx, "Segment", row, u);
    return true;
}

static bool
segment_remove(struct api_ctx *ctx, const struct ovsdb_row *row)
{
    api_op_delete(ctx, "Segment", ovsdb_row_get_uuid(row));
    return true;
}

static const struct api_attr segment_attrs[] = {
    { "id", 0, API_T_UUID },
    { "network_id", API_POST | API_REQUIRED, API_T_UUID },
    { "name", API_POST | API_PUT, API_T_STRING_NULL },
    { "description", API_POST | API_PUT, API_T_STRING_NULL },
    { "physical_network", API_POST, API_T_STRING_NULL },
    { "network_type", API_POST | API_REQUIRED, API_T_STRING },
    { "segmentation_id", API_POST, API_T_ANY },
    { "tenant_id", API_POST, API_T_STRING },
    { "project_id", API_POST, API_T_STRING },
    { "created_at", 0, API_T_ANY },
    { "updated_at", 0, API_T_ANY },
    { "revision_number", 0, API_T_ANY },
    { NULL, 0, 0 },
};

const struct api_resource api_segment_resource = {
    .collection = "segments", .member = "segment", .plural_key = "segments",
    .table = "Segment", .not_found = "SegmentNotFound", .noun = "Segment",
    .attrs = segment_attrs, .render = segment_render, .create = segment_create,
    .update = segment_update, .remove = segment_remove,
};
