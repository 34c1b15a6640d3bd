/* seamctl: the command-line client of seamd's REST API.
 *
 *   seamctl [OPTIONS] RESOURCE create|list|show|update|delete [ARGS]
 *   seamctl [OPTIONS] status
 *
 * RESOURCE is one of resource.c's table (Neutron v2.0 networks, subnets,
 * ports and segments; networking-l2gw's l2-gateways and
 * l2-gateway-connections; seam's vteps and host-links).  Each command is
 * one to three blocking HTTP requests (restc.h): resolving names to IDs as
 * the openstack CLI does (GET ?name=), then the request itself.  Output is
 * a table like the openstack CLI's, the API's JSON (-f json) or bare values
 * (-f value) (output.h).
 *
 * Exit status: 0 done; 1 the server refused or found nothing (status: a
 * VTEP out of sync); 2 bad usage; 3 the server could not be reached. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/http.h>
#include "cli/output.h"
#include "cli/resource.h"
#include "cli/restc.h"
#include "lib/ds.h"
#include "lib/util.h"

#define SEAMCTL_VERSION "0.1.0"
#define SEAMCTL_DEFAULT_URL "http://127.0.0.1:9696"
#define SEAMCTL_HELP_COLUMN 30      /* Where option help text starts. */
#define SEAMCTL_HELP_WIDTH 79
#define SEAMCTL_WAIT_INTERVAL_MS 200  /* Between polls of status --wait. */

enum ctl_exit {
    CTL_EXIT_OK = 0,
    CTL_EXIT_FAIL = 1,              /* Refused, not found, not in sync. */
    CTL_EXIT_USAGE = 2,
    CTL_EXIT_UNREACHABLE = 3,
    CTL_EXIT_DONE = -1,             /* Internal: help shown, exit 0. */
};

enum ctl_action {
    CTL_CREATE,
    CTL_LIST,
    CTL_SHOW,
    CTL_UPDATE,
    CTL_DELETE,
};

static const char *const ctl_action_names[] = {
    [CTL_CREATE] = "create",
    [CTL_LIST] = "list",
    [CTL_SHOW] = "show",
    [CTL_UPDATE] = "update",
    [CTL_DELETE] = "delete",
};

/* What every command shares: the options before and after the resource,
 * and the client. */
struct ctl {
    struct restc_options restc_options;
    struct restc *restc;        /* Created once the command line is read. */
    struct output output;       /* -f and -c. */
    size_t allocated_columns;   /* Of output.columns. */
    long long wait_ms;          /* status --wait, 0: ask once. */
};

/* The options every command takes, anywhere on the line. */
enum {
    OPT_URL = 256,
    OPT_TOKEN,
    OPT_CACERT,
    OPT_INSECURE,
    OPT_TIMEOUT,
    OPT_DEBUG,
    OPT_VERSION,
    OPT_WAIT,                   /* status only. */
    OPT_RESOURCE = 1000,        /* + index in the resource's opts. */
};

static const struct option global_options[] = {
    { "url", required_argument, NULL, OPT_URL },
    { "token", required_argument, NULL, OPT_TOKEN },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "insecure", no_argument, NULL, OPT_INSECURE },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "format", required_argument, NULL, 'f' },
    { "column", required_argument, NULL, 'c' },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
};
#define GLOBAL_SHORT_OPTIONS "f:c:h"

static const struct option status_options[] = {
    { "wait", required_argument, NULL, OPT_WAIT },
};

static int ctl_error(const char *fmt, ...) PRINTF_FMT(1, 2);

static void ctl_vprint_error(const char *fmt, va_list args) PRINTF_FMT(1, 0);

/* Prints "seamctl: " and 'fmt' formatted with 'args' on stderr, without a
 * newline. */
static void
ctl_vprint_error(const char *fmt, va_list args)
{
    fputs("seamctl: ", stderr);
    vfprintf(stderr, fmt, args);
}

/* Prints "seamctl: MESSAGE" on stderr; returns CTL_EXIT_FAIL. */
static int
ctl_error(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    ctl_vprint_error(fmt, args);
    va_end(args);
    putc('\n', stderr);
    return CTL_EXIT_FAIL;
}

static int ctl_usage_error(const char *fmt, ...) PRINTF_FMT(1, 2);

static int
ctl_usage_error(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    ctl_vprint_error(fmt, args);
    va_end(args);
    fputs(" (seamctl --help for help)\n", stderr);
    return CTL_EXIT_USAGE;
}

/* --- Help. --- */

/* Prints 'text' word-wrapped from column 'indent' (the cursor being at
 * column 'at'). */
static void
ctl_print_wrapped(FILE *out, const char *text, int indent, int at)
{
    const char *p = text;

    if (at > indent) {
        putc('\n', out);
        at = 0;
    }
    fprintf(out, "%*s", indent - at, "");
    at = indent;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (at > indent && at + 1 + (int) n > SEAMCTL_HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            at = indent;
        } else if (at > indent) {
            putc(' ', out);
            at++;
        }
        fprintf(out, "%.*s", (int) n, p);
        at += n;
        p += n;
        p += strspn(p, " ");
    }
    putc('\n', out);
}

/* Prints "  NAME   HELP" with HELP wrapped from 'column'. */
static void
ctl_print_item(FILE *out, const char *name, const char *help, int column)
{
    int n = fprintf(out, "  %s", name);
    ctl_print_wrapped(out, help, column, n + 2 > column ? n + 2 : n);
}

static void
ctl_print_option(FILE *out, const char *option, const char *help)
{
    ctl_print_item(out, option, help, SEAMCTL_HELP_COLUMN);
}

static void
ctl_print_global_options(FILE *out)
{
    fprintf(out, "Options (anywhere on the command line):\n");
    ctl_print_option(out, "--url=URL", "seamd's endpoint, http://HOST:PORT "
                     "or https://HOST:PORT (default: $SEAM_URL, else "
                     SEAMCTL_DEFAULT_URL ")");
    ctl_print_option(out, "--token=TOKEN", "sent as X-Auth-Token (default: "
                     "$SEAM_TOKEN, else none)");
    ctl_print_option(out, "--cacert=FILE", "CA certificates (PEM) to verify "
                     "an https endpoint (default: $SEAM_CACERT, else the "
                     "system's)");
    ctl_print_option(out, "--insecure", "do not verify an https endpoint's "
                     "certificate");
    ctl_print_option(out, "--timeout=SECONDS", "give up on a request that "
                     "makes no progress for this long (default: 30)");
    ctl_print_option(out, "-f, --format=FORMAT", "table (default), json "
                     "(the API's objects) or value (bare values)");
    ctl_print_option(out, "-c, --column=ATTR", "show only attribute ATTR "
                     "(repeatable)");
    ctl_print_option(out, "--debug", "print each request and reply on "
                     "stderr");
    ctl_print_option(out, "-h, --help", "show help (also after a resource "
                     "or an action)");
    ctl_print_option(out, "--version", "print the version");
}

