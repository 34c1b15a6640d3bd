/* config: seamd's INI file and flags.  See config.h. */
#include "controller/config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "controller/ipam.h"
#include "controller/topo.h"
#include "lib/log.h"
#include "lib/util.h"

#ifndef SEAM_NB_SCHEMA
#define SEAM_NB_SCHEMA "schemas/seam_nb.ovsschema"
#endif
#define SEAM_VERSION "0.1.0"

void
seamd_config_init(struct seamd_config *c)
{
    memset(c, 0, sizeof *c);
    c->bind_host = xstrdup("127.0.0.1");
    c->bind_port = 9696;
    c->state_dir = xstrdup(".");
    c->nb_schema = xstrdup(SEAM_NB_SCHEMA);
    c->max_body_size = 1024 * 1024;
    c->sb_listen = xzalloc(sizeof *c->sb_listen);
    api_config_init(&c->api);
}

static void
free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

void
seamd_config_destroy(struct seamd_config *c)
{
    topo_mappings_destroy(c->device_mappings);
    free(c->bind_host);
    free(c->auth_token);
    free(c->ssl_cert_file);
    free(c->ssl_key_file);
    free(c->state_dir);
    free(c->run_dir);
    free(c->nb);
    free_list(c->nb_remotes, c->n_nb_remotes);
    free(c->nb_schema);
    free(c->nb_ssl_key_file);
    free(c->nb_ssl_cert_file);
    free(c->nb_ssl_ca_file);
    free_list(c->sb_listen, c->n_sb_listen);
    free(c->sb_ssl_key_file);
    free(c->sb_ssl_cert_file);
    free(c->sb_ssl_ca_file);
    free(c->pidfile);
    free(c->log_file);
    free(c->log_level);
    free(c->debug);
    api_config_destroy(&c->api);
    memset(c, 0, sizeof *c);
}

static int fail(char **errorp, const char *where, const char *fmt, ...)
    PRINTF_FMT(3, 4);

static int
fail(char **errorp, const char *where, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *msg = xvasprintf(fmt, args);
    va_end(args);
    *errorp = xasprintf("%s: %s", where, msg);
    free(msg);
    return -EINVAL;
}

static void
set_str(char **dst, const char *value)
{
    free(*dst);
    *dst = *value ? xstrdup(value) : NULL;
}

static bool
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!isdigit((unsigned char) *s)) {
        return false;
    }
    errno = 0;
    *out = strtoull(s, &end, 10);
    return !errno && !*end && *out <= max;
}

static char *
trim(char *s)
{
    while (isspace((unsigned char) *s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n && isspace((unsigned char) s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* "A:B[,C:D]" within 1..16777215. */
static int
parse_vni_ranges(struct seamd_config *c, const char *value, const char *where,
                 char **errorp)
{
    char *copy = xstrdup(value), *save = NULL;
    struct api_range *ranges = NULL;
    size_t n = 0, allocated = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        char *colon = strchr(tok, ':');
        unsigned long long a, b;
        if (!colon) {
            goto bad;
        }
        *colon = '\0';
        if (!parse_uint(trim(tok), 16777215, &a) || !parse_uint(trim(colon + 1), 16777215, &b)
            || a < 1 || a > b) {
            goto bad;
        }
        ranges = xgrow(ranges, &allocated, n + 1, sizeof *ranges);
        ranges[n++] = (struct api_range) { a, b };
    }
    if (!n) {
        goto bad;
    }
    free(copy);
    free(c->api.vni_ranges);
    c->api.vni_ranges = ranges;
    c->api.n_vni_ranges = n;
    return 0;
bad:
    free(copy);
    free(ranges);
    return fail(errorp, where, "vni_ranges \"%s\": want MIN:MAX[,MIN:MAX] with "
                "1 <= MIN <= MAX <= 16777215", value);
}

/* "physnet1:2900:2999,physnet2" with VLANs 1..4094. */
static int
parse_vlan_ranges(struct seamd_config *c, const char *value, const char *where,
                  char **errorp)
{
    char *copy = xstrdup(value), *save = NULL;
    struct api_physnet *pns = NULL;
    size_t n = 0, allocated = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        char *c1 = strchr(tok, ':');
        struct api_physnet pn = { .has_range = false };
        if (c1) {
            char *c2 = strchr(c1 + 1, ':');
            unsigned long long a, b;
            if (!c2) {
                goto bad;
            }
            *c1 = *c2 = '\0';
            if (!parse_uint(c1 + 1, 4094, &a) || !parse_uint(c2 + 1, 4094, &b)
                || a < 1 || a > b) {
                goto bad;
            }
            pn.has_range = true;
            pn.range = (struct api_range) { a, b };
        }
        if (!*tok) {
            goto bad;
        }
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(pns[i].name, tok)) {
                goto bad;
            }
        }
        pn.name = xstrdup(tok);
        pns = xgrow(pns, &allocated, n + 1, sizeof *pns);
        pns[n++] = pn;
    }
    free(copy);
    for (size_t i = 0; i < c->api.n_physnets; i++) {
        free(c->api.physnets[i].name);
    }
    free(c->api.physnets);
    c->api.physnets = pns;
    c->api.n_physnets = n;
    return 0;
bad:
    free(copy);
    for (size_t i = 0; i < n; i++) {
        free(pns[i].name);
    }
    free(pns);
    return fail(errorp, where, "network_vlan_ranges \"%s\": want PHYSNET[:MIN:MAX],... "
                "with 1 <= MIN <= MAX <= 4094, each physnet once", value);
}

