/* Unit tests of src/vtep/options.c: seam-vtep's settings from a
 * configuration file and the command line.
 *
 * tests/unit/data/vtep_options/good.conf holds every setting a file may
 * have; the errors are table-driven vectors of file text (or argv) and the
 * exact message, each also checked to leave the options unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/testlib.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "vtep/options.h"

#define SCHEMA "/default/vtep.ovsschema"

/* Fails unless 'error' (taken) is 'expect' (NULL: no error). */
static void
assert_error(char *error, const char *expect)
{
    if (!expect) {
        if (error) {
            fail_msg("unexpected error: %s", error);
        }
        return;
    }
    if (!error) {
        fail_msg("no error, expected: %s", expect);
    }
    assert_string_equal(error, expect);
    free(error);
}

static void
test_defaults(void **state)
{
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_null(o.name);
    assert_false(o.has_tunnel_ip);
    assert_int_equal(o.n_ports, 0);
    assert_string_equal(o.mode, "tor");
    assert_int_equal(o.vxlan_port, 4789);
    assert_int_equal(o.tunnel_mtu, 1500);
    assert_int_equal(o.mac_aging_s, 300);
    assert_int_equal(o.max_macs, 65536);
    assert_false(o.routed_tx);
    assert_string_equal(o.schema, SCHEMA);
    assert_int_equal(o.log_level, -1);
    vtep_options_destroy(&o);
    vtep_options_destroy(NULL);
}

static void
test_good_file(void **state)
{
    char *path = testlib_data_path("vtep_options/good.conf");
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_error(vtep_options_parse_file(&o, path), NULL);
    assert_string_equal(o.name, "tor#1");               /* The last wins. */
    assert_true(o.has_tunnel_ip);
    testlib_assert_ipv4(o.tunnel_ip, "10.0.0.1");
    assert_int_equal(o.n_ports, 3);
    assert_string_equal(o.ports[0], "eth1");
    assert_string_equal(o.ports[1], "eth2");
    assert_string_equal(o.ports[2], "eth3");            /* Tabs around. */
    assert_string_equal(o.mode, "hypervisor");
    assert_int_equal(o.n_port_matches, 2);
    assert_string_equal(o.port_matches[0], "tap*");     /* Comment cut. */
    assert_string_equal(o.port_matches[1], "vnet[0-9]*");
    assert_int_equal(o.vxlan_port, 4790);
    assert_int_equal(o.tunnel_mtu, 9000);
    assert_int_equal(o.mac_aging_s, 60);
    assert_int_equal(o.max_macs, 1024);
    assert_true(o.routed_tx);
    assert_string_equal(o.db, "/var/lib/seam/vtep.db");
    assert_string_equal(o.schema, "/usr/share/openvswitch/vtep.ovsschema");
    assert_null(o.db_remote);
    assert_int_equal(o.n_remotes, 2);
    assert_string_equal(o.remotes[0], "punix:/run/seam/vtep.sock");
    assert_string_equal(o.remotes[1], "ptcp:6640:127.0.0.1");
    assert_int_equal(o.n_managers, 2);
    assert_string_equal(o.managers[0], "tcp:192.0.2.10:6640");
    assert_string_equal(o.managers[1], "ssl:[2001:db8::1]:6640");
    assert_string_equal(o.private_key, "/etc/seam/key.pem");
    assert_string_equal(o.certificate, "/etc/seam/cert.pem");
    assert_string_equal(o.ca_cert, "/etc/seam/ca.pem");
    assert_string_equal(o.pidfile, "/run/seam/vtep.pid");
    assert_string_equal(o.log_file, "/var/log/seam/vtep.log");
    assert_int_equal(o.log_level, LOG_LEVEL_DBG);
    assert_int_equal(o.n_debug, 1);
    assert_string_equal(o.debug[0], "vtep,fdb");
    assert_null(o.config);
    assert_false(o.help);
    assert_error(vtep_options_check(&o), NULL);
    vtep_options_destroy(&o);
    free(path);
}

/* Each bad file: the message names FILE:LINE, and the lines before it were
 * applied (the caller exits on any error, so that is all it promises). */