static void
ctl_usage(FILE *out)
{
    fprintf(out,
"Usage: seamctl [OPTIONS] RESOURCE ACTION [ARGS...]\n"
"       seamctl [OPTIONS] status\n"
"\n"
"The command-line client of seamd's REST API (Neutron v2.0 networks,\n"
"subnets, ports and segments; networking-l2gw's L2 gateways; seam's VTEPs\n"
"and host links).  ACTION is create, list, show, update or delete.\n"
"\n"
"Resources:\n");
    for (const struct resource *r = resources; r->command; r++) {
        ctl_print_item(out, r->command, r->help, 20);
    }
    fprintf(out, "\nCommands:\n");
    ctl_print_item(out, "status", "every VTEP, its OVSDB session and "
                     "whether its rows match the intent; exits 0 only if "
                     "every VTEP is in sync", 20);
    putc('\n', out);
    ctl_print_global_options(out);
    fprintf(out,
"\n"
"\"seamctl RESOURCE --help\" lists a resource's actions, \"seamctl RESOURCE\n"
"ACTION --help\" an action's options.\n"
"\n"
"Exit status: 0 done; 1 the server refused the request or found nothing\n"
"(status: a VTEP is not in sync); 2 bad usage; 3 seamd cannot be reached.\n");
}

/* "NETWORK", "L2GW", or "ID" for resources found by ID only. */
static char *
ctl_metavar(const struct resource *r)
{
    char *s = xstrdup(r->name_attr ? r->command : "id");

    for (char *p = s; *p; p++) {
        *p = *p == '-' ? '_' : (char) toupper((unsigned char) *p);
    }
    return s;
}

static char *
ctl_synopsis(const struct resource *r, enum ctl_action action)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *metavar = ctl_metavar(r);

    ds_put_format(&ds, "%s %s", r->command, ctl_action_names[action]);
    switch (action) {
    case CTL_CREATE:
        for (const struct resource_arg *a = r->create_args; a->metavar; a++) {
            ds_put_format(&ds, a->optional ? " [%s]" : " %s", a->metavar);
        }
        break;
    case CTL_LIST:
        break;
    case CTL_SHOW:
    case CTL_UPDATE:
        ds_put_format(&ds, " %s", metavar);
        break;
    case CTL_DELETE:
        ds_put_format(&ds, " %s [%s...]", metavar, metavar);
        break;
    }
    free(metavar);
    return ds_steal_cstr(&ds);
}

static unsigned int
ctl_action_mask(enum ctl_action action)
{
    return (action == CTL_CREATE ? RESOURCE_CREATE
            : action == CTL_UPDATE ? RESOURCE_UPDATE
            : action == CTL_LIST ? RESOURCE_LIST : 0);
}

static void
ctl_resource_usage(FILE *out, const struct resource *r)
{
    char *metavar = ctl_metavar(r);
    char *text;

    fprintf(out, "Usage: seamctl %s ACTION [OPTIONS] [ARGS]\n\n", r->command);
    text = xasprintf("%c%s (%s).", toupper((unsigned char) r->help[0]),
                     r->help + 1, r->path);
    ctl_print_wrapped(out, text, 0, 0);
    free(text);
    fprintf(out, "\nActions:\n");
    for (int a = CTL_CREATE; a <= CTL_DELETE; a++) {
        char *synopsis = ctl_synopsis(r, a);
        fprintf(out, "  seamctl %s\n", synopsis);
        free(synopsis);
    }
    putc('\n', out);
    text = (r->name_attr
            ? xasprintf("%s is a name or an ID. \"seamctl %s ACTION --help\" "
                        "lists an action's options.", metavar, r->command)
            : xasprintf("ID is a %s's \"id\" (as list shows it). \"seamctl "
                        "%s ACTION --help\" lists an action's options.",
                        r->title, r->command));
    ctl_print_wrapped(out, text, 0, 0);
    free(text);
    free(metavar);
}

static void
ctl_action_usage(FILE *out, const struct resource *r, enum ctl_action action)
{
    char *synopsis = ctl_synopsis(r, action);
    unsigned int mask = ctl_action_mask(action);
    bool any = false;
    char *text;

    fprintf(out, "Usage: seamctl %s [OPTIONS]\n\n", synopsis);
    free(synopsis);
    switch (action) {
    case CTL_CREATE:
        text = xasprintf("Creates a %s (POST %s) and shows it.", r->title,
                         r->path);
        break;
    case CTL_LIST:
        text = xasprintf("Lists %ss (GET %s), only those matching the "
                         "options if any.", r->title, r->path);
        break;
    case CTL_SHOW:
        text = xasprintf("Shows a %s (GET %s/ID).", r->title, r->path);
        break;
    case CTL_UPDATE:
        text = xasprintf("Changes a %s's attributes (PUT %s/ID) and shows "
                         "it.", r->title, r->path);
        break;
    case CTL_DELETE:
    default:
        text = xasprintf("Deletes %ss (DELETE %s/ID); goes on past a "
                         "failure, then exits 1.", r->title, r->path);
        break;
    }
    ctl_print_wrapped(out, text, 0, 0);
    free(text);
    for (const struct resource_opt *o = r->opts; o->flag; o++) {
        if (o->actions & mask) {
            char *option = (o->metavar
                            ? xasprintf("--%s=%s", o->flag, o->metavar)
                            : xasprintf("--%s", o->flag));
            char *help = (action != CTL_LIST || !o->attr ? xstrdup(o->help)
                          : xasprintf("only those whose %s is %s%s", o->attr,
                                      o->metavar,
                                      o->kind == RESOURCE_OPT_REF
                                      ? " (a name or an ID)" : ""));
            if (!any) {
                fprintf(out, "\nOptions:\n");
                any = true;
            }
            ctl_print_option(out, option, help);
            free(option);
            free(help);
        }
    }
    fprintf(out, "\nAnd the options of every command (seamctl --help).\n");
}

static void
ctl_status_usage(FILE *out)
{
    fprintf(out,
"Usage: seamctl status [OPTIONS]\n"
"\n"
"Shows whether the seamd answering is active and its northbound database\n"
"synced (GET /v2.0/seam/controller), then every VTEP it programs (GET\n"
"/v2.0/seam/vteps): its name, role, OVSDB target, session state, whether\n"
"its rows match the intent (in_sync) and why not (status_detail).  Exits 0\n"
"only if the northbound database is synced and every VTEP is in sync, 1\n"
"otherwise.\n"
"\n"
"Options:\n"
"  --wait=SECONDS              ask again every 0.2 s until all is in sync, at\n"
"                              most this long (errors too are retried), then\n"
"                              show the last answer\n"
"\n"
"And the options of every command (seamctl --help).\n");
}

