/* vtep options: seam-vtep's settings, from a configuration file and the
 * command line, validated once here (the boundary) into plain data.
 *
 * Every setting has one name, the long option without its dashes: "--name=
 * tor1" on the command line is "name tor1" in the file.  The file has one
 * setting per line, the name and then its value after white space; '#' at
 * the start of a line or after white space begins a comment; blank lines
 * are ignored.  "--config FILE" names the file: its settings are applied
 * first, then those of the command line, so a flag overrides a single-valued
 * setting of the file (the last one wins, as with repeated flags) and the
 * repeatable ones (port, port-match, remote, manager, debug) accumulate.
 *
 * Errors are returned as messages (a new string; free it with free()), to
 * be printed after "seam-vtep: ": they name the setting and the bad value,
 * and, for the file, "FILE:LINE: ".  Nothing here logs, exits or starts
 * anything; vtep_options_parse_file() and vtep_options_parse_args() (which
 * reads the file of --config) are the only functions that do I/O. */
#ifndef SEAM_VTEP_OPTIONS_H
#define SEAM_VTEP_OPTIONS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "lib/util.h"

#define VTEP_OPTIONS_MAX_FILE_SIZE (1024 * 1024)   /* Bytes of --config. */
#define VTEP_OPTIONS_MAX_MAC_AGING_S 1000000        /* About 11.5 days. */
#define VTEP_OPTIONS_MAX_MACS (1u << 24)            /* --max-macs bound. */
#define VTEP_OPTIONS_MAX_PATTERN_LEN 64             /* --port-match length. */

/* Strings and arrays are owned by the struct (vtep_options_destroy()). */
struct vtep_options {
    char *config;                       /* --config FILE, or NULL. */

    /* The switch. */
    char *name;                         /* Physical_Switch name. */
    bool has_tunnel_ip;
    struct in_addr tunnel_ip;           /* A unicast IPv4 address. */
    char **ports;                       /* Interface names, in order. */
    size_t n_ports;
    char **port_matches;                /* --port-match fnmatch() patterns:
                                         * matching interfaces come and go
                                         * as ports. */
    size_t n_port_matches;
    const char *mode;                   /* "tor" (default) or "hypervisor";
                                         * a static string. */
    uint16_t vxlan_port;                /* 1..65535 (4789). */
    unsigned int tunnel_mtu;            /* Bytes, 576..65535 (1500). */
    unsigned int mac_aging_s;           /* Seconds, 1..1,000,000 (300). */
    uint32_t max_macs;                  /* Learned MACs, 1..2^24 (65536). */
    bool routed_tx;                     /* --tunnel-tx=routed (direct). */
    unsigned int lldp_interval_s;       /* Seconds, 0..3600 (30); 0: no
                                         * LLDP. */
    unsigned int lldp_hold;             /* TTL = interval x hold, 1..100
                                         * (4). */

    /* The database. */
    char *db;                           /* Embedded database file. */
    char *schema;                       /* For a new 'db'. */
    char *db_remote;                    /* Or an external ovsdb-server. */
    char **remotes;                     /* Listeners/dials of the server. */
    size_t n_remotes;
    char **managers;                    /* Manager targets to ensure. */
    size_t n_managers;
    char *private_key, *certificate, *ca_cert;

    /* The daemon. */
    char *pidfile;
    char *unixctl;                      /* Control socket path, or NULL. */
    char *log_file;
    int log_level;                      /* enum log_level, or -1: unset. */
    char **debug;                       /* -d MODULES, as given. */
    size_t n_debug;
    bool help, version;                 /* Command line only. */
};

/* Initializes 'o' with the defaults ('schema' is 'default_schema'). */
void vtep_options_init(struct vtep_options *o, const char *default_schema);
/* Frees what 'o' owns.  NULL is a no-op. */
void vtep_options_destroy(struct vtep_options *o);

/* Applies setting 'name' (without dashes) with 'value' (NULL for a flag
 * given without one) to 'o'.  Returns NULL, or a new message without the
 * setting's name (e.g. "\"0\" is not an integer in 1..65535"): 'o' is then
 * unchanged.  Unknown names and a missing value are errors too. */
char *vtep_options_set(struct vtep_options *o, const char *name,
                       const char *value) WARN_UNUSED;

/* Applies the settings of a configuration file whose text is 'text'
 * ('size' bytes; need not be NUL-terminated); 'file_name' is only for
 * messages.  Returns NULL, or a new message "FILE:LINE: ..." about the first
 * bad line (settings of the lines before it stay applied). */
char *vtep_options_parse_text(struct vtep_options *o, const char *file_name,
                              const char *text, size_t size) WARN_UNUSED;

/* Reads 'file_name' and applies it as vtep_options_parse_text() does.
 * Returns NULL or a new message ("FILE: cannot read: ..." for a file that
 * cannot be opened or read, or is larger than
 * VTEP_OPTIONS_MAX_FILE_SIZE). */
char *vtep_options_parse_file(struct vtep_options *o,
                              const char *file_name) WARN_UNUSED;

/* Parses the command line 'argv[0 .. argc)' (with getopt_long(), which
 * this resets first): if it has --config FILE, applies that file first,
 * then the flags in their order.  With -h or -V, only sets 'help' or
 * 'version' and reads no file.  Returns NULL or a new message (an unknown
 * option, a missing value, a bad value, a second --config, an argument
 * that is not an option, or an error of the file). */
char *vtep_options_parse_args(struct vtep_options *o, int argc,
                              char *argv[]) WARN_UNUSED;

/* Checks what the settings need together: a name, a tunnel IP, at least
 * one port or port-match and exactly one of db and db-remote; managers and remotes only
 * with db.  Returns NULL or a new message naming every missing setting or
 * the conflict. */
char *vtep_options_check(const struct vtep_options *o) WARN_UNUSED;

#endif /* vtep/options.h */
