/* ui: seamd's live topology page, read-only.
 *
 * Serves, on the REST API's listener (http.c calls ui_serve() first for
 * every request):
 *   GET /ui, /ui/               the page (index.html)
 *   GET /ui/app.js, /ui/style.css
 *   GET /v2.0/seam/topology     the page's data, one JSON document built
 *                               from the NB replica (ui_topology())
 * The page's files are embedded in seamd at build time (src/controller/ui/,
 * assembled into ui.o with .incbin): nothing is read from disk at run time.
 *
 * Authentication, when seamd has a token: /v2.0/seam/topology is an API
 * path and takes the X-Auth-Token header only, like the rest of the API.
 * /ui and its files also take the token from the cookie "seam_token" or
 * from "?token=T" in the URL; a valid ?token= sets that cookie (Path=/,
 * SameSite=Strict, Secure over HTTPS; not HttpOnly, since the page's script
 * reads it to send X-Auth-Token) and /ui?token=T redirects to /ui, so the
 * token leaves the address bar.  Anything else gets 401.  See docs/ui.md.
 *
 * The topology is what the NB says and what seamd computes from it
 * (desired.h, without the VTEPs' replicas): VTEP rows with the session
 * state and in_sync the reconciler wrote, the logical switches, bindings
 * and remote MACs seamd programs on each VTEP, the tunnels those imply,
 * networks with segments and subnets, ports with their status.  MACs that
 * VTEPs learned themselves are not known here. */
#ifndef SEAM_CONTROLLER_UI_H
#define SEAM_CONTROLLER_UI_H 1

#include <jansson.h>
#include <stdbool.h>

struct evhttp_request;
struct nb;
struct ovsdb_db;

/* Path of the page's data. */
#define UI_TOPOLOGY_PATH "/v2.0/seam/topology"

/* If 'req' is for the page, its files or its data, answers it and returns
 * true; otherwise returns false and leaves 'req' alone.  'nb' is borrowed
 * for the call; 'token' is the API's token, NULL when none is required. */
bool ui_serve(struct evhttp_request *req, const struct nb *nb, const char *token);

/* Returns a new JSON object {"vteps", "tunnels", "networks", "ports"}
 * describing the topology held in 'nb_db' (a seam_nb database, borrowed for
 * the call).  Arrays are sorted (VTEPs by name, networks and ports by
 * creation time then name), so equal databases give equal documents.
 * docs/ui.md lists the members. */
json_t *ui_topology(const struct ovsdb_db *nb_db);

#endif /* controller/ui.h */