/* --- Options. --- */

/* Handles global option 'c' (with argument 'arg'); returns 0 or an exit
 * status to exit with (CTL_EXIT_DONE: 0, now). */
static int
ctl_global_option(struct ctl *ctl, int c, const char *arg)
{
    long long n;

    switch (c) {
    case OPT_URL:
        ctl->restc_options.url = arg;
        return 0;
    case OPT_TOKEN:
        ctl->restc_options.token = arg;
        return 0;
    case OPT_CACERT:
        ctl->restc_options.ca_file = arg;
        return 0;
    case OPT_INSECURE:
        ctl->restc_options.insecure = true;
        return 0;
    case OPT_TIMEOUT:
        if (!resource_parse_int(arg, &n) || n <= 0 || n > 86400) {
            return ctl_usage_error("--timeout=%s: want seconds, 1 to 86400",
                                   arg);
        }
        ctl->restc_options.timeout_ms = n * 1000;
        return 0;
    case OPT_DEBUG:
        ctl->restc_options.debug = true;
        return 0;
    case OPT_WAIT:
        if (!resource_parse_int(arg, &n) || n < 0 || n > 86400) {
            return ctl_usage_error("--wait=%s: want seconds, 0 to 86400",
                                   arg);
        }
        ctl->wait_ms = n * 1000;
        return 0;
    case 'f':
        if (!strcmp(arg, "table")) {
            ctl->output.format = OUTPUT_TABLE;
        } else if (!strcmp(arg, "json")) {
            ctl->output.format = OUTPUT_JSON;
        } else if (!strcmp(arg, "value")) {
            ctl->output.format = OUTPUT_VALUE;
        } else {
            return ctl_usage_error("-f %s: want table, json or value", arg);
        }
        return 0;
    case 'c':
        ctl->output.columns = xgrow(ctl->output.columns, &ctl->allocated_columns,
                             ctl->output.n_columns + 1, sizeof *ctl->output.columns);
        ctl->output.columns[ctl->output.n_columns++] = xstrdup(arg);
        return 0;
    case OPT_VERSION:
        printf("seamctl " SEAMCTL_VERSION "\n");
        return CTL_EXIT_DONE;
    default:
        return ctl_usage_error("unexpected option");
    }
}

/* Returns a new getopt_long() table: the global options, the 'n_extra'
 * 'extra' ones, then those of 'r' (if nonnull) that apply to 'action'. */
static struct option *
ctl_long_options(const struct resource *r, enum ctl_action action,
                 const struct option *extra, size_t n_extra)
{
    size_t n = ARRAY_SIZE(global_options), n_opts = 0;
    unsigned int mask = ctl_action_mask(action);
    struct option *options;

    for (const struct resource_opt *o = r ? r->opts : NULL; o && o->flag;
         o++) {
        n_opts++;
    }
    options = xcalloc(n + n_extra + n_opts + 1, sizeof *options);
    memcpy(options, global_options, sizeof global_options);
    for (size_t i = 0; i < n_extra; i++) {
        options[n++] = extra[i];
    }
    for (size_t i = 0; i < n_opts; i++) {
        const struct resource_opt *o = &r->opts[i];
        if (o->actions & mask) {
            options[n++] = (struct option) {
                o->flag, o->metavar ? required_argument : no_argument, NULL,
                OPT_RESOURCE + (int) i,
            };
        }
    }
    return options;
}

/* --- Requests. --- */

