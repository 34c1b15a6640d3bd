/* resource: what seamctl knows about each resource of seamd's API (the
 * Neutron v2.0, networking-l2gw and seam paths, JSON keys, list columns and
 * the flags that set each attribute), and the parsers of the flags' small
 * languages ("network_type=vlan,physical_network=physnet1,
 * segmentation_id=2901", "name=tor1,interface_names=p1;p2|100").
 *
 * Pure data and pure functions: no I/O.  The parsers return 0 or -EINVAL
 * and set '*errorp' to a new message (free it with free()). */
#ifndef SEAM_CLI_RESOURCE_H
#define SEAM_CLI_RESOURCE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "lib/util.h"

/* The actions a flag applies to (a bit mask). */
enum {
    RESOURCE_CREATE = 1 << 0,
    RESOURCE_UPDATE = 1 << 1,
    RESOURCE_LIST = 1 << 2,     /* A filter: ?attr=value. */
};

/* How a flag's argument becomes (part of) an attribute. */
enum resource_opt_kind {
    RESOURCE_OPT_STRING,        /* attr: "ARG". */
    RESOURCE_OPT_STRING_OR_NULL,/* attr: "ARG", or null for "none". */
    RESOURCE_OPT_INT,           /* attr: ARG as an integer. */
    RESOURCE_OPT_TRUE,          /* No argument; attr: true. */
    RESOURCE_OPT_FALSE,         /* No argument; attr: false. */
    RESOURCE_OPT_REF,           /* attr: the id of resource 'ref' ARG. */
    RESOURCE_OPT_SEGMENT,       /* Appends to "segments". */
    RESOURCE_OPT_FIXED_IP,      /* Appends to "fixed_ips". */
    RESOURCE_OPT_POOL,          /* Appends to "allocation_pools". */
    RESOURCE_OPT_PROFILE,       /* Merges KEY=VALUE or {...} into attr. */
    RESOURCE_OPT_DEVICE,        /* Appends an l2gw device to "devices". */
    RESOURCE_OPT_PROPERTY,      /* KEY=VALUE, VALUE as JSON if it parses. */
};

struct resource_opt {
    const char *flag;           /* Long option name, without "--". */
    const char *attr;           /* Attribute set or filtered. */
    enum resource_opt_kind kind;
    unsigned int actions;       /* RESOURCE_CREATE | ... */
    const char *metavar;        /* NULL for flags without an argument. */
    const char *help;
    const char *ref;            /* RESOURCE_OPT_REF: the resource's command. */
};

/* A positional argument of "create". */
struct resource_arg {
    const char *metavar;
    const char *attr;
    const char *ref;            /* Resolve a name to this resource's id. */
    bool optional;
};

struct resource_column {
    const char *attr;
    const char *header;
};

struct resource {
    const char *command;        /* "network", as typed. */
    const char *title;          /* "network", in messages. */
    const char *path;           /* "/v2.0/networks" */
    const char *singular;       /* JSON key of one: "network". */
    const char *plural;         /* JSON key of a list: "networks". */
    const char *name_attr;      /* Attribute to find by name, or NULL. */
    const char *help;           /* One line. */
    const struct resource_arg *create_args;   /* Ends with metavar NULL. */
    const struct resource_column *columns;    /* Ends with attr NULL. */
    const struct resource_opt *opts;          /* Ends with flag NULL. */
};

/* The resources, in the order "seamctl --help" lists them, ending with a
 * resource whose command is NULL. */
extern const struct resource resources[];

/* Returns the resource typed as 'command', or NULL. */
const struct resource *resource_find(const char *command);

/* Parses "KEY=VALUE,KEY=VALUE" into a new JSON object of strings (free it
 * with json_decref()); '-' in keys become '_'.  Returns 0 or -EINVAL. */
int resource_parse_kv(const char *text, json_t **objectp,
                      char **errorp) WARN_UNUSED;

/* Parses a segment: "TYPE", "TYPE:ID", "TYPE:PHYSNET:ID", "TYPE:PHYSNET" or
 * "network_type=T,physical_network=P,segmentation_id=N" into a new JSON
 * object with provider:* keys, as Neutron's multi-provider "segments"
 * want them. */
int resource_parse_segment(const char *text, json_t **segmentp,
                           char **errorp) WARN_UNUSED;

/* Parses an L2 gateway device as networking-l2gw's CLI does:
 * "name=NAME,interface_names=IF1[|SEG1[#SEG2]];IF2..." into a new
 * {"device_name", "interfaces": [{"name", "segmentation_id": [...]}]}. */
int resource_parse_device(const char *text, json_t **devicep,
                          char **errorp) WARN_UNUSED;

/* Parses a VLAN or VNI given on the command line: returns true and sets
 * '*valuep' if 'text' is a decimal integer (range checks are the server's,
 * so its messages are the ones a user sees). */
bool resource_parse_int(const char *text, long long *valuep);

#endif /* resource.h */
