/* vtep options: seam-vtep's settings from a configuration file and the
 * command line (see options.h). */
#include "vtep/options.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ds.h"
#include "lib/log.h"

enum setting_id {
    S_CONFIG, S_NAME, S_TUNNEL_IP, S_PORT, S_PORT_MATCH, S_MODE, S_VXLAN_PORT, S_TUNNEL_MTU,
    S_MAC_AGING, S_MAX_MACS, S_TUNNEL_TX, S_LLDP_INTERVAL, S_LLDP_HOLD, S_DB, S_SCHEMA, S_REMOTE, S_DB_REMOTE,
    S_MANAGER, S_PRIVATE_KEY, S_CERTIFICATE, S_CA_CERT, S_PIDFILE, S_UNIXCTL, S_LOG_FILE,
    S_LOG_LEVEL, S_DEBUG, S_HELP, S_VERSION,
};

struct setting {
    const char *name;
    enum setting_id id;
    bool has_value;                     /* Else a flag. */
    bool in_file;                       /* Allowed in a configuration file. */
    int short_opt;                      /* 0: none. */
};

static const struct setting settings[] = {
    { "config", S_CONFIG, true, false, 0 },
    { "name", S_NAME, true, true, 0 },
    { "tunnel-ip", S_TUNNEL_IP, true, true, 0 },
    { "port", S_PORT, true, true, 0 },
    { "port-match", S_PORT_MATCH, true, true, 0 },
    { "mode", S_MODE, true, true, 0 },
    { "vxlan-port", S_VXLAN_PORT, true, true, 0 },
    { "tunnel-mtu", S_TUNNEL_MTU, true, true, 0 },
    { "mac-aging", S_MAC_AGING, true, true, 0 },
    { "max-macs", S_MAX_MACS, true, true, 0 },
    { "tunnel-tx", S_TUNNEL_TX, true, true, 0 },
    { "lldp-interval", S_LLDP_INTERVAL, true, true, 0 },
    { "lldp-hold", S_LLDP_HOLD, true, true, 0 },
    { "db", S_DB, true, true, 0 },
    { "schema", S_SCHEMA, true, true, 0 },
    { "remote", S_REMOTE, true, true, 0 },
    { "db-remote", S_DB_REMOTE, true, true, 0 },
    { "manager", S_MANAGER, true, true, 0 },
    { "private-key", S_PRIVATE_KEY, true, true, 0 },
    { "certificate", S_CERTIFICATE, true, true, 0 },
    { "ca-cert", S_CA_CERT, true, true, 0 },
    { "pidfile", S_PIDFILE, true, true, 0 },
    { "unixctl", S_UNIXCTL, true, true, 0 },
    { "log-file", S_LOG_FILE, true, true, 0 },
    { "log-level", S_LOG_LEVEL, true, true, 0 },
    { "debug", S_DEBUG, true, true, 'd' },
    { "help", S_HELP, false, false, 'h' },
    { "version", S_VERSION, false, false, 'V' },
};

static const struct setting *
find_setting(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
        if (!strcmp(settings[i].name, name)) {
            return &settings[i];
        }
    }
    return NULL;
}

void
vtep_options_init(struct vtep_options *o, const char *default_schema)
{
    memset(o, 0, sizeof *o);
    o->mode = "tor";
    o->vxlan_port = 4789;
    o->tunnel_mtu = 1500;
    o->mac_aging_s = 300;
    o->max_macs = 65536;
    o->lldp_interval_s = 30;
    o->lldp_hold = 4;
    o->schema = default_schema ? xstrdup(default_schema) : NULL;
    o->log_level = -1;
}

static void
free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i]);
    }
    free(s);
}

void
vtep_options_destroy(struct vtep_options *o)
{
    if (!o) {
        return;
    }
    free(o->config);
    free(o->name);
    free_strings(o->ports, o->n_ports);
    free_strings(o->port_matches, o->n_port_matches);
    free(o->db);
    free(o->schema);
    free(o->db_remote);
    free_strings(o->remotes, o->n_remotes);
    free_strings(o->managers, o->n_managers);
    free(o->private_key);
    free(o->certificate);
    free(o->ca_cert);
    free(o->pidfile);
    free(o->unixctl);
    free(o->log_file);
    free_strings(o->debug, o->n_debug);
    memset(o, 0, sizeof *o);
}