static bool
ctl_looks_like_uuid(const char *s)
{
    static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

    if (strlen(s) != sizeof pattern - 1) {
        return false;
    }
    for (size_t i = 0; pattern[i]; i++) {
        if (pattern[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}

/* Returns a new message for an HTTP error reply: NeutronError's message
 * and type, or the start of whatever else the body holds. */
static char *
ctl_error_message(const struct restc_reply *reply)
{
    json_t *json = json_loads(reply->body, 0, NULL);
    json_t *error = json ? json_object_get(json, "NeutronError") : NULL;
    struct ds ds = DS_EMPTY_INITIALIZER;

    if (json_is_object(error)) {
        const char *message = json_string_value(json_object_get(error,
                                                                "message"));
        const char *type = json_string_value(json_object_get(error, "type"));
        const char *detail = json_string_value(json_object_get(error,
                                                               "detail"));
        ds_put_cstr(&ds, message && message[0] ? message : "(no message)");
        if (detail && detail[0]) {
            ds_put_format(&ds, ": %s", detail);
        }
        ds_put_format(&ds, " (HTTP %d%s%s)", reply->status,
                      type ? " " : "", type ? type : "");
    } else if (json && json_is_string(json_object_get(json, "message"))) {
        ds_put_format(&ds, "%s (HTTP %d)",
                      json_string_value(json_object_get(json, "message")),
                      reply->status);
    } else {
        /* Plain text or HTML: its words, on one line, cut short. */
        bool space = true;
        ds_put_format(&ds, "HTTP %d:", reply->status);
        for (const char *p = reply->body; *p && ds.length < 300; p++) {
            if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
                space = true;
            } else {
                if (space) {
                    ds_put_char(&ds, ' ');
                    space = false;
                }
                ds_put_char(&ds, *p);
            }
        }
        if (!reply->body[0]) {
            ds_put_cstr(&ds, " (no body)");
        }
    }
    json_decref(json);
    ds_cstr(&ds);
    return ds_steal_cstr(&ds);
}

/* Sends 'method' 'path' with JSON 'body' (or NULL).  On a 2xx reply,
 * returns 0 and sets '*replyp' (if nonnull) to its JSON (a new reference,
 * NULL if the body is empty).  Otherwise returns CTL_EXIT_FAIL or
 * CTL_EXIT_UNREACHABLE and sets '*errorp' to a new message; '*statusp' (if
 * nonnull) is the HTTP status, 0 if none came. */
static int
ctl_call(struct ctl *ctl, const char *method, const char *path,
         const json_t *body, json_t **replyp, int *statusp, char **errorp)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct restc_reply reply;
    json_error_t jerror;
    json_t *json = NULL;
    int error;

    if (replyp) {
        *replyp = NULL;
    }
    if (statusp) {
        *statusp = 0;
    }
    *errorp = NULL;
    error = restc_request(ctl->restc, method, path, text, &reply, errorp);
    free(text);
    if (error) {
        return CTL_EXIT_UNREACHABLE;
    }
    if (statusp) {
        *statusp = reply.status;
    }
    if (reply.status < 200 || reply.status > 299) {
        *errorp = ctl_error_message(&reply);
        restc_reply_destroy(&reply);
        return CTL_EXIT_FAIL;
    }
    if (reply.body_size) {
        json = json_loadb(reply.body, reply.body_size, 0, &jerror);
        if (!json) {
            *errorp = xasprintf("%s %s: the reply is not JSON (%s, at byte "
                                "%d)", method, path, jerror.text,
                                jerror.position);
            restc_reply_destroy(&reply);
            return CTL_EXIT_FAIL;
        }
    }
    restc_reply_destroy(&reply);
    if (replyp) {
        *replyp = json;
    } else {
        json_decref(json);
    }
    return 0;
}

/* Returns borrowed 'reply'[key] if it is of the right type ('object' or
 * an array), else NULL after setting '*errorp'. */
static json_t *
ctl_member(json_t *reply, const char *key, bool object, char **errorp)
{
    json_t *value = reply ? json_object_get(reply, key) : NULL;

    if (object ? !json_is_object(value) : !json_is_array(value)) {
        *errorp = xasprintf("the reply has no %s \"%s\"",
                            object ? "object" : "list", key);
        return NULL;
    }
    return value;
}

/* GETs 'path' and sets '*listp' to a new reference to the array 'r'->plural
 * of the reply (free it with json_decref()), or to NULL on failure.  Returns
 * 0 or an exit status and sets '*errorp'. */
static int
ctl_get_list(struct ctl *ctl, const struct resource *r, const char *path,
             json_t **listp, char **errorp)
{
    json_t *reply, *list;
    int rc;

    *listp = NULL;
    rc = ctl_call(ctl, "GET", path, NULL, &reply, NULL, errorp);
    if (rc) {
        return rc;
    }
    list = ctl_member(reply, r->plural, false, errorp);
    if (!list) {
        json_decref(reply);
        return CTL_EXIT_FAIL;
    }
    *listp = json_incref(list);
    json_decref(reply);
    return 0;
}

static char *
ctl_encode(const char *s)
{
    char *encoded = evhttp_uriencode(s, -1, 0);

    if (!encoded) {
        util_abort("evhttp_uriencode failed");
    }
    return encoded;
}

/* Returns a new "/PATH/ID". */
static char *
ctl_object_path(const struct resource *r, const char *id)
{
    char *encoded = ctl_encode(id);
    char *path = xasprintf("%s/%s", r->path, encoded);

    free(encoded);
    return path;
}

/* GETs 'r' by ID 'id'.  Returns 0 and sets '*objectp' to a new
 * reference, or an exit status and sets '*errorp' ('*statusp' is the HTTP
 * status). */
static int
ctl_get_by_id(struct ctl *ctl, const struct resource *r, const char *id,
              json_t **objectp, int *statusp, char **errorp)
{
    char *path = ctl_object_path(r, id);
    json_t *reply, *object;
    int rc;

    *objectp = NULL;
    rc = ctl_call(ctl, "GET", path, NULL, &reply, statusp, errorp);
    free(path);
    if (rc) {
        return rc;
    }
    object = ctl_member(reply, r->singular, true, errorp);
    if (object) {
        *objectp = json_incref(object);
    }
    json_decref(reply);
    return object ? 0 : CTL_EXIT_FAIL;
}

/* GETs the 'r's named 'name'.  Returns 0 and sets '*objectp' to a new
 * reference to the one found, or NULL if there is none, or an exit status
 * and sets '*errorp'. */
static int
ctl_get_by_name(struct ctl *ctl, const struct resource *r, const char *name,
                json_t **objectp, char **errorp)
{
    char *query = ctl_encode(name);
    char *path = xasprintf("%s?%s=%s", r->path, r->name_attr, query);
    json_t *list, *item, *found = NULL;
    size_t i, n_found = 0;
    int rc;

    *objectp = NULL;
    free(query);
    rc = ctl_get_list(ctl, r, path, &list, errorp);
    free(path);
    if (rc) {
        return rc;
    }
    /* Filter here too, in case the server ignored the filter. */
    json_array_foreach(list, i, item) {
        const char *s = json_string_value(json_object_get(item, r->name_attr));
        if (s && !strcmp(s, name)) {
            found = item;
            n_found++;
        }
    }
    if (n_found > 1) {
        *errorp = xasprintf("more than one %s is named \"%s\": give its ID",
                            r->title, name);
        rc = CTL_EXIT_FAIL;
    } else if (found) {
        *objectp = json_incref(found);
    }
    json_decref(list);
    return rc;
}

/* Sets '*objectp' to a new reference to the 'r' that 'text' names, by its
 * ID or its name, as the openstack CLI finds it: an ID-shaped 'text' is
 * tried as an ID first, then as a name.  Returns 0 or an exit status,
 * having said why. */
static int
ctl_find(struct ctl *ctl, const struct resource *r, const char *text,
         json_t **objectp)
{
    char *id_error = NULL, *error = NULL;
    int status, rc;

    *objectp = NULL;
    if (!text[0]) {
        return ctl_usage_error("an empty %s name or ID", r->title);
    }
    if (ctl_looks_like_uuid(text) || !r->name_attr) {
        rc = ctl_get_by_id(ctl, r, text, objectp, &status, &id_error);
        if (!rc || status != 404 || !r->name_attr) {
            goto out;
        }
    }
    rc = ctl_get_by_name(ctl, r, text, objectp, &error);
    if (!rc && !*objectp) {
        /* No such name: for an ID, the server's "could not be found". */
        error = (id_error ? xstrdup(id_error)
                 : xasprintf("no %s named \"%s\"", r->title, text));
        rc = CTL_EXIT_FAIL;
    }
out:
    if (rc) {
        ctl_error("%s", error ? error : id_error);
    }
    free(id_error);
    free(error);
    return rc;
}

/* Sets '*idp' to a new copy of the ID of the 'r' named by 'text'.  Returns
 * 0 or an exit status, having said why. */
static int
ctl_find_id(struct ctl *ctl, const struct resource *r, const char *text,
            char **idp)
{
    json_t *object;
    const char *id;
    int rc;

    *idp = NULL;
    rc = ctl_find(ctl, r, text, &object);
    if (rc) {
        return rc;
    }
    id = json_string_value(json_object_get(object, "id"));
    if (!id) {
        json_decref(object);
        return ctl_error("%s \"%s\" has no \"id\"", r->title, text);
    }
    *idp = xstrdup(id);
    json_decref(object);
    return 0;
}

/* --- The actions. --- */

/* The attributes and filters a command line gave. */
struct ctl_input {
    json_t *attrs;              /* For create and update. */
    struct ds query;            /* For list: "?k=v&k=v", or empty. */
};

static void
ctl_add_query(struct ctl_input *in, const char *key, const char *value)
{
    char *k = ctl_encode(key), *v = ctl_encode(value);

    ds_put_format(&in->query, "%c%s=%s", in->query.length ? '&' : '?', k, v);
    free(k);
    free(v);
}

/* Appends new 'item' to the array 'attrs'[key], making it if needed. */
static void
ctl_append(json_t *attrs, const char *key, json_t *item)
{
    json_t *array = json_object_get(attrs, key);

    if (!json_is_array(array)) {
        array = json_array();
        json_object_set_new(attrs, key, array);
    }
    json_array_append_new(array, item);
}

/* Returns a new JSON value for 'text': its JSON if it parses as JSON,
 * else the string. */
static json_t *
ctl_json_or_string(const char *text)
{
    json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
    return value ? value : json_string(text);
}

static int
ctl_add_fixed_ip(struct ctl *ctl, json_t *attrs, const char *arg)
{
    json_t *fixed_ip, *subnet;
    char *error;

    if (resource_parse_kv(arg, &fixed_ip, &error)) {
        int rc = ctl_usage_error("--fixed-ip %s", error);
        free(error);
        return rc;
    }
    subnet = json_object_get(fixed_ip, "subnet");
    if (subnet) {
        char *id;
        int rc = ctl_find_id(ctl, resource_find("subnet"),
                             json_string_value(subnet), &id);
        if (rc) {
            json_decref(fixed_ip);
            return rc;
        }
        json_object_set_new(fixed_ip, "subnet_id", json_string(id));
        json_object_del(fixed_ip, "subnet");
        free(id);
    }
    ctl_append(attrs, "fixed_ips", fixed_ip);
    return 0;
}

static int
ctl_add_profile(json_t *attrs, const char *key, const char *arg)
{
    json_t *profile = json_object_get(attrs, key);

    if (!json_is_object(profile)) {
        profile = json_object();
        json_object_set_new(attrs, key, profile);
    }
    if (arg[0] == '{') {
        json_error_t jerror;
        json_t *object = json_loads(arg, 0, &jerror);
        if (!json_is_object(object)) {
            json_decref(object);
            return ctl_usage_error("--binding-profile %s: not a JSON object "
                                   "(%s)", arg, jerror.text);
        }
        json_object_update(profile, object);
        json_decref(object);
    } else {
        const char *eq = strchr(arg, '=');
        char *name;
        if (!eq || eq == arg) {
            return ctl_usage_error("--binding-profile %s: want KEY=VALUE or "
                                   "a JSON object", arg);
        }
        name = xstrndup(arg, eq - arg);
        json_object_set_new(profile, name, ctl_json_or_string(eq + 1));
        free(name);
    }
    return 0;
}

/* A resource_parse_*() function: parses 'text' into a new JSON value, or
 * returns -EINVAL with a new message in '*errorp'. */
typedef int ctl_parse_func(const char *text, json_t **valuep, char **errorp);

/* Parses 'arg' of option 'o' with 'parse' and appends the value to the array
 * 'attrs'[o->attr].  Returns 0 or an exit status, having said why. */
static int
ctl_append_parsed(json_t *attrs, const struct resource_opt *o,
                  const char *arg, ctl_parse_func *parse)
{
    json_t *value = NULL;
    char *error = NULL;
    int rc;

    if (parse(arg, &value, &error)) {
        rc = ctl_usage_error("--%s %s", o->flag, error);
        free(error);
        return rc;
    }
    ctl_append(attrs, o->attr, value);
    return 0;
}

/* Adds option 'o' with argument 'arg' to 'in' for 'action'.  Returns 0 or
 * an exit status, having said why. */
static int
ctl_add_option(struct ctl *ctl, const struct resource_opt *o,
               enum ctl_action action, const char *arg,
               struct ctl_input *in)
{
    bool list = action == CTL_LIST;
    json_t *value = NULL;
    long long n;
    int rc = 0;

    switch (o->kind) {
    case RESOURCE_OPT_STRING:
        value = json_string(arg);
        break;
    case RESOURCE_OPT_STRING_OR_NULL:
        value = strcmp(arg, "none") ? json_string(arg) : json_null();
        break;
    case RESOURCE_OPT_INT:
        if (!resource_parse_int(arg, &n)) {
            return ctl_usage_error("--%s=%s: not an integer", o->flag, arg);
        }
        value = json_integer(n);
        break;
    case RESOURCE_OPT_TRUE:
        value = json_true();
        break;
    case RESOURCE_OPT_FALSE:
        value = json_false();
        break;
    case RESOURCE_OPT_REF: {
        char *id;
        rc = ctl_find_id(ctl, resource_find(o->ref), arg, &id);
        if (rc) {
            return rc;
        }
        value = json_string(id);
        free(id);
        break;
    }
    case RESOURCE_OPT_SEGMENT:
        return ctl_append_parsed(in->attrs, o, arg, resource_parse_segment);
    case RESOURCE_OPT_DEVICE:
        return ctl_append_parsed(in->attrs, o, arg, resource_parse_device);
    case RESOURCE_OPT_POOL:
        return ctl_append_parsed(in->attrs, o, arg, resource_parse_kv);
    case RESOURCE_OPT_FIXED_IP:
        return ctl_add_fixed_ip(ctl, in->attrs, arg);
    case RESOURCE_OPT_PROFILE:
        return ctl_add_profile(in->attrs, o->attr, arg);
    case RESOURCE_OPT_PROPERTY: {
        const char *eq = strchr(arg, '=');
        char *key;
        if (!eq || eq == arg) {
            return ctl_usage_error("--%s %s: want KEY=VALUE", o->flag, arg);
        }
        key = xstrndup(arg, eq - arg);
        if (list) {
            ctl_add_query(in, key, eq + 1);
        } else {
            json_object_set_new(in->attrs, key, ctl_json_or_string(eq + 1));
        }
        free(key);
        return 0;
    }
    }

    if (list) {
        if (json_is_string(value)) {
            ctl_add_query(in, o->attr, json_string_value(value));
        } else {
            char *text = json_dumps(value, JSON_ENCODE_ANY);
            ctl_add_query(in, o->attr, text);
            free(text);
        }
        json_decref(value);
    } else {
        json_object_set_new(in->attrs, o->attr, value);
    }
    return 0;
}

/* Fills what the API needs and the command line may leave out. */
static void
ctl_complete(const struct resource *r, enum ctl_action action, json_t *attrs)
{
    if (action == CTL_CREATE && !strcmp(r->command, "subnet")
        && !json_object_get(attrs, "ip_version")) {
        const char *cidr = json_string_value(json_object_get(attrs, "cidr"));
        json_object_set_new(attrs, "ip_version",
                            json_integer(cidr && strchr(cidr, ':') ? 6 : 4));
    }
}

/* Returns a new {"singular": attrs}. */
static json_t *
ctl_wrap(const struct resource *r, json_t *attrs)
{
    json_t *body = json_object();

    json_object_set(body, r->singular, attrs);
    return body;
}

/* Prints 'reply'[singular] or says what is wrong with it. */
static int
ctl_print_reply_object(struct ctl *ctl, const struct resource *r,
                       json_t *reply)
{
    char *error = NULL;
    json_t *object = ctl_member(reply, r->singular, true, &error);

    if (!object) {
        int rc = ctl_error("%s", error);
        free(error);
        return rc;
    }
    output_object(&ctl->output, r->columns, object, stdout);
    return 0;
}

/* Sends 'attrs' as {"singular": 'attrs'} with 'method' to 'path' and prints
 * the object of the reply.  Returns 0 or an exit status, having said why. */
static int
ctl_send_object(struct ctl *ctl, const struct resource *r, const char *method,
                const char *path, json_t *attrs)
{
    json_t *body = ctl_wrap(r, attrs);
    json_t *reply;
    char *error;
    int rc;

    rc = ctl_call(ctl, method, path, body, &reply, NULL, &error);
    json_decref(body);
    if (rc) {
        ctl_error("%s", error);
        free(error);
        return rc;
    }
    rc = ctl_print_reply_object(ctl, r, reply);
    json_decref(reply);
    return rc;
}

static int
ctl_create(struct ctl *ctl, const struct resource *r, char **args,
           size_t n_args, struct ctl_input *in)
{
    const struct resource_arg *a = r->create_args;
    size_t i;
    int rc;

    for (i = 0; a[i].metavar; i++) {
        if (i >= n_args) {
            if (!a[i].optional) {
                return ctl_usage_error("%s create: missing %s", r->command,
                                       a[i].metavar);
            }
            break;
        }
        if (a[i].ref) {
            char *id;
            rc = ctl_find_id(ctl, resource_find(a[i].ref), args[i], &id);
            if (rc) {
                return rc;
            }
            json_object_set_new(in->attrs, a[i].attr, json_string(id));
            free(id);
        } else {
            json_object_set_new(in->attrs, a[i].attr, json_string(args[i]));
        }
    }
    if (i < n_args) {
        return ctl_usage_error("%s create: unexpected argument \"%s\"",
                               r->command, args[i]);
    }
    ctl_complete(r, CTL_CREATE, in->attrs);
    return ctl_send_object(ctl, r, "POST", r->path, in->attrs);
}

static int
ctl_list(struct ctl *ctl, const struct resource *r, char **args,
         size_t n_args, struct ctl_input *in)
{
    json_t *list;
    char *error, *path;
    int rc;

    if (n_args) {
        return ctl_usage_error("%s list: unexpected argument \"%s\"",
                               r->command, args[0]);
    }
    path = xasprintf("%s%s", r->path, ds_cstr(&in->query));
    rc = ctl_get_list(ctl, r, path, &list, &error);
    free(path);
    if (rc) {
        ctl_error("%s", error);
        free(error);
        return rc;
    }
    output_list(&ctl->output, r->columns, list, stdout);
    json_decref(list);
    return 0;
}

static int
ctl_show(struct ctl *ctl, const struct resource *r, char **args,
         size_t n_args)
{
    json_t *object;
    int rc;

    if (n_args != 1) {
        return ctl_usage_error("%s show: want one %s name or ID", r->command,
                               r->title);
    }
    rc = ctl_find(ctl, r, args[0], &object);
    if (!rc) {
        output_object(&ctl->output, r->columns, object, stdout);
        json_decref(object);
    }
    return rc;
}

static int
ctl_update(struct ctl *ctl, const struct resource *r, char **args,
           size_t n_args, struct ctl_input *in)
{
    char *id, *path;
    int rc;

    if (n_args != 1) {
        return ctl_usage_error("%s update: want one %s name or ID",
                               r->command, r->title);
    }
    if (!json_object_size(in->attrs)) {
        return ctl_usage_error("%s update: nothing to change (see seamctl %s "
                               "update --help)", r->command, r->command);
    }
    rc = ctl_find_id(ctl, r, args[0], &id);
    if (rc) {
        return rc;
    }
    path = ctl_object_path(r, id);
    free(id);
    rc = ctl_send_object(ctl, r, "PUT", path, in->attrs);
    free(path);
    return rc;
}

static int
ctl_delete(struct ctl *ctl, const struct resource *r, char **args,
           size_t n_args)
{
    size_t n_failed = 0;
    int rc = 0;

    if (!n_args) {
        return ctl_usage_error("%s delete: want a %s name or ID", r->command,
                               r->title);
    }
    for (size_t i = 0; i < n_args; i++) {
        char *id, *path, *error;
        int e = ctl_find_id(ctl, r, args[i], &id);
        if (!e) {
            path = ctl_object_path(r, id);
            e = ctl_call(ctl, "DELETE", path, NULL, NULL, NULL, &error);
            if (e) {
                ctl_error("%s", error);
                free(error);
            }
            free(path);
            free(id);
        }
        if (e) {
            n_failed++;
            rc = rc == CTL_EXIT_UNREACHABLE ? rc : e;
        }
    }
    if (n_failed && n_args > 1) {
        ctl_error("failed to delete %zu of %zu %ss", n_failed, n_args,
                  r->title);
    }
    return rc;
}

/* --- status. --- */

static const struct resource_column status_columns[] = {
    { "name", "Name" },
    { "role", "Role" },
    { "target", "Target" },
    { "connection_state", "Connection" },
    { "in_sync", "In Sync" },
    { "status_detail", "Status Detail" },
    { NULL, NULL },
};

/* What "status" found. */
struct ctl_status {
    char *controller;           /* Its line, or NULL if the server has none. */
    bool nb_synced;             /* False: the VTEP states may be stale. */
    json_t *vteps;              /* The VTEP objects, a JSON array. */
    size_t n_in_sync;
};

static void
ctl_status_destroy(struct ctl_status *st)
{
    free(st->controller);
    json_decref(st->vteps);
    memset(st, 0, sizeof *st);
}

static bool
ctl_status_ok(const struct ctl_status *st)
{
    return st->nb_synced && st->n_in_sync == json_array_size(st->vteps);
}

/* GETs /v2.0/seam/controller into 'st': the seamd answering, active or
 * standby, northbound synced or not.  A server without the resource
 * (neutron-server, an older seamd) is taken as synced.  Returns 0 or an
 * exit status and sets '*errorp'. */
static int
ctl_status_get_controller(struct ctl *ctl, struct ctl_status *st,
                          char **errorp)
{
    json_t *reply, *controller;
    const char *remote;
    bool active;
    int status, rc;

    st->nb_synced = true;
    rc = ctl_call(ctl, "GET", "/v2.0/seam/controller", NULL, &reply, &status,
                  errorp);
    if (rc) {
        if (status == 404) {
            free(*errorp);
            *errorp = NULL;
            return 0;
        }
        return rc;
    }
    controller = ctl_member(reply, "controller", true, errorp);
    if (!controller) {
        json_decref(reply);
        return CTL_EXIT_FAIL;
    }
    active = json_is_true(json_object_get(controller, "active"));
    st->nb_synced = json_is_true(json_object_get(controller, "nb_synced"));
    remote = json_string_value(json_object_get(controller, "nb_remote"));
    st->controller = xasprintf("%s, northbound %s%s%s%s",
                               active ? "active" : "standby",
                               st->nb_synced ? "synced" : "NOT synced",
                               remote ? " (" : "", remote ? remote : "",
                               remote ? ")" : "");
    json_decref(reply);
    return 0;
}

/* Fills 'st' (initialized to zeros) from the server.  Returns 0 or an exit
 * status and sets '*errorp'. */
static int
ctl_status_get(struct ctl *ctl, struct ctl_status *st, char **errorp)
{
    const struct resource *r = resource_find("vtep");
    json_t *vtep;
    size_t i;
    int rc;

    rc = ctl_status_get_controller(ctl, st, errorp);
    if (rc) {
        return rc;
    }
    rc = ctl_get_list(ctl, r, r->path, &st->vteps, errorp);
    if (rc) {
        return rc;
    }
    json_array_foreach(st->vteps, i, vtep) {
        st->n_in_sync += json_is_true(json_object_get(vtep, "in_sync"));
    }
    return 0;
}

static void
ctl_status_print(struct ctl *ctl, const struct ctl_status *st)
{
    size_t i, n = json_array_size(st->vteps);
    json_t *shown, *vtep;

    if (ctl->output.format != OUTPUT_TABLE) {
        output_list(&ctl->output, status_columns, st->vteps, stdout);
        return;
    }
    if (st->controller) {
        printf("Controller: %s\n", st->controller);
    }
    /* Say "connects in" where the target is empty. */
    shown = json_deep_copy(st->vteps);
    json_array_foreach(shown, i, vtep) {
        const char *target = json_string_value(json_object_get(vtep,
                                                               "target"));
        if (!target || !target[0]) {
            json_object_set_new(vtep, "target", json_string("(connects in)"));
        }
    }
    output_list(&ctl->output, status_columns, shown, stdout);
    json_decref(shown);
    printf("%zu of %zu VTEP%s in sync\n", st->n_in_sync, n,
           n == 1 ? "" : "s");
}

/* "seamctl status": asks, and with --wait asks again every
 * SEAMCTL_WAIT_INTERVAL_MS until everything is in sync or time is up
 * (errors too are retried: seamd may be starting); then prints the last
 * answer. */
static int
ctl_status(struct ctl *ctl)
{
    long long deadline = time_msec() + ctl->wait_ms;
    struct ctl_status st;
    char *error = NULL;
    int rc;

    for (;;) {
        memset(&st, 0, sizeof st);
        rc = ctl_status_get(ctl, &st, &error);
        if (!rc && !ctl_status_ok(&st)) {
            rc = CTL_EXIT_FAIL;
        }
        if (!rc || time_msec() >= deadline) {
            break;
        }
        ctl_status_destroy(&st);
        free(error);
        error = NULL;
        usleep(SEAMCTL_WAIT_INTERVAL_MS * 1000);
    }
    if (error) {
        ctl_error("%s", error);
        free(error);
    } else {
        ctl_status_print(ctl, &st);
    }
    ctl_status_destroy(&st);
    return rc;
}

/* --- main. --- */

static int
ctl_parse_action(const char *name, enum ctl_action *actionp)
{
    for (int a = CTL_CREATE; a <= CTL_DELETE; a++) {
        if (!strcmp(name, ctl_action_names[a])) {
            *actionp = a;
            return 0;
        }
    }
    return -EINVAL;
}

/* A resource option, kept until the client exists to find names. */
struct ctl_pending {
    const struct resource_opt *opt;
    const char *arg;            /* Borrowed from argv. */
};

/* Handles getopt_long()'s complaint 'c' ('?' unknown, ':' no argument)
 * about 'argv'[optind - 1], an option of 'command' ("network list", or
 * NULL before a command). */
static int
ctl_bad_option(int c, char **argv, const char *command)
{
    const char *arg = argv[optind - 1];
    char short_option[3] = { '-', (char) optopt, '\0' };
    const char *option = (arg[0] == '-' && arg[1] != '-' && optopt > ' '
                          && optopt < 127 ? short_option : arg);

    return ctl_usage_error("%s%s%s %s", command ? command : "",
                           command ? ": " : "",
                           c == ':' ? "missing the argument of"
                           : "unknown option", option);
}

/* Reads the options after RESOURCE ACTION ('argv'[0] is ACTION, or
 * "status" if 'r' is NULL) into 'ctl', and 'r's options into
 * '*pendingp' (a new array of '*n_pendingp'; free it with free()).  Sets
 * '*firstp' to the index in 'argv' of the first positional argument (getopt
 * moves them to the end).  Returns 0, or an exit status (CTL_EXIT_DONE
 * after --help). */
static int
ctl_parse_command(struct ctl *ctl, const struct resource *r,
                  enum ctl_action action, int argc, char **argv,
                  int *firstp, struct ctl_pending **pendingp,
                  size_t *n_pendingp)
{
    struct option *options = ctl_long_options(
        r, action, r ? NULL : status_options,
        r ? 0 : ARRAY_SIZE(status_options));
    size_t allocated = 0;
    int c, rc = 0;

    *pendingp = NULL;
    *n_pendingp = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":" GLOBAL_SHORT_OPTIONS, options,
                            NULL)) != -1) {
        if (c == 'h') {
            if (r) {
                ctl_action_usage(stdout, r, action);
            } else {
                ctl_status_usage(stdout);
            }
            rc = CTL_EXIT_DONE;
        } else if (c == '?' || c == ':') {
            char *command = (r ? xasprintf("%s %s", r->command, argv[0])
                             : xstrdup(argv[0]));
            rc = ctl_bad_option(c, argv, command);
            free(command);
        } else if (c >= OPT_RESOURCE) {
            assert(r);          /* Only 'r' adds options past OPT_RESOURCE. */
            *pendingp = xgrow(*pendingp, &allocated, *n_pendingp + 1,
                              sizeof **pendingp);
            (*pendingp)[(*n_pendingp)++] = (struct ctl_pending) {
                &r->opts[c - OPT_RESOURCE], optarg,
            };
        } else {
            rc = ctl_global_option(ctl, c, optarg);
        }
        if (rc) {
            break;
        }
    }
    free(options);
    *firstp = optind;
    return rc;
}

