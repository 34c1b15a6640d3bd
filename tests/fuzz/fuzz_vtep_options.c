/* libFuzzer target: arbitrary bytes as a seam-vtep configuration file
 * (src/vtep/options.h), then the cross-setting check.
 *
 * Besides crashes, leaks and sanitizer reports, it aborts if the parser
 * breaks its contract: an error that does not start with "FILE:LINE: " (or
 * names a line past the input's), or a success that leaves a setting the
 * parser should have refused (a VXLAN port of 0, an MTU or aging out of
 * range, an empty port name). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtep/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_NAME "fuzz.conf"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vtep_options o;
    size_t n_lines = 1;

    for (size_t i = 0; i < size; i++) {
        n_lines += data[i] == '\n';
    }
    vtep_options_init(&o, "/usr/share/openvswitch/vtep.ovsschema");
    char *error = vtep_options_parse_text(&o, FILE_NAME, (const char *) data,
                                          size);
    if (error) {
        unsigned long line = 0;
        if (strncmp(error, FILE_NAME ":", sizeof FILE_NAME)) {
            abort();
        }
        line = strtoul(error + sizeof FILE_NAME, NULL, 10);
        if (!line || line > n_lines) {
            abort();
        }
        free(error);
    } else {
        if (!o.vxlan_port || o.tunnel_mtu < 576 || o.tunnel_mtu > 65535
            || !o.mac_aging_s || o.mac_aging_s > VTEP_OPTIONS_MAX_MAC_AGING_S
            || !o.max_macs || o.max_macs > VTEP_OPTIONS_MAX_MACS) {
            abort();
        }
        for (size_t i = 0; i < o.n_ports; i++) {
            if (!o.ports[i][0]) {
                abort();
            }
        }
        free(vtep_options_check(&o));
    }
    vtep_options_destroy(&o);
    return 0;
}