static void
add_list(char ***list, size_t *n, const char *value, bool null_terminated)
{
    char *copy = xstrdup(value), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (*tok) {
            *list = xrealloc(*list, (*n + 2) * sizeof **list);
            (*list)[(*n)++] = xstrdup(tok);
            if (null_terminated) {
                (*list)[*n] = NULL;
            }
        }
    }
    free(copy);
}

int
seamd_config_set(struct seamd_config *c, const char *section, const char *key,
                 const char *value, const char *where, char **errorp)
{
    unsigned long long u;
    if (!strcmp(section, "DEFAULT")) {
        if (!strcmp(key, "bind_host")) {
            struct ipam_addr a;
            if (!ipam_addr_parse(value, &a)) {
                return fail(errorp, where, "bind_host \"%s\" is not an IP address", value);
            }
            set_str(&c->bind_host, value);
        } else if (!strcmp(key, "bind_port")) {
            if (!parse_uint(value, 65535, &u)) {
                return fail(errorp, where, "bind_port \"%s\" is not a port number", value);
            }
            c->bind_port = u;
        } else if (!strcmp(key, "auth_token")) {
            set_str(&c->auth_token, value);
        } else if (!strcmp(key, "ssl_cert_file")) {
            set_str(&c->ssl_cert_file, value);
        } else if (!strcmp(key, "ssl_key_file")) {
            set_str(&c->ssl_key_file, value);
        } else if (!strcmp(key, "state_dir")) {
            set_str(&c->state_dir, *value ? value : ".");
        } else if (!strcmp(key, "run_dir")) {
            set_str(&c->run_dir, value);
        } else if (!strcmp(key, "nb")) {
            set_str(&c->nb, value);
        } else if (!strcmp(key, "nb_remote")) {
            add_list(&c->nb_remotes, &c->n_nb_remotes, value, false);
        } else if (!strcmp(key, "nb_schema")) {
            set_str(&c->nb_schema, value);
        } else if (!strcmp(key, "nb_ssl_key_file")) {
            set_str(&c->nb_ssl_key_file, value);
        } else if (!strcmp(key, "nb_ssl_cert_file")) {
            set_str(&c->nb_ssl_cert_file, value);
        } else if (!strcmp(key, "nb_ssl_ca_file")) {
            set_str(&c->nb_ssl_ca_file, value);
        } else if (!strcmp(key, "max_body_size")) {
            if (!parse_uint(value, 1ULL << 30, &u) || u < 1024) {
                return fail(errorp, where, "max_body_size \"%s\": want bytes, 1024 to "
                            "2^30", value);
            }
            c->max_body_size = u;
        } else if (!strcmp(key, "pidfile")) {
            set_str(&c->pidfile, value);
        } else if (!strcmp(key, "log_file")) {
            set_str(&c->log_file, value);
        } else if (!strcmp(key, "log_level")) {
            if (log_level_from_string(value) < 0) {
                return fail(errorp, where, "log_level \"%s\": want err, warn, info, "
                            "debug or off", value);
            }
            set_str(&c->log_level, value);
        } else if (!strcmp(key, "debug")) {
            set_str(&c->debug, value);
        } else {
            goto unknown;
        }
    } else if (!strcmp(section, "ml2_type_vxlan")) {
        if (strcmp(key, "vni_ranges")) {
            goto unknown;
        }
        return parse_vni_ranges(c, value, where, errorp);
    } else if (!strcmp(section, "ml2_type_vlan")) {
        if (strcmp(key, "network_vlan_ranges")) {
            goto unknown;
        }
        return parse_vlan_ranges(c, value, where, errorp);
    } else if (!strcmp(section, "seam")) {
        if (!strcmp(key, "base_mac")) {
            uint8_t mac[6];
            if (!ipam_mac_parse(value, mac) || mac[0] & 1) {
                return fail(errorp, where, "base_mac \"%s\" is not a unicast MAC "
                            "address", value);
            }
            memcpy(c->api.base_mac, mac, 6);
        } else if (!strcmp(key, "southbound_listen")) {
            add_list(&c->sb_listen, &c->n_sb_listen, value, true);
        } else if (!strcmp(key, "southbound_ssl_key_file")) {
            set_str(&c->sb_ssl_key_file, value);
        } else if (!strcmp(key, "southbound_ssl_cert_file")) {
            set_str(&c->sb_ssl_cert_file, value);
        } else if (!strcmp(key, "southbound_ssl_ca_file")) {
            set_str(&c->sb_ssl_ca_file, value);
        } else if (!strcmp(key, "default_project_id")) {
            free(c->api.default_project_id);
            c->api.default_project_id = xstrdup(value);
        } else {
            goto unknown;
        }
    } else if (!strcmp(section, "sriov_nic") || !strncmp(section, "host:", 5)) {
        if (strcmp(key, "physical_device_mappings")) {
            goto unknown;
        }
        const char *host = section[0] == 'h' ? section + 5 : NULL;
        char *msg = NULL;
        if (topo_mappings_parse(&c->device_mappings, host, value, &msg)) {
            int err = fail(errorp, where, "physical_device_mappings: %s", msg);
            free(msg);
            return err;
        }
    } else {
        return fail(errorp, where, "unknown section [%s]", section);
    }
    return 0;
unknown:
    return fail(errorp, where, "unknown key \"%s\" in [%s]", key, section);
}