/* A command line, read. */
struct ctl_command {
    const struct resource *r;   /* NULL for "status". */
    enum ctl_action action;
    char **args;                /* Positional arguments, n_args. */
    size_t n_args;
    struct ctl_pending *pending;    /* 'r's options, n_pending. */
    size_t n_pending;
};

/* Reads "RESOURCE ACTION [OPTIONS] [ARGS]" or "status [OPTIONS]" in
 * 'argv' into 'cmd' and 'ctl'.  Returns 0 or an exit status (having shown
 * help or said what is wrong). */
static int
ctl_parse(struct ctl *ctl, int argc, char **argv, struct ctl_command *cmd)
{
    int rc, first;

    if (!strcmp(argv[0], "help")) {
        ctl_usage(stdout);
        return CTL_EXIT_DONE;
    }
    if (!strcmp(argv[0], "status")) {
        rc = ctl_parse_command(ctl, NULL, CTL_LIST, argc, argv, &first,
                               &cmd->pending, &cmd->n_pending);
        if (!rc && first < argc) {
            rc = ctl_usage_error("status: unexpected argument \"%s\"",
                                 argv[first]);
        }
        return rc;
    }

    cmd->r = resource_find(argv[0]);
    if (!cmd->r) {
        return ctl_usage_error("unknown resource or command \"%s\"",
                               argv[0]);
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")
        || !strcmp(argv[1], "help")) {
        ctl_resource_usage(argc < 2 ? stderr : stdout, cmd->r);
        return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_DONE;
    }
    if (ctl_parse_action(argv[1], &cmd->action)) {
        return ctl_usage_error("%s: unknown action \"%s\" (create, list, "
                               "show, update or delete)", cmd->r->command,
                               argv[1]);
    }
    /* From ACTION on: getopt_long() takes 'argv'[0] as the program. */
    rc = ctl_parse_command(ctl, cmd->r, cmd->action, argc - 1, argv + 1,
                           &first, &cmd->pending, &cmd->n_pending);
    cmd->args = argv + 1 + first;
    cmd->n_args = argc - 1 - first;
    return rc;
}

