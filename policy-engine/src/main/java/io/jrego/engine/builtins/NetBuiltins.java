package io.jrego.engine.builtins;

import io.jrego.engine.builtins.net.IpAddrs;
import io.jrego.engine.builtins.operand.OperandChecks;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code net.*} builtins. Addresses are parsed as literals only (see {@link IpAddrs}); {@code
 * net.lookup_ip_addr} resolves literal addresses and {@code localhost} and nothing else, because
 * jrego makes no DNS queries.
 */
final class NetBuiltins {

  /** The most addresses {@code net.cidr_expand} will list (OPA has no limit but a timeout). */
  static final int MAX_EXPAND = 1 << 20;

  private NetBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("net.cidr_contains(cidr: string, cidr_or_ip: string) => result: boolean"),
        NetBuiltins::contains);
    r.add(
        Declaration.of("net.cidr_overlap(string, string) => boolean").deprecated(),
        NetBuiltins::contains); // deprecated alias
    r.add(
        Declaration.of("net.cidr_intersects(cidr1: string, cidr2: string) => result: boolean"),
        NetBuiltins::intersects);
    r.add(
        Declaration.of(
            "net.cidr_contains_matches(cidrs: any<string, array[any<string, "
                + "array[any]>], object[string: any<string, array[any]>], "
                + "set[any<string, array[any]>]>, cidrs_or_ips: any<string, "
                + "array[any<string, array[any]>], object[string: any<string, "
                + "array[any]>], set[any<string, "
                + "array[any]>]>) => output: set[array<any, any>]"),
        NetBuiltins::containsMatches);
    r.add(
        Declaration.of("net.cidr_expand(cidr: string) => hosts: set[string]"), NetBuiltins::expand);
    r.add(
        Declaration.of("net.cidr_is_valid(cidr: string) => result: boolean"), NetBuiltins::isValid);
    r.add(
        Declaration.of(
            "net.cidr_merge(addrs: any<array[any<string>], "
                + "set[string]>) => output: set[string]"),
        NetBuiltins::merge);
    r.add(
        Declaration.of("net.lookup_ip_addr(name: string) => addrs: set[string]").nondeterministic(),
        NetBuiltins::lookup);
  }

  private static IpAddrs.Cidr cidrOperand(Value v, int pos) throws BuiltinException {
    if (!(v instanceof StringValue s)) {
      throw BuiltinException.operand(pos, "string", v);
    }
    IpAddrs.Cidr c = IpAddrs.parseCidr(s.value());
    if (c == null) {
      throw BuiltinException.error("invalid CIDR address: " + s.value());
    }
    return c;
  }

  private static Value contains(Value[] args, BuiltinContext ctx) throws BuiltinException {
    return BooleanValue.of(containsCheck(args[0], args[1]));
  }

  private static boolean containsCheck(Value a, Value b) throws BuiltinException {
    IpAddrs.Cidr net = cidrOperand(a, 1);
    if (!(b instanceof StringValue bs)) {
      throw BuiltinException.operand(1, "string", b); // OPA names operand 1 here too
    }
    byte[] ip = IpAddrs.parseIp(bs.value());
    if (ip != null) {
      return net.contains(ip);
    }
    IpAddrs.Cidr inner = IpAddrs.parseCidr(bs.value());
    if (inner == null) {
      throw BuiltinException.error(
          "not a valid textual representation of an IP address or CIDR: " + bs.value());
    }
    return net.contains(inner.network()) && net.contains(inner.last());
  }

  private static Value intersects(Value[] args, BuiltinContext ctx) throws BuiltinException {
    IpAddrs.Cidr a = cidrOperand(args[0], 1);
    IpAddrs.Cidr b = cidrOperand(args[1], 1);
    return BooleanValue.of(a.contains(b.network()) || b.contains(a.network()));
  }

  private interface MatchSink {
    void accept(Value cidr, Value index) throws BuiltinException;
  }

  private static void eachMatchOperand(int pos, Value operand, MatchSink sink)
      throws BuiltinException {
    switch (operand) {
      case StringValue s -> sink.accept(s, s);
      case ArrayValue a -> {
        for (int i = 0; i < a.size(); i++) {
          sink.accept(matchTerm(pos, a.get(i)), NumberValue.of(i));
        }
      }
      case SetValue s -> {
        for (Value e : s) {
          sink.accept(matchTerm(pos, e), e);
        }
      }
      case ObjectValue o -> {
        for (Value k : o.keys()) {
          sink.accept(matchTerm(pos, o.getOrNull(k)), k);
        }
      }
      default -> {
        // OPA iterates nothing for other types (the type checker rejects them first).
      }
    }
  }

  private static Value matchTerm(int pos, Value v) throws BuiltinException {
    if (v instanceof StringValue) {
      return v;
    }
    if (v instanceof ArrayValue a && a.size() > 0) {
      return a.get(0);
    }
    throw BuiltinException.error("operand " + pos + ": element must be string or non-empty array");
  }

  private static Value containsMatches(Value[] args, BuiltinContext ctx) throws BuiltinException {
    SetValue.Builder out = new SetValue.Builder();
    eachMatchOperand(
        1,
        args[0],
        (cidr1, index1) ->
            eachMatchOperand(
                2,
                args[1],
                (cidr2, index2) -> {
                  ctx.checkpoint(); // pairs: both operands may come from the request
                  if (containsCheck(cidr1, cidr2)) {
                    out.add(ArrayValue.of(index1, index2));
                  }
                }));
    return out.build();
  }

  private static Value expand(Value[] args, BuiltinContext ctx) throws BuiltinException {
    IpAddrs.Cidr c = cidrOperand(args[0], 1);
    int hostBits = c.bits() - c.prefix();
    if (hostBits > 20) {
      throw BuiltinException.error(
          "CIDR "
              + ((StringValue) args[0]).value()
              + " too large to expand (limit "
              + MAX_EXPAND
              + " addresses)");
    }
    ctx.reserve(128L << hostBits); // a string and its set entry per address
    BigInteger first = IpAddrs.toBig(c.network());
    SetValue.Builder out = new SetValue.Builder();
    for (long i = 0; i < (1L << hostBits); i++) {
      byte[] ip = IpAddrs.fromBig(first.add(BigInteger.valueOf(i)), c.network().length);
      out.add(StringValue.of(IpAddrs.format(ip)));
    }
    return out.build();
  }

  private static Value isValid(Value[] args, BuiltinContext ctx) {
    return BooleanValue.of(
        args[0] instanceof StringValue s && IpAddrs.parseCidr(s.value()) != null);
  }

  /** One input of cidr_merge: a block, printed with its raw address when built from a bare IP. */
  private record Block(IpAddrs.Cidr cidr, boolean bareIp) {}

  private static Value merge(Value[] args, BuiltinContext ctx) throws BuiltinException {
    List<Value> elements =
        switch (args[0]) {
          case ArrayValue a -> a.asList();
          case SetValue s -> s.elements();
          default -> throw BuiltinException.error("operand must be an array");
        };
    List<Block> v4 = new ArrayList<>();
    List<Block> v6 = new ArrayList<>();
    for (Value e : elements) {
      Block b = block(e);
      (b.cidr().network().length == 4 ? v4 : v6).add(b);
    }
    SetValue.Builder out = new SetValue.Builder();
    mergeFamily(v4, out);
    mergeFamily(v6, out);
    return out.build();
  }

  private static Block block(Value e) throws BuiltinException {
    if (!(e instanceof StringValue s)) {
      throw BuiltinException.error("element must be string");
    }
    byte[] ip = IpAddrs.parseIp(s.value());
    if (ip == null) {
      IpAddrs.Cidr c = IpAddrs.parseCidr(s.value());
      if (c == null) {
        throw BuiltinException.error("invalid CIDR address: " + s.value());
      }
      return new Block(c, false);
    }
    if (ip.length != 4) {
      throw BuiltinException.error("IPv6 invalid: needs prefix length");
    }
    int first = ip[0] & 0xff;
    int prefix = first < 0x80 ? 8 : first < 0xc0 ? 16 : 24; // Go's classful DefaultMask
    return new Block(new IpAddrs.Cidr(ip, IpAddrs.mask(ip, prefix), prefix), true);
  }

  /** A range of addresses; {@code origin} is the single input block it came from, if any. */
  private record Range(BigInteger first, BigInteger last, Block origin) {}

  private static void mergeFamily(List<Block> blocks, SetValue.Builder out) {
    if (blocks.isEmpty()) {
      return;
    }
    int len = blocks.get(0).cidr().network().length;
    List<Range> ranges = new ArrayList<>();
    for (Block b : blocks) {
      ranges.add(new Range(IpAddrs.toBig(b.cidr().network()), IpAddrs.toBig(b.cidr().last()), b));
    }
    ranges.sort(Comparator.comparing(Range::last).thenComparing(Range::first));
    for (int i = ranges.size() - 1; i > 0; i--) {
      Range cur = ranges.get(i);
      Range prev = ranges.get(i - 1);
      if (cur.first().subtract(BigInteger.ONE).compareTo(prev.last()) <= 0) {
        BigInteger first = prev.first().min(cur.first());
        ranges.set(i - 1, new Range(first, cur.last(), null));
        ranges.remove(i);
      }
    }
    for (Range r : ranges) {
      if (r.origin() != null) {
        out.add(StringValue.of(r.origin().cidr().format(r.origin().bareIp())));
      } else {
        rangeToCidrs(r.first(), r.last(), len, out);
      }
    }
  }

  /** The fewest aligned blocks covering [first, last]. */
  private static void rangeToCidrs(
      BigInteger first, BigInteger last, int len, SetValue.Builder out) {
    int bits = len * 8;
    BigInteger cur = first;
    while (cur.compareTo(last) <= 0) {
      int size = cur.signum() == 0 ? bits : Math.min(cur.getLowestSetBit(), bits);
      while (size > 0
          && cur.add(BigInteger.ONE.shiftLeft(size)).subtract(BigInteger.ONE).compareTo(last) > 0) {
        size--;
      }
      out.add(StringValue.of(IpAddrs.format(IpAddrs.fromBig(cur, len)) + "/" + (bits - size)));
      cur = cur.add(BigInteger.ONE.shiftLeft(size));
    }
  }

  private static Value lookup(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String name = OperandChecks.string(args, 0);
    byte[] ip = IpAddrs.parseIp(name);
    if (ip != null) {
      return SetValue.of(StringValue.of(IpAddrs.format(ip)));
    }
    if (name.equalsIgnoreCase("localhost")) {
      return SetValue.of(StringValue.of("127.0.0.1"));
    }
    throw BuiltinException.error(
        "lookup " + name + ": no such host (jrego resolves only IP literals and localhost)");
  }
}