static void
test_file_errors(void **state)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "name a\nbogus 1\n", "t.conf:2: unknown setting \"bogus\"" },
        { "# c\n\n  \ttunnel-ip\n", "t.conf:3: tunnel-ip: a value is required" },
        { "tunnel-ip # only a comment\n", "t.conf:1: tunnel-ip: a value is required" },
        { "name=tor1\n", "t.conf:1: unknown setting \"name=tor1\" (write \"name value\", no '=')" },
        { "config other.conf\n",
          "t.conf:1: \"config\" is only a command-line option (no nesting)" },
        { "help\n", "t.conf:1: unknown setting \"help\"" },
        { "version\n", "t.conf:1: unknown setting \"version\"" },
        { "vxlan-port 0\n", "t.conf:1: vxlan-port: \"0\" is not an integer in 1..65535" },
        { "vxlan-port 65536", "t.conf:1: vxlan-port: \"65536\" is not an integer in 1..65535" },
        { "tunnel-mtu 575\n",
          "t.conf:1: tunnel-mtu: \"575\" is not an integer in 576..65535 bytes" },
        { "mac-aging 0\n",
          "t.conf:1: mac-aging: \"0\" is not an integer in 1..1000000 seconds" },
        { "max-macs 16777217\n",
          "t.conf:1: max-macs: \"16777217\" is not an integer in 1..16777216" },
        { "tunnel-ip 10.0.0.256\n", "t.conf:1: tunnel-ip: \"10.0.0.256\" is not an IPv4 address" },
        { "tunnel-ip 224.0.0.1\n",
          "t.conf:1: tunnel-ip: \"224.0.0.1\" is not a unicast IPv4 address" },
        { "port eth1 eth2\n", "t.conf:1: port: \"eth1 eth2\" is not an interface name" },
        { "port a234567890123456\n",                  /* IFNAMSIZ */
          "t.conf:1: port: \"a234567890123456\" is not an interface name" },
        { "mode leaf\n", "t.conf:1: mode: \"leaf\" is not tor or hypervisor" },
        { "tunnel-tx kernel\n", "t.conf:1: tunnel-tx: \"kernel\" is not direct or routed" },
        { "log-level loud\n",
          "t.conf:1: log-level: \"loud\" is not a log level (err, warn, info, debug, off)" },
        { "manager 192.0.2.1:6640\n",
          "t.conf:1: manager: \"192.0.2.1:6640\" is not a remote (unix:PATH, "
          "tcp:IP:PORT, ssl:IP:PORT, punix:PATH, ptcp:PORT[:IP], pssl:PORT[:IP])" },
        { "manager tcp:192.0.2.1\n",
          "t.conf:1: manager: \"tcp:192.0.2.1\": IP:PORT expected after the prefix" },
        { "remote ptcp:x\n",
          "t.conf:1: remote: \"ptcp:x\": PORT[:IP] expected after the prefix" },
        { "remote punix:\n", "t.conf:1: remote: \"punix:\": nothing after the prefix" },
        { "db-remote ptcp:6640\n",
          "t.conf:1: db-remote: \"ptcp:6640\" is not a remote (unix:PATH, "
          "tcp:IP:PORT, ssl:IP:PORT)" },
        { "name a\r\nport e0\r\nport\r\n", "t.conf:3: port: a value is required" },
        { "name a\nport e\0x\n", "t.conf:2: NUL byte in the line" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct vtep_options o;
        size_t size = strlen(cases[i].text);

        if (strstr(cases[i].error, "NUL")) {
            size = sizeof "name a\nport e\0x\n" - 1;
        }
        vtep_options_init(&o, SCHEMA);
        assert_error(vtep_options_parse_text(&o, "t.conf", cases[i].text, size),
                     cases[i].error);
        vtep_options_destroy(&o);
    }
}