/* Makes the client, from the options or else the environment.  Returns 0
 * or an exit status. */
static int
ctl_connect(struct ctl *ctl)
{
    struct restc_options *o = &ctl->restc_options;
    char *error;
    int rc;

    if (!o->url) {
        const char *url = getenv("SEAM_URL");
        o->url = url && url[0] ? url : SEAMCTL_DEFAULT_URL;
    }
    if (!o->token) {
        o->token = getenv("SEAM_TOKEN");
    }
    if (!o->ca_file) {
        o->ca_file = getenv("SEAM_CACERT");
    }
    if (restc_create(o, &ctl->restc, &error)) {
        rc = ctl_usage_error("%s", error);
        free(error);
        return rc;
    }
    return 0;
}

/* Runs resource command 'cmd' with the attributes and filters 'in'.
 * Returns an exit status. */
static int
ctl_dispatch(struct ctl *ctl, const struct ctl_command *cmd,
             struct ctl_input *in)
{
    switch (cmd->action) {
    case CTL_CREATE:
        return ctl_create(ctl, cmd->r, cmd->args, cmd->n_args, in);
    case CTL_LIST:
        return ctl_list(ctl, cmd->r, cmd->args, cmd->n_args, in);
    case CTL_SHOW:
        return ctl_show(ctl, cmd->r, cmd->args, cmd->n_args);
    case CTL_UPDATE:
        return ctl_update(ctl, cmd->r, cmd->args, cmd->n_args, in);
    case CTL_DELETE:
    default:
        return ctl_delete(ctl, cmd->r, cmd->args, cmd->n_args);
    }
}

