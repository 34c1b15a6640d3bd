/* config: seamd's configuration, from an ML2-like INI file and command
 * line flags (flags override the file).  Every value is checked when it is
 * read; a bad one is reported with its file and line (or flag) and seamd
 * starts nothing.  See docs/seamd.md for every key.
 *
 *   [DEFAULT]          bind_host, bind_port, auth_token, ssl_cert_file,
 *                      ssl_key_file, state_dir, run_dir, nb, nb_remote,
 *                      nb_ssl_key_file, nb_ssl_cert_file, nb_ssl_ca_file,
 *                      max_body_size, pidfile, log_file, log_level
 *   [ml2_type_vxlan]   vni_ranges = 5000:6000[,A:B]
 *   [ml2_type_vlan]    network_vlan_ranges = physnet1:2900:2999[,physnet2]
 *   [seam]             base_mac, southbound_listen, southbound_ssl_key_file,
 *                      southbound_ssl_cert_file, southbound_ssl_ca_file,
 *                      default_project_id
 *   [sriov_nic]        physical_device_mappings = physnet1:ens1f0[,...]
 *                      (every host; topo.h, docs/lldp.md)
 *   [host:NAME]        physical_device_mappings: host NAME's own
 *
 * Errors: functions return 0 or -EINVAL with a new message in '*errorp'. */
#ifndef SEAM_CONTROLLER_CONFIG_H
#define SEAM_CONTROLLER_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include "controller/api.h"

struct topo_mappings;

struct seamd_config {
    char *bind_host;            /* REST listen address (127.0.0.1). */
    int bind_port;              /* REST port (9696). */
    char *auth_token;           /* NULL: no authentication. */
    char *ssl_cert_file;        /* Both set: HTTPS. */
    char *ssl_key_file;
    char *state_dir;            /* Holds the NB file (default "."). */
    char *run_dir;              /* Holds the NB socket (default state_dir). */
    char *nb;                   /* External NB remotes, comma-separated, or
                                 * NULL for the embedded database. */
    char **nb_remotes;          /* Extra listeners of the embedded NB. */
    size_t n_nb_remotes;
    char *nb_schema;            /* Path of seam_nb.ovsschema. */
    char *nb_ssl_key_file;      /* For ssl: NB remotes and pssl: listeners. */
    char *nb_ssl_cert_file;
    char *nb_ssl_ca_file;
    char **sb_listen;           /* NULL-terminated passive southbound remotes. */
    size_t n_sb_listen;
    char *sb_ssl_key_file, *sb_ssl_cert_file, *sb_ssl_ca_file;
    size_t max_body_size;       /* In bytes. */
    char *pidfile;
    char *log_file;
    char *log_level;
    char *debug;
    struct api_config api;
    struct topo_mappings *device_mappings;  /* [sriov_nic] and [host:NAME]
                                             * (topo.h), or NULL. */
};

void seamd_config_init(struct seamd_config *);
void seamd_config_destroy(struct seamd_config *);

/* Sets 'key' of 'section' from text 'value' ('where' names the file and
 * line, or the flag, for the message). */
int seamd_config_set(struct seamd_config *, const char *section, const char *key,
                     const char *value, const char *where, char **errorp);
/* Reads the INI file 'path'. */
int seamd_config_load(struct seamd_config *, const char *path, char **errorp);
/* Parses the command line: loads --config first, then applies the other
 * flags over it.  Returns 0, 1 if --help/--version printed and seamd should
 * exit 0, or -EINVAL. */
int seamd_config_parse_args(struct seamd_config *, int argc, char *argv[],
                            char **errorp);

#endif /* controller/config.h */
