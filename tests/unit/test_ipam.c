/* Unit tests for src/controller/ipam.c (addresses, prefixes, Neutron's
 * default gateway and pools, MACs) and src/controller/config.c (every value
 * checked, errors naming file and line).  Table-driven; the expected pools
 * are neutron-server 21's answers for the same cidrs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/config.h"
#include "controller/ipam.h"

static void
test_prefix_parse(void **state)
{
    static const struct {
        const char *in;
        const char *out;        /* NULL: refused. */
    } cases[] = {
        { "10.1.0.5/24", "10.1.0.0/24" },
        { "10.1.0.0/32", "10.1.0.0/32" },
        { "10.1.0.0", "10.1.0.0/32" },
        { "0.0.0.0/0", "0.0.0.0/0" },
        { "fd00:1::7/64", "fd00:1::/64" },
        { "FD00:1::/48", "fd00:1::/48" },
        { "10.1.0.0/33", NULL },
        { "fd00::/129", NULL },
        { "10.1.0.0/", NULL },
        { "10.1.0.0/x", NULL },
        { "bad", NULL },
        { "10.1.0/24", NULL },
        { "", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ipam_prefix p;
        bool ok = ipam_prefix_parse(cases[i].in, &p);
        if (!cases[i].out) {
            if (ok) {
                fail_msg("%s: accepted", cases[i].in);
            }
            continue;
        }
        if (!ok) {
            fail_msg("%s: refused", cases[i].in);
        }
        char buf[80];
        ipam_prefix_format(&p, buf);
        assert_string_equal(buf, cases[i].out);
    }
}

static void
test_default_pools(void **state)
{
    static const struct {
        const char *cidr, *gateway, *start, *end;
    } cases[] = {
        { "10.1.0.0/24", "10.1.0.1", "10.1.0.1", "10.1.0.254" },
        { "10.1.0.0/30", "10.1.0.1", "10.1.0.1", "10.1.0.2" },
        { "fd00:1::/64", "fd00:1::", "fd00:1::1", "fd00:1::ffff:ffff:ffff:ffff" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ipam_prefix p;
        assert_true(ipam_prefix_parse(cases[i].cidr, &p));
        struct ipam_addr gw = ipam_default_gateway(&p), s, e;
        char buf[64];
        ipam_addr_format(&gw, buf);
        assert_string_equal(buf, cases[i].gateway);
        ipam_default_pool(&p, &s, &e);
        ipam_addr_format(&s, buf);
        assert_string_equal(buf, cases[i].start);
        ipam_addr_format(&e, buf);
        assert_string_equal(buf, cases[i].end);
    }
}

static void
test_contains_overlaps(void **state)
{
    struct ipam_prefix a, b, c, v6;
    struct ipam_addr in, out, v6a;
    assert_true(ipam_prefix_parse("10.1.0.0/24", &a));
    assert_true(ipam_prefix_parse("10.1.0.0/25", &b));
    assert_true(ipam_prefix_parse("10.2.0.0/16", &c));
    assert_true(ipam_prefix_parse("::/0", &v6));
    assert_true(ipam_addr_parse("10.1.0.200", &in));
    assert_true(ipam_addr_parse("10.1.1.0", &out));
    assert_true(ipam_addr_parse("::1", &v6a));
    assert_true(ipam_prefix_overlaps(&a, &b));
    assert_false(ipam_prefix_overlaps(&a, &c));
    assert_false(ipam_prefix_overlaps(&a, &v6));
    assert_true(ipam_prefix_contains(&a, &in));
    assert_false(ipam_prefix_contains(&b, &in));
    assert_false(ipam_prefix_contains(&a, &out));
    assert_true(ipam_prefix_contains(&v6, &v6a));
    assert_false(ipam_prefix_contains(&v6, &in));
}

static void
test_mac(void **state)
{
    uint8_t mac[6], base[6] = { 0xfa, 0x16, 0x3e, 0, 0, 0 };
    char buf[18];
    assert_true(ipam_mac_parse("FA:16:3E:00:0a:ff", mac));
    ipam_mac_format(mac, buf);
    assert_string_equal(buf, "fa:16:3e:00:0a:ff");
    const char *bad[] = { "zz", "fa:16:3e:00:0a", "fa:16:3e:00:0a:fff", "fa-16-3e-00-0a-ff",
                          "fa:16:3e:00:0a:f", "fa:16:3e:00:0a:fg" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ipam_mac_parse(bad[i], mac)) {
            fail_msg("%s: accepted", bad[i]);
        }
    }
    ipam_mac_random(base, mac);
    assert_memory_equal(mac, base, 3);
    base[3] = 0xaa;
    ipam_mac_random(base, mac);
    assert_memory_equal(mac, base, 4);
}

static void
test_config_file(void **state)
{
    static const struct {
        const char *text;
        const char *error;      /* Substring of the error, NULL if none. */
    } cases[] = {
        { "[ml2_type_vxlan]\nvni_ranges = 100:200, 300:400\n", NULL },
        { "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:1:4094,physnet2\n", NULL },
        { "; c\n# c\n\n[DEFAULT]\nbind_port = 0\n", NULL },
        { "[ml2_type_vxlan]\nvni_ranges = 0:10\n", ":2: vni_ranges" },
        { "[ml2_type_vxlan]\nvni_ranges =\n", ":2: vni_ranges" },
        { "[ml2_type_vlan]\nnetwork_vlan_ranges = p:1:4095\n", ":2: network_vlan_ranges" },
        { "[ml2_type_vlan]\nnetwork_vlan_ranges = p,p\n", ":2: network_vlan_ranges" },
        { "[DEFAULT]\nbind_port = -1\n", ":2: bind_port" },
        { "[DEFAULT]\nlog_level = loud\n", ":2: log_level" },
        { "[DEFAULT\n", ":1: bad section" },
        { "x = 1\n", ":1: unknown key" },
    };
    char path[] = "/tmp/seam-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        fputs(cases[i].text, f);
        fclose(f);
        struct seamd_config c;
        seamd_config_init(&c);
        char *error = NULL;
        int err = seamd_config_load(&c, path, &error);
        if (!cases[i].error) {
            if (err) {
                fail_msg("case %zu: %s", i, error);
            }
        } else if (!err || !strstr(error, cases[i].error) || strncmp(error, path,
                                                                     strlen(path))) {
            fail_msg("case %zu: expected \"%s\", got \"%s\"", i, cases[i].error,
                     error ? error : "success");
        }
        free(error);
        seamd_config_destroy(&c);
    }
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_parse),
        cmocka_unit_test(test_default_pools),
        cmocka_unit_test(test_contains_overlaps),
        cmocka_unit_test(test_mac),
        cmocka_unit_test(test_config_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