/* ---- values ---- */

/* Parses a decimal integer in 'min'..'max': digits only (no sign, no
 * space, no base prefix). */
static bool
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;

    if (!isdigit((unsigned char) s[0])) {
        return false;
    }
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static char *
uint_error(const char *value, unsigned long min, unsigned long max, const char *unit)
{
    return xasprintf("\"%s\" is not an integer in %lu..%lu%s%s", value, min, max,
                     unit ? " " : "", unit ? unit : "");
}

/* A unicast IPv4 address in dotted-quad form: not 0.0.0.0, 255.255.255.255
 * or multicast (224.0.0.0/4), none of which can source a tunnel. */
static char *
parse_tunnel_ip(const char *value, struct in_addr *ip)
{
    if (inet_pton(AF_INET, value, ip) != 1) {
        return xasprintf("\"%s\" is not an IPv4 address", value);
    }
    uint32_t a = ntohl(ip->s_addr);
    if (a == 0 || a == 0xffffffff || (a >> 28) == 0xe) {
        return xasprintf("\"%s\" is not a unicast IPv4 address", value);
    }
    return NULL;
}

/* An interface name the kernel could have: 1..15 bytes, none of them white
 * space or '/', and not "." or "..". */
static char *
check_ifname(const char *value)
{
    size_t len = strlen(value);
    bool ok = len > 0 && len < IFNAMSIZ && strcmp(value, ".") && strcmp(value, "..");

    for (size_t i = 0; ok && i < len; i++) {
        ok = !isspace((unsigned char) value[i]) && value[i] != '/';
    }
    return ok ? NULL : xasprintf("\"%s\" is not an interface name", value);
}

/* A remote as ovsdb-server names them (conn.h): the kinds allowed by
 * 'active' ("unix:", "tcp:", "ssl:") and 'passive' ("punix:", "ptcp:",
 * "pssl:"), with a path, a HOST:PORT or a PORT[:IP] after the prefix. */
static char *
check_remote(const char *value, bool active, bool passive)
{
    static const char *const actives[] = { "unix:", "tcp:", "ssl:" };
    static const char *const passives[] = { "punix:", "ptcp:", "pssl:" };
    const char *rest = NULL;
    bool inet = false, is_passive = false;

    for (size_t i = 0; i < 3 && !rest; i++) {
        if (active && !strncmp(value, actives[i], strlen(actives[i]))) {
            rest = value + strlen(actives[i]);
            inet = i > 0;
        } else if (passive && !strncmp(value, passives[i], strlen(passives[i]))) {
            rest = value + strlen(passives[i]);
            inet = i > 0;
            is_passive = true;
        }
    }
    if (!rest) {
        return xasprintf("\"%s\" is not a remote (%s%s%s)", value,
                         active ? "unix:PATH, tcp:IP:PORT, ssl:IP:PORT" : "",
                         active && passive ? ", " : "",
                         passive ? "punix:PATH, ptcp:PORT[:IP], pssl:PORT[:IP]" : "");
    }
    if (!*rest) {
        return xasprintf("\"%s\": nothing after the prefix", value);
    }
    if (inet) {
        unsigned long port;
        bool ok;
        if (is_passive) {
            char *p = xstrndup(rest, strcspn(rest, ":"));
            ok = parse_uint(p, 0, 65535, &port);
            free(p);
        } else {
            const char *colon = strrchr(rest, ':');
            ok = colon && colon > rest && parse_uint(colon + 1, 1, 65535, &port);
        }
        if (!ok) {
            return xasprintf("\"%s\": %s", value, is_passive
                             ? "PORT[:IP] expected after the prefix"
                             : "IP:PORT expected after the prefix");
        }
    }
    return NULL;
}

static void
set_string(char **dst, const char *value)
{
    free(*dst);
    *dst = xstrdup(value);
}

static void
append_string(char ***array, size_t *n, const char *value)
{
    *array = xrealloc(*array, (*n + 1) * sizeof **array);
    (*array)[(*n)++] = xstrdup(value);
}

