package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.call;
import static io.jrego.engine.builtins.BuiltinCalls.json;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.net.IpAddrs;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NetBuiltinsTest {

  private static SetValue strings(String... ss) {
    return SetValue.of(Arrays.stream(ss).map(StringValue::of).toList());
  }

  @Test
  void cidrContains_handlesSubnetsAndAddresses() throws Exception {
    assertThat(call("net.cidr_contains", s("10.0.0.0/8"), s("10.1.0.0/24")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("net.cidr_contains", s("172.17.0.0/24"), s("172.17.0.0/16")))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(call("net.cidr_contains", s("10.0.0.0/8"), s("10.1.2.3")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("net.cidr_contains", s("10.0.0.0/8"), s("192.168.1.1")))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(
            call(
                "net.cidr_contains",
                s("2001:4860:4860::8888/32"),
                s("2001:4860:4860:1234::8888/40")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("net.cidr_contains", s("2001:4860::/96"), s("2001:4860::/32")))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(call("net.cidr_contains", s("10.0.0.0/8"), s("::ffff:10.1.1.1")))
        .isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void cidrContains_reportsMalformedInputs() {
    assertThatThrownBy(() -> call("net.cidr_contains", s("not-a-cidr"), s("192.168.1.67")))
        .hasMessage("invalid CIDR address: not-a-cidr");
    assertThatThrownBy(() -> call("net.cidr_contains", s("192.168.1.0/28"), s("x")))
        .hasMessage("not a valid textual representation of an IP address or CIDR: x");
  }

  @Test
  void cidrIntersects_comparesBlocks() throws Exception {
    assertThat(call("net.cidr_intersects", s("192.168.1.0/25"), s("192.168.1.64/25")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("net.cidr_intersects", s("192.168.1.0/24"), s("192.168.2.0/24")))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(
            call(
                "net.cidr_intersects",
                s("fd1e:5bfe:8af3:9ddc::/64"),
                s("fd1e:5bfe:8af3:9ddc:1111::/72")))
        .isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void cidrContainsMatches_pairsIndexes() throws Exception {
    assertThat(
            call(
                "net.cidr_contains_matches",
                json("[[\"1.1.2.0/24\", 1], \"1.1.1.0/24\"]"),
                json("[\"1.1.1.1\", \"1.1.2.1\"]")))
        .isEqualTo(SetValue.of(json("[0, 1]"), json("[1, 0]")));
    assertThat(
            call(
                "net.cidr_contains_matches",
                json("{\"k1\": \"1.1.1.1/24\", \"k2\": [\"1.1.1.2/24\", 1]}"),
                s("1.1.1.128")))
        .isEqualTo(SetValue.of(json("[\"k1\", \"1.1.1.128\"]"), json("[\"k2\", \"1.1.1.128\"]")));
    assertThatThrownBy(
            () ->
                call(
                    "net.cidr_contains_matches",
                    json("[\"1.1.2.0/24\"]"),
                    ArrayValue.of(s("1.1.1.1"), ArrayValue.EMPTY)))
        .hasMessage("operand 2: element must be string or non-empty array");
  }

  @Test
  void cidrExpand_listsEveryAddress() throws Exception {
    assertThat(call("net.cidr_expand", s("192.168.1.1/30")))
        .isEqualTo(strings("192.168.1.0", "192.168.1.1", "192.168.1.2", "192.168.1.3"));
    assertThat(call("net.cidr_expand", s("::1/126"))).isEqualTo(strings("::", "::1", "::2", "::3"));
    assertThatThrownBy(() -> call("net.cidr_expand", s("192.168.1.1/33")))
        .hasMessage("invalid CIDR address: 192.168.1.1/33");
  }

  @Test
  void cidrIsValid_acceptsOnlyCidrs() throws Exception {
    assertThat(call("net.cidr_is_valid", s("192.168.1.0/24"))).isEqualTo(BooleanValue.TRUE);
    assertThat(call("net.cidr_is_valid", s("2002::1234:abcd:ffff:c0a8:101/64")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("net.cidr_is_valid", s("192.168.1.2"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("net.cidr_is_valid", s(""))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("net.cidr_is_valid", s("010.1.1.1/32"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("net.cidr_is_valid", NumberValue.of(1))).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void cidrMerge_mergesAdjacentAndContainedBlocks() throws Exception {
    assertThat(call("net.cidr_merge", json("[\"192.0.128.0/24\", \"192.0.129.0/24\"]")))
        .isEqualTo(strings("192.0.128.0/23"));
    assertThat(
            call(
                "net.cidr_merge",
                json("[\"192.0.2.112/31\", \"192.0.2.116/31\", \"192.0.2.118/31\"]")))
        .isEqualTo(strings("192.0.2.112/31", "192.0.2.116/30"));
    assertThat(
            call(
                "net.cidr_merge",
                json(
                    "[\"fe80::/120\", \"192.0.2.0/24\", \"192.0.3.0/24\", \"192.0.4.0/25\","
                        + " \"192.0.4.128/25\"]")))
        .isEqualTo(strings("192.0.2.0/23", "192.0.4.0/24", "fe80::/120"));
    assertThat(call("net.cidr_merge", json("[\"::/0\", \"::192.0.2.0/124\", \"ff00::101/128\"]")))
        .isEqualTo(strings("::/0"));
    assertThat(
            call(
                "net.cidr_merge",
                json(
                    "[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64\","
                        + " \"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128\"]")))
        .isEqualTo(strings("2601:600:8a80:207e::/64"));
    assertThat(call("net.cidr_merge", ArrayValue.EMPTY)).isEqualTo(SetValue.EMPTY);
  }

  @Test
  void cidrMerge_givesBareIpv4TheClassfulMask() throws Exception {
    assertThat(
            call(
                "net.cidr_merge",
                json("[\"192.0.2.112\", \"192.0.2.116/31\", \"192.0.2.118/31\"]")))
        .isEqualTo(strings("192.0.2.0/24"));
    assertThat(call("net.cidr_merge", json("[\"10.1.2.3\", \"224.0.0.1\"]")))
        .isEqualTo(strings("10.1.2.3/8", "224.0.0.1/24"));
    assertThatThrownBy(
            () -> call("net.cidr_merge", json("[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3\"]")))
        .hasMessage("IPv6 invalid: needs prefix length");
    assertThatThrownBy(() -> call("net.cidr_merge", json("[\"foo\"]")))
        .isInstanceOf(BuiltinException.class);
  }

  @Test
  void lookupIpAddr_resolvesLiteralsAndLocalhostOnly() throws Exception {
    assertThat(call("net.lookup_ip_addr", s("10.0.0.0"))).isEqualTo(strings("10.0.0.0"));
    assertThat(call("net.lookup_ip_addr", s("::"))).isEqualTo(strings("::"));
    assertThat(call("net.lookup_ip_addr", s("2001:DB8:0:0:0:0:0:1")))
        .isEqualTo(strings("2001:db8::1"));
    assertThat(call("net.lookup_ip_addr", s("localhost"))).isEqualTo(strings("127.0.0.1"));
    assertThatThrownBy(() -> call("net.lookup_ip_addr", s("example.com")))
        .isInstanceOf(BuiltinException.class);
  }

  @Test
  void ipFormatting_followsGo() {
    assertThat(IpAddrs.format(IpAddrs.parseIp("2001:0:0:1:0:0:0:1"))).isEqualTo("2001:0:0:1::1");
    assertThat(IpAddrs.format(IpAddrs.parseIp("1:0:0:2:0:0:3:4"))).isEqualTo("1::2:0:0:3:4");
    assertThat(IpAddrs.format(IpAddrs.parseIp("1:2:3:4:5:6:7:0"))).isEqualTo("1:2:3:4:5:6:7:0");
    assertThat(IpAddrs.parseIp("1::2::3")).isNull();
    assertThat(IpAddrs.parseIp("1:2:3:4:5:6:7:8:9")).isNull();
    assertThat(IpAddrs.parseIp("::1.2.3.4")).hasSize(16);
    assertThat(IpAddrs.parseIp("1.2.3")).isNull();
  }
}