int
seamd_config_load(struct seamd_config *c, const char *path, char **errorp)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        *errorp = xasprintf("%s: cannot open: %s", path, strerror(errno));
        return -EINVAL;
    }
    char section[64] = "DEFAULT";
    char *line = NULL;
    size_t size = 0;
    int lineno = 0, err = 0;
    while (!err && getline(&line, &size, f) >= 0) {
        lineno++;
        char *where = xasprintf("%s:%d", path, lineno);
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') {
            /* Comment or blank. */
        } else if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end[1] || end - s - 1 >= (long) sizeof section || end == s + 1) {
                err = fail(errorp, where, "bad section header \"%s\"", s);
            } else {
                *end = '\0';
                snprintf(section, sizeof section, "%s", s + 1);
            }
        } else {
            char *eq = strchr(s, '=');
            if (!eq) {
                err = fail(errorp, where, "expected KEY = VALUE, got \"%s\"", s);
            } else {
                *eq = '\0';
                err = seamd_config_set(c, section, trim(s), trim(eq + 1), where, errorp);
            }
        }
        free(where);
    }
    free(line);
    fclose(f);
    return err;
}

static void
usage(void)
{
    printf(
"Usage: seamd [OPTIONS]\n"
"\n"
"seam's SDN controller: a Neutron v2.0 shaped REST API (networks, segments,\n"
"subnets, ports, l2-gateways, l2-gateway-connections, seam/vteps,\n"
"seam/host-links) over a northbound OVSDB database, and the reconciler that\n"
"programs every VTEP's hardware_vtep database.  See docs/seamd.md.\n"
"\n"
"  --config=FILE              ML2-like INI file (flags override it)\n"
"REST:\n"
"  --listen=IP:PORT           REST address (default 127.0.0.1:9696)\n"
"  --token=T                  require X-Auth-Token: T (default: no auth)\n"
"  --ssl-cert=FILE --ssl-key=FILE  serve HTTPS\n"
"  --max-body-size=BYTES      largest request body (default 1048576)\n"
"Northbound database:\n"
"  --state-dir=DIR            holds the embedded NB file seam_nb.db (default .)\n"
"  --run-dir=DIR              holds seamd-nb.sock (default: the state dir)\n"
"  --nb-schema=FILE           seam_nb.ovsschema (default %s)\n"
"  --nb-remote=REMOTE         also serve the embedded NB on REMOTE\n"
"                             (punix:PATH, ptcp:PORT[:IP]); repeatable\n"
"  --nb=REMOTES               use an external NB instead (comma-separated,\n"
"                             e.g. the members of a Raft cluster); several\n"
"                             seamd then share it, one active (lock \"seamd\")\n"
"  --nb-ssl-key=FILE --nb-ssl-cert=FILE --nb-ssl-ca=FILE  for ssl: NB remotes\n"
"                             and pssl: --nb-remote listeners\n"
"Allocation:\n"
"  --vni-ranges=A:B[,C:D]     VNIs for networks (default 1:16777215)\n"
"  --network-vlan-ranges=P[:A:B],...  physical networks and their VLANs\n"
"  --base-mac=MAC             base of port MACs (default fa:16:3e:00:00:00)\n"
"Southbound:\n"
"  --sb-listen=ptcp:6640[:IP] listen for VTEPs that connect in; repeatable\n"
"  --sb-ssl-key=FILE --sb-ssl-cert=FILE --sb-ssl-ca=FILE  for ssl:/pssl:\n"
"Daemon:\n"
"  --pidfile=FILE             write the process id to FILE\n"
"  --log-file=FILE            log to FILE instead of stderr\n"
"  --log-level=LEVEL          err, warn, info (default) or debug\n"
"  -d, --debug=MODULES        debug logs for MODULES (comma-separated, or all)\n"
"  -h, --help                 this help\n"
"  -V, --version              print the version\n"
"\n"
"SIGTERM or SIGINT stops seamd cleanly.\n", SEAM_NB_SCHEMA);
}