static char *
apply(struct vtep_options *o, const struct setting *s, const char *value)
{
    unsigned long u;
    char *error;

    if (s->has_value && !value) {
        return xstrdup("a value is required");
    } else if (!s->has_value && value) {
        return xasprintf("takes no value (\"%s\" given)", value);
    }
    if (s->has_value && !*value) {
        return xstrdup("the value is empty");
    }

    switch (s->id) {
    case S_CONFIG: set_string(&o->config, value); break;
    case S_NAME: set_string(&o->name, value); break;
    case S_TUNNEL_IP: {
        struct in_addr ip;
        error = parse_tunnel_ip(value, &ip);
        if (error) {
            return error;
        }
        o->tunnel_ip = ip;
        o->has_tunnel_ip = true;
        break;
    }
    case S_PORT:
        error = check_ifname(value);
        if (error) {
            return error;
        }
        append_string(&o->ports, &o->n_ports, value);
        break;
    case S_PORT_MATCH:
        if (!value[0] || strlen(value) > VTEP_OPTIONS_MAX_PATTERN_LEN) {
            return xasprintf("\"%s\" is not a pattern of 1..%d characters",
                             value, VTEP_OPTIONS_MAX_PATTERN_LEN);
        }
        append_string(&o->port_matches, &o->n_port_matches, value);
        break;
    case S_MODE:
        if (!strcmp(value, "tor")) {
            o->mode = "tor";
        } else if (!strcmp(value, "hypervisor")) {
            o->mode = "hypervisor";
        } else {
            return xasprintf("\"%s\" is not tor or hypervisor", value);
        }
        break;
    case S_VXLAN_PORT:
        if (!parse_uint(value, 1, 65535, &u)) {
            return uint_error(value, 1, 65535, NULL);
        }
        o->vxlan_port = (uint16_t) u;
        break;
    case S_TUNNEL_MTU:
        /* 576: the least every IPv4 host must accept (RFC 791); 65535: the
         * largest IPv4 datagram. */
        if (!parse_uint(value, 576, 65535, &u)) {
            return uint_error(value, 576, 65535, "bytes");
        }
        o->tunnel_mtu = (unsigned int) u;
        break;
    case S_MAC_AGING:
        if (!parse_uint(value, 1, VTEP_OPTIONS_MAX_MAC_AGING_S, &u)) {
            return uint_error(value, 1, VTEP_OPTIONS_MAX_MAC_AGING_S, "seconds");
        }
        o->mac_aging_s = (unsigned int) u;
        break;
    case S_LLDP_INTERVAL:
        /* 802.1AB msgTxInterval is 1..3600; 0 turns LLDP off. */
        if (!parse_uint(value, 0, 3600, &u)) {
            return uint_error(value, 0, 3600, "seconds");
        }
        o->lldp_interval_s = (unsigned int) u;
        break;
    case S_LLDP_HOLD:
        if (!parse_uint(value, 1, 100, &u)) {
            return uint_error(value, 1, 100, NULL);
        }
        o->lldp_hold = (unsigned int) u;
        break;
    case S_MAX_MACS:
        if (!parse_uint(value, 1, VTEP_OPTIONS_MAX_MACS, &u)) {
            return uint_error(value, 1, VTEP_OPTIONS_MAX_MACS, NULL);
        }
        o->max_macs = (uint32_t) u;
        break;
    case S_TUNNEL_TX:
        if (!strcmp(value, "direct")) {
            o->routed_tx = false;
        } else if (!strcmp(value, "routed")) {
            o->routed_tx = true;
        } else {
            return xasprintf("\"%s\" is not direct or routed", value);
        }
        break;
    case S_DB: set_string(&o->db, value); break;
    case S_SCHEMA: set_string(&o->schema, value); break;
    case S_REMOTE:
        error = check_remote(value, true, true);
        if (error) {
            return error;
        }
        append_string(&o->remotes, &o->n_remotes, value);
        break;
    case S_DB_REMOTE:
        error = check_remote(value, true, false);
        if (error) {
            return error;
        }
        set_string(&o->db_remote, value);
        break;
    case S_MANAGER:
        error = check_remote(value, true, true);
        if (error) {
            return error;
        }
        append_string(&o->managers, &o->n_managers, value);
        break;
    case S_PRIVATE_KEY: set_string(&o->private_key, value); break;
    case S_CERTIFICATE: set_string(&o->certificate, value); break;
    case S_CA_CERT: set_string(&o->ca_cert, value); break;
    case S_PIDFILE: set_string(&o->pidfile, value); break;
    case S_UNIXCTL: set_string(&o->unixctl, value); break;
    case S_LOG_FILE: set_string(&o->log_file, value); break;
    case S_LOG_LEVEL: {
        int level = log_level_from_string(value);
        if (level < 0) {
            return xasprintf("\"%s\" is not a log level (err, warn, info, debug, off)",
                             value);
        }
        o->log_level = level;
        break;
    }
    case S_DEBUG: append_string(&o->debug, &o->n_debug, value); break;
    case S_HELP: o->help = true; break;
    case S_VERSION: o->version = true; break;
    }
    return NULL;
}