/* Runs 'cmd'.  Returns an exit status. */
static int
ctl_execute(struct ctl *ctl, const struct ctl_command *cmd)
{
    struct ctl_input in = { json_object(), DS_EMPTY_INITIALIZER };
    int rc = 0;

    for (size_t i = 0; !rc && i < cmd->n_pending; i++) {
        rc = ctl_add_option(ctl, cmd->pending[i].opt, cmd->action,
                            cmd->pending[i].arg, &in);
    }
    if (!rc) {
        rc = cmd->r ? ctl_dispatch(ctl, cmd, &in) : ctl_status(ctl);
    }
    json_decref(in.attrs);
    ds_destroy(&in.query);
    return rc;
}

static int
ctl_run(struct ctl *ctl, int argc, char **argv)
{
    struct ctl_command cmd = { .action = CTL_LIST };
    int rc;

    rc = ctl_parse(ctl, argc, argv, &cmd);
    if (!rc) {
        rc = ctl_connect(ctl);
    }
    if (!rc) {
        rc = ctl_execute(ctl, &cmd);
    }
    free(cmd.pending);
    return rc;
}

int
main(int argc, char *argv[])
{
    struct ctl ctl = { .output = { .format = OUTPUT_TABLE } };
    struct option *options = ctl_long_options(NULL, CTL_LIST, NULL, 0);
    int c, rc = 0;

    /* The options before RESOURCE ("+": stop at the first argument). */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:" GLOBAL_SHORT_OPTIONS, options,
                            NULL)) != -1) {
        if (c == 'h') {
            ctl_usage(stdout);
            free(options);
            return CTL_EXIT_OK;
        }
        rc = (c == '?' || c == ':' ? ctl_bad_option(c, argv, NULL)
              : ctl_global_option(&ctl, c, optarg));
        if (rc) {
            break;
        }
    }
    free(options);
    if (!rc) {
        if (optind >= argc) {
            ctl_usage(stderr);
            rc = CTL_EXIT_USAGE;
        } else {
            rc = ctl_run(&ctl, argc - optind, argv + optind);
        }
    }
    restc_destroy(ctl.restc);
    for (size_t i = 0; i < ctl.output.n_columns; i++) {
        free(ctl.output.columns[i]);
    }
    free(ctl.output.columns);
    return rc == CTL_EXIT_DONE ? CTL_EXIT_OK : rc;
}