/* A bad value leaves the options as they were. */
static void
test_set_rejects_without_change(void **state)
{
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_error(vtep_options_set(&o, "vxlan-port", "5000"), NULL);
    assert_error(vtep_options_set(&o, "tunnel-ip", "192.0.2.1"), NULL);
    assert_error(vtep_options_set(&o, "port", "p0"), NULL);
    static const struct {
        const char *name, *value, *error;
    } bad[] = {
        { "vxlan-port", "", "the value is empty" },
        { "vxlan-port", "+1", "\"+1\" is not an integer in 1..65535" },
        { "vxlan-port", " 1", "\" 1\" is not an integer in 1..65535" },
        { "vxlan-port", "1x", "\"1x\" is not an integer in 1..65535" },
        { "vxlan-port", "0x10", "\"0x10\" is not an integer in 1..65535" },
        { "vxlan-port", "99999999999999999999999",
          "\"99999999999999999999999\" is not an integer in 1..65535" },
        { "tunnel-ip", "0.0.0.0", "\"0.0.0.0\" is not a unicast IPv4 address" },
        { "tunnel-ip", "255.255.255.255",
          "\"255.255.255.255\" is not a unicast IPv4 address" },
        { "tunnel-ip", "fe80::1", "\"fe80::1\" is not an IPv4 address" },
        { "port", "a/b", "\"a/b\" is not an interface name" },
        { "port", "..", "\"..\" is not an interface name" },
        { "port", NULL, "a value is required" },
        { "help", "yes", "takes no value (\"yes\" given)" },
        { "nope", "1", "unknown setting \"nope\"" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_error(vtep_options_set(&o, bad[i].name, bad[i].value), bad[i].error);
    }
    assert_int_equal(o.vxlan_port, 5000);
    testlib_assert_ipv4(o.tunnel_ip, "192.0.2.1");
    assert_int_equal(o.n_ports, 1);

    /* The bounds themselves are accepted. */
    static const struct {
        const char *name, *value;
    } good[] = {
        { "vxlan-port", "1" }, { "vxlan-port", "65535" },
        { "tunnel-mtu", "576" }, { "tunnel-mtu", "65535" },
        { "mac-aging", "1" }, { "mac-aging", "1000000" },
        { "max-macs", "1" }, { "max-macs", "16777216" },
        { "port", "a23456789012345" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        assert_error(vtep_options_set(&o, good[i].name, good[i].value), NULL);
    }
    assert_int_equal(o.vxlan_port, 65535);
    assert_int_equal(o.tunnel_mtu, 65535);
    assert_int_equal(o.mac_aging_s, 1000000);
    assert_int_equal(o.max_macs, 16777216);
    vtep_options_destroy(&o);
}

static void
test_unreadable_file(void **state)
{
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_error(vtep_options_parse_file(&o, "/nonexistent/seam.conf"),
                 "/nonexistent/seam.conf: cannot read: No such file or directory");
    assert_error(vtep_options_parse_file(&o, "/"), "/: cannot read: Is a directory");
    vtep_options_destroy(&o);
}

/* argv ends with a NULL, as main()'s does. */
static char *
parse_argv(struct vtep_options *o, ...)
{
    char *argv[32];
    int argc = 0;
    va_list args;

    argv[argc++] = (char *) "seam-vtep";
    va_start(args, o);
    for (char *a; (a = va_arg(args, char *)); ) {
        argv[argc++] = a;
    }
    va_end(args);
    argv[argc] = NULL;
    return vtep_options_parse_args(o, argc, argv);
}

/* The file first, then the flags (wherever --config is among them). */
static void
test_flags_override_file(void **state)
{
    char *path = testlib_data_path("vtep_options/good.conf");
    char *config = xasprintf("--config=%s", path);
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_error(parse_argv(&o, "--name=cli", "--port", "p9", config, "--vxlan-port=5000",
                            "--mode=tor", "--tunnel-tx", "direct", "-d", "ovsdb",
                            "--log-level=warn", "--manager=tcp:198.51.100.1:6640",
                            NULL), NULL);
    assert_string_equal(o.config, path);
    assert_string_equal(o.name, "cli");
    assert_int_equal(o.vxlan_port, 5000);
    assert_string_equal(o.mode, "tor");
    assert_false(o.routed_tx);
    assert_int_equal(o.log_level, LOG_LEVEL_WARN);
    /* Repeatable settings: the file's, then the flags'. */
    assert_int_equal(o.n_ports, 4);
    assert_string_equal(o.ports[0], "eth1");
    assert_string_equal(o.ports[3], "p9");
    assert_int_equal(o.n_managers, 3);
    assert_string_equal(o.managers[2], "tcp:198.51.100.1:6640");
    assert_int_equal(o.n_debug, 2);
    assert_string_equal(o.debug[1], "ovsdb");
    /* The file's other values stay. */
    testlib_assert_ipv4(o.tunnel_ip, "10.0.0.1");
    assert_int_equal(o.tunnel_mtu, 9000);
    assert_int_equal(o.max_macs, 1024);
    vtep_options_destroy(&o);
    free(config);
    free(path);
}

static void
test_arg_errors(void **state)
{
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_error(parse_argv(&o, "--vxlan-port=0", NULL),
                 "--vxlan-port: \"0\" is not an integer in 1..65535");
    assert_error(parse_argv(&o, "--tunnel-ip", "1.2.3", NULL),
                 "--tunnel-ip: \"1.2.3\" is not an IPv4 address");
    assert_error(parse_argv(&o, "--bogus=1", NULL), "unknown option \"--bogus\"");
    assert_error(parse_argv(&o, "-x", NULL), "unknown option \"-x\"");
    assert_error(parse_argv(&o, "--name", NULL), "--name: a value is required");
    assert_error(parse_argv(&o, "-d", NULL), "-d: a value is required");
    assert_error(parse_argv(&o, "--help=1", NULL), "unknown option \"--help\"");
    assert_error(parse_argv(&o, "--name=a", "stray", NULL),
                 "unexpected argument \"stray\"");
    assert_error(parse_argv(&o, "--config=a", "--config=b", NULL),
                 "--config given twice (\"a\", \"b\")");
    assert_error(parse_argv(&o, "--config=/nonexistent/x.conf", NULL),
                 "/nonexistent/x.conf: cannot read: No such file or directory");
    assert_null(o.name);
    assert_int_equal(o.vxlan_port, 4789);
    vtep_options_destroy(&o);

    /* -h and -V read no file and need nothing else. */
    vtep_options_init(&o, SCHEMA);
    assert_error(parse_argv(&o, "--config=/nonexistent/x.conf", "-h", NULL), NULL);
    assert_true(o.help);
    vtep_options_destroy(&o);
    vtep_options_init(&o, SCHEMA);
    assert_error(parse_argv(&o, "--version", NULL), NULL);
    assert_true(o.version);
    vtep_options_destroy(&o);
}

static void
test_check(void **state)
{
    struct vtep_options o;

    vtep_options_init(&o, SCHEMA);
    assert_error(vtep_options_check(&o), "missing --name, --tunnel-ip, --port or "
                 "--port-match (at least one), --db or --db-remote (see --help)");
    assert_error(parse_argv(&o, "--name=a", "--port=p0", NULL), NULL);
    assert_error(vtep_options_check(&o),
                 "missing --tunnel-ip, --db or --db-remote (see --help)");
    assert_error(parse_argv(&o, "--tunnel-ip=192.0.2.1", "--db=x.db",
                            "--db-remote=unix:/s", NULL), NULL);
    assert_error(vtep_options_check(&o), "--db and --db-remote exclude each other");
    free(o.db);
    o.db = NULL;
    assert_error(vtep_options_check(&o), NULL);
    assert_error(parse_argv(&o, "--manager=tcp:192.0.2.9:6640", NULL), NULL);
    assert_error(vtep_options_check(&o), "--manager needs --db (an external "
                 "ovsdb-server follows its own Manager rows)");
    vtep_options_destroy(&o);

    vtep_options_init(&o, SCHEMA);
    assert_error(parse_argv(&o, "--name=a", "--port=p0", "--tunnel-ip=192.0.2.1",
                            "--db-remote=unix:/s", "--remote=punix:/t", NULL), NULL);
    assert_error(vtep_options_check(&o), "--remote needs --db (an external "
                 "ovsdb-server has its own remotes)");
    vtep_options_destroy(&o);

    /* --port-match alone is enough: a hypervisor's taps come later. */
    vtep_options_init(&o, SCHEMA);
    assert_error(parse_argv(&o, "--name=a", "--port-match=tap*", "--port-match=vnet?",
                            "--tunnel-ip=192.0.2.1", "--db=x.db", NULL), NULL);
    assert_error(vtep_options_check(&o), NULL);
    assert_int_equal(o.n_port_matches, 2);
    assert_string_equal(o.port_matches[1], "vnet?");
    char long_pattern[66];
    memset(long_pattern, '*', 65);
    long_pattern[65] = '\0';
    char *want = xasprintf("\"%s\" is not a pattern of 1..64 characters", long_pattern);
    assert_error(vtep_options_set(&o, "port-match", long_pattern), want);
    free(want);
    assert_int_equal(o.n_port_matches, 2);
    vtep_options_destroy(&o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_set_rejects_without_change),
        cmocka_unit_test(test_unreadable_file),
        cmocka_unit_test(test_flags_override_file),
        cmocka_unit_test(test_arg_errors),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