char *
vtep_options_set(struct vtep_options *o, const char *name, const char *value)
{
    const struct setting *s = find_setting(name);
    if (!s) {
        return xasprintf("unknown setting \"%s\"", name);
    }
    return apply(o, s, value);
}

/* ---- the file ---- */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Applies one line ('len' bytes, no '\n'); NULL or a message without the
 * position. */
static char *
parse_line(struct vtep_options *o, const char *line, size_t len)
{
    if (memchr(line, '\0', len)) {
        return xstrdup("NUL byte in the line");
    }
    /* Cut the comment: '#' at the start or after white space. */
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) {
            len = i;
            break;
        }
    }
    while (len && is_blank(line[len - 1])) {
        len--;
    }
    size_t start = 0;
    while (start < len && is_blank(line[start])) {
        start++;
    }
    if (start == len) {
        return NULL;
    }
    size_t name_end = start;
    while (name_end < len && !is_blank(line[name_end])) {
        name_end++;
    }
    char *name = xstrndup(line + start, name_end - start);
    size_t v = name_end;
    while (v < len && is_blank(line[v])) {
        v++;
    }
    char *value = v < len ? xstrndup(line + v, len - v) : NULL;
    const struct setting *s = find_setting(name);
    char *error = NULL;

    if (!s || !s->in_file) {
        error = s && s->id == S_CONFIG
                ? xstrdup("\"config\" is only a command-line option (no nesting)")
                : strchr(name, '=')
                ? xasprintf("unknown setting \"%s\" (write \"name value\", no '=')",
                            name)
                : xasprintf("unknown setting \"%s\"", name);
    } else {
        char *e = apply(o, s, value);
        if (e) {
            error = xasprintf("%s: %s", name, e);
            free(e);
        }
    }
    free(name);
    free(value);
    return error;
}

char *
vtep_options_parse_text(struct vtep_options *o, const char *file_name,
                        const char *text, size_t size)
{
    size_t ofs = 0;
    unsigned int line_no = 0;

    while (ofs < size) {
        const char *nl = memchr(text + ofs, '\n', size - ofs);
        size_t len = nl ? (size_t) (nl - (text + ofs)) : size - ofs;
        line_no++;
        char *error = parse_line(o, text + ofs, len);
        if (error) {
            char *msg = xasprintf("%s:%u: %s", file_name, line_no, error);
            free(error);
            return msg;
        }
        ofs += len + (nl != NULL);
    }
    return NULL;
}

char *
vtep_options_parse_file(struct vtep_options *o, const char *file_name)
{
    FILE *f = fopen(file_name, "r");
    if (!f) {
        return xasprintf("%s: cannot read: %s", file_name, strerror(errno));
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    char *error = NULL;
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            break;
        }
        if (n > VTEP_OPTIONS_MAX_FILE_SIZE) {
            error = xasprintf("%s: cannot read: larger than %d bytes", file_name,
                              VTEP_OPTIONS_MAX_FILE_SIZE);
            break;
        }
    }
    if (!error && ferror(f)) {
        error = xasprintf("%s: cannot read: %s", file_name, strerror(errno));
    }
    fclose(f);
    if (!error) {
        error = vtep_options_parse_text(o, file_name, buf, n);
    }
    free(buf);
    return error;
}

/* ---- the command line ---- */

struct arg {
    const struct setting *s;
    const char *value;                  /* Borrowed from argv. */
};