enum {
    OPT_CONFIG = 256, OPT_LISTEN, OPT_TOKEN, OPT_SSL_CERT, OPT_SSL_KEY, OPT_MAX_BODY,
    OPT_STATE_DIR, OPT_RUN_DIR, OPT_NB_SCHEMA, OPT_NB_REMOTE, OPT_NB, OPT_VNI,
    OPT_VLAN, OPT_BASE_MAC, OPT_SB_LISTEN, OPT_SB_KEY, OPT_SB_CERT, OPT_SB_CA,
    OPT_PIDFILE, OPT_LOG_FILE, OPT_LOG_LEVEL, OPT_NB_KEY, OPT_NB_CERT, OPT_NB_CA,
};

static const struct option options[] = {
    { "config", required_argument, NULL, OPT_CONFIG },
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "token", required_argument, NULL, OPT_TOKEN },
    { "ssl-cert", required_argument, NULL, OPT_SSL_CERT },
    { "ssl-key", required_argument, NULL, OPT_SSL_KEY },
    { "max-body-size", required_argument, NULL, OPT_MAX_BODY },
    { "state-dir", required_argument, NULL, OPT_STATE_DIR },
    { "run-dir", required_argument, NULL, OPT_RUN_DIR },
    { "nb-schema", required_argument, NULL, OPT_NB_SCHEMA },
    { "nb-remote", required_argument, NULL, OPT_NB_REMOTE },
    { "nb", required_argument, NULL, OPT_NB },
    { "nb-ssl-key", required_argument, NULL, OPT_NB_KEY },
    { "nb-ssl-cert", required_argument, NULL, OPT_NB_CERT },
    { "nb-ssl-ca", required_argument, NULL, OPT_NB_CA },
    { "vni-ranges", required_argument, NULL, OPT_VNI },
    { "network-vlan-ranges", required_argument, NULL, OPT_VLAN },
    { "base-mac", required_argument, NULL, OPT_BASE_MAC },
    { "sb-listen", required_argument, NULL, OPT_SB_LISTEN },
    { "sb-ssl-key", required_argument, NULL, OPT_SB_KEY },
    { "sb-ssl-cert", required_argument, NULL, OPT_SB_CERT },
    { "sb-ssl-ca", required_argument, NULL, OPT_SB_CA },
    { "pidfile", required_argument, NULL, OPT_PIDFILE },
    { "log-file", required_argument, NULL, OPT_LOG_FILE },
    { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
    { "debug", required_argument, NULL, 'd' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

/* Flag -> [section, key] for the flags that are file keys too. */
static const struct {
    int opt;
    const char *section, *key;
} flag_keys[] = {
    { OPT_TOKEN, "DEFAULT", "auth_token" },
    { OPT_SSL_CERT, "DEFAULT", "ssl_cert_file" },
    { OPT_SSL_KEY, "DEFAULT", "ssl_key_file" },
    { OPT_MAX_BODY, "DEFAULT", "max_body_size" },
    { OPT_STATE_DIR, "DEFAULT", "state_dir" },
    { OPT_RUN_DIR, "DEFAULT", "run_dir" },
    { OPT_NB_SCHEMA, "DEFAULT", "nb_schema" },
    { OPT_NB_REMOTE, "DEFAULT", "nb_remote" },
    { OPT_NB, "DEFAULT", "nb" },
    { OPT_NB_KEY, "DEFAULT", "nb_ssl_key_file" },
    { OPT_NB_CERT, "DEFAULT", "nb_ssl_cert_file" },
    { OPT_NB_CA, "DEFAULT", "nb_ssl_ca_file" },
    { OPT_VNI, "ml2_type_vxlan", "vni_ranges" },
    { OPT_VLAN, "ml2_type_vlan", "network_vlan_ranges" },
    { OPT_BASE_MAC, "seam", "base_mac" },
    { OPT_SB_LISTEN, "seam", "southbound_listen" },
    { OPT_SB_KEY, "seam", "southbound_ssl_key_file" },
    { OPT_SB_CERT, "seam", "southbound_ssl_cert_file" },
    { OPT_SB_CA, "seam", "southbound_ssl_ca_file" },
    { OPT_PIDFILE, "DEFAULT", "pidfile" },
    { OPT_LOG_FILE, "DEFAULT", "log_file" },
    { OPT_LOG_LEVEL, "DEFAULT", "log_level" },
    { 'd', "DEFAULT", "debug" },
};

int
seamd_config_parse_args(struct seamd_config *c, int argc, char *argv[], char **errorp)
{
    int opt;
    /* First pass: --config, --help, --version. */
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "d:hV", options, NULL)) != -1) {
        if (opt == 'h') {
            usage();
            return 1;
        } else if (opt == 'V') {
            printf("seamd %s\n", SEAM_VERSION);
            return 1;
        } else if (opt == OPT_CONFIG) {
            int err = seamd_config_load(c, optarg, errorp);
            if (err) {
                return err;
            }
        } else if (opt == '?') {
            *errorp = xasprintf("unknown or incomplete option \"%s\" (--help for usage)",
                                argv[optind - 1]);
            return -EINVAL;
        }
    }
    if (optind < argc) {
        *errorp = xasprintf("unexpected argument \"%s\" (--help for usage)", argv[optind]);
        return -EINVAL;
    }
    /* Second pass: the other flags override the file. */
    optind = 1;
    while ((opt = getopt_long(argc, argv, "d:hV", options, NULL)) != -1) {
        const struct option *o = NULL;
        for (const struct option *p = options; p->name; p++) {
            if (p->val == opt) {
                o = p;
            }
        }
        char *where = xasprintf("--%s", o ? o->name : "?");
        int err = 0;
        if (opt == OPT_LISTEN) {
            char *copy = xstrdup(optarg);
            char *colon = strrchr(copy, ':');
            unsigned long long port;
            if (!colon || !parse_uint(colon + 1, 65535, &port)) {
                err = fail(errorp, where, "\"%s\": want IP:PORT", optarg);
            } else {
                *colon = '\0';
                char *host = copy;
                if (*host == '[' && host[strlen(host) - 1] == ']') {
                    host[strlen(host) - 1] = '\0';
                    host++;
                }
                err = seamd_config_set(c, "DEFAULT", "bind_host", host, where, errorp);
                c->bind_port = port;
            }
            free(copy);
        } else {
            for (size_t i = 0; i < ARRAY_SIZE(flag_keys); i++) {
                if (flag_keys[i].opt == opt) {
                    err = seamd_config_set(c, flag_keys[i].section, flag_keys[i].key,
                                           optarg, where, errorp);
                }
            }
        }
        free(where);
        if (err) {
            return err;
        }
    }
    if (!c->ssl_cert_file != !c->ssl_key_file) {
        *errorp = xstrdup("HTTPS needs both ssl_cert_file and ssl_key_file");
        return -EINVAL;
    }
    if (!c->run_dir) {
        c->run_dir = xstrdup(c->state_dir);
    }
    return 0;
}