char *
vtep_options_parse_args(struct vtep_options *o, int argc, char *argv[])
{
    struct option longopts[ARRAY_SIZE(settings) + 1];
    struct ds shortopts = DS_EMPTY_INITIALIZER;
    struct arg *args = xcalloc(argc > 0 ? (size_t) argc : 1, sizeof *args);
    size_t n_args = 0;
    const char *config = NULL;
    char *error = NULL;
    int c, idx;

    ds_put_char(&shortopts, ':');       /* ':' for a missing value. */
    for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
        const struct setting *s = &settings[i];
        longopts[i] = (struct option) {
            s->name, s->has_value ? required_argument : no_argument, NULL,
            256 + (int) i
        };
        if (s->short_opt) {
            ds_put_format(&shortopts, "%c%s", s->short_opt, s->has_value ? ":" : "");
        }
    }
    memset(&longopts[ARRAY_SIZE(settings)], 0, sizeof longopts[0]);

    optind = 0;                         /* glibc: start over, fully. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ds_cstr(&shortopts), longopts, &idx)) != -1) {
        const struct setting *s = NULL;
        if (c >= 256 && c < 256 + (int) ARRAY_SIZE(settings)) {
            s = &settings[c - 256];
        } else if (c == '?' || c == ':') {
            const char *what = optopt && optopt < 256 ? NULL : argv[optind - 1];
            char *opt = what ? xstrndup(what, strcspn(what, "="))
                             : xasprintf("-%c", optopt);
            error = c == '?' ? xasprintf("unknown option \"%s\"", opt)
                             : xasprintf("%s: a value is required", opt);
            free(opt);
            goto out;
        } else {
            for (size_t i = 0; i < ARRAY_SIZE(settings) && !s; i++) {
                s = settings[i].short_opt == c ? &settings[i] : NULL;
            }
        }
        if (!s) {
            error = xasprintf("unknown option \"-%c\"", c);
            goto out;
        }
        if (s->id == S_HELP || s->id == S_VERSION) {
            /* Nothing else matters. */
            error = apply(o, s, NULL);
            goto out;
        }
        if (s->id == S_CONFIG) {
            if (config) {
                error = xasprintf("--config given twice (\"%s\", \"%s\")", config, optarg);
                goto out;
            }
            config = optarg;
        }
        args[n_args++] = (struct arg) { s, s->has_value ? optarg : NULL };
    }
    if (optind < argc) {
        error = xasprintf("unexpected argument \"%s\"", argv[optind]);
        goto out;
    }

    if (config) {
        error = vtep_options_parse_file(o, config);
        if (error) {
            goto out;
        }
    }
    for (size_t i = 0; i < n_args; i++) {
        char *e = apply(o, args[i].s, args[i].value);
        if (e) {
            error = xasprintf("--%s: %s", args[i].s->name, e);
            free(e);
            goto out;
        }
    }

out:
    free(args);
    ds_destroy(&shortopts);
    return error;
}

char *
vtep_options_check(const struct vtep_options *o)
{
    struct ds missing = DS_EMPTY_INITIALIZER;
    char *error = NULL;

#define MISSING(TEXT) ds_put_format(&missing, "%s%s", missing.length ? ", " : "", TEXT)
    if (!o->name) {
        MISSING("--name");
    }
    if (!o->has_tunnel_ip) {
        MISSING("--tunnel-ip");
    }
    if (!o->n_ports && !o->n_port_matches) {
        MISSING("--port or --port-match (at least one)");
    }
    if (!o->db && !o->db_remote) {
        MISSING("--db or --db-remote");
    }
#undef MISSING
    if (missing.length) {
        error = xasprintf("missing %s (see --help)", ds_cstr(&missing));
    } else if (o->db && o->db_remote) {
        error = xstrdup("--db and --db-remote exclude each other");
    } else if (o->db_remote && o->n_managers) {
        error = xstrdup("--manager needs --db (an external ovsdb-server follows "
                        "its own Manager rows)");
    } else if (o->db_remote && o->n_remotes) {
        error = xstrdup("--remote needs --db (an external ovsdb-server has its "
                        "own remotes)");
    }
    ds_destroy(&missing);
    return error;
}
