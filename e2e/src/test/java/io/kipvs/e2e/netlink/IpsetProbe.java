package io.kipvs.e2e.netlink;

import io.kipvs.ipset.IpsetClient;
import io.kipvs.ipset.IpsetDefinition;
import io.kipvs.ipset.IpsetDefinition.HashType;
import io.kipvs.ipset.IpsetFailure;
import io.kipvs.ipset.IpsetMember;
import io.kipvs.ipset.IpsetOperation;
import io.kipvs.ipset.SetHeader;
import io.kipvs.ipvs.AddressText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs inside a node: drives our ipset client and writes what it did and read into a file of the
 * node's output folder, members in ipset's text form, for the test on the host to compare with the
 * ipset binary.
 *
 * <p>Commands: {@code write OUT}, {@code rewrite OUT}, {@code delete OUT}, {@code read OUT SET...},
 * {@code destroy OUT SET...}, {@code sizes OUT}, {@code bench-write OUT SET N}, {@code bench-read
 * OUT SET}.
 */
public final class IpsetProbe {
  /** Every set type and family kube-proxy's IPVS mode creates, with its options. */
  static final List<IpsetDefinition> SETS =
      List.of(
          new IpsetDefinition.Hash("K-IP", HashType.IP, false, 1024, 65536),
          new IpsetDefinition.Hash("K-IP-PORT", HashType.IP_PORT, false, 1024, 65536),
          new IpsetDefinition.Hash("K-IP-PORT-IP", HashType.IP_PORT_IP, false, 1024, 65536),
          new IpsetDefinition.Hash("K-IP-PORT-NET", HashType.IP_PORT_NET, false, 1024, 65536),
          new IpsetDefinition.BitmapPort("K-PORT", 0, 65535),
          new IpsetDefinition.Hash("K-6-IP", HashType.IP, true, 1024, 65536),
          new IpsetDefinition.Hash("K-6-IP-PORT", HashType.IP_PORT, true, 1024, 65536),
          new IpsetDefinition.Hash("K-6-IP-PORT-IP", HashType.IP_PORT_IP, true, 1024, 65536),
          new IpsetDefinition.Hash("K-6-IP-PORT-NET", HashType.IP_PORT_NET, true, 1024, 65536),
          new IpsetDefinition.BitmapPort("K-SMALL-PORT", 30000, 30010));

  private IpsetProbe() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[1]);
    List<String> rest = Arrays.asList(args).subList(2, args.length);
    String result;
    try (IpsetClient client = IpsetClient.open()) {
      result =
          switch (args[0]) {
            case "write" -> failures(client.apply(writes(true)));
            case "rewrite" -> failures(client.apply(writes(false)));
            case "delete" -> failures(client.apply(deletes()));
            case "destroy" ->
                failures(
                    client.apply(
                        rest.stream()
                            .map(n -> (IpsetOperation) new IpsetOperation.Destroy(n))
                            .toList()));
            case "read" -> read(client, rest);
            case "sizes" -> sizes(client);
            case "bench-write" -> benchWrite(client, rest.get(0), Integer.parseInt(rest.get(1)));
            case "bench-read" -> benchRead(client, rest.get(0));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
          };
    }
    Files.writeString(out, result);
  }

  private static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  /** The members {@code write} adds, by set, in ipset's text form. */
  static final Map<String, List<String>> WRITTEN =
      Map.of(
          "K-IP", List.of("10.96.0.1", "10.96.0.2"),
          "K-IP-PORT", List.of("10.96.0.1,tcp:80", "10.96.0.1,udp:53", "10.96.0.3,sctp:9"),
          "K-IP-PORT-IP", List.of("10.244.1.5,tcp:8080,10.244.1.5"),
          "K-IP-PORT-NET", List.of("1.2.3.4,tcp:443,192.168.0.0/16", "1.2.3.4,tcp:443,10.0.0.0/8"),
          "K-PORT", List.of("30080", "30081", "0", "65535"),
          "K-6-IP", List.of("fd00:96::1"),
          "K-6-IP-PORT", List.of("fd00:96::1,tcp:80"),
          "K-6-IP-PORT-IP", List.of("fd00::5,udp:53,fd00::5"),
          "K-6-IP-PORT-NET", List.of("fd00::1,tcp:443,fd00:1::/64"),
          "K-SMALL-PORT", List.of("30000", "30005", "30010"));

  private static List<IpsetOperation> writes(boolean withBadOnes) {
    List<IpsetOperation> ops = new ArrayList<>();
    for (IpsetDefinition d : SETS) {
      ops.add(new IpsetOperation.Create(d));
    }
    for (IpsetDefinition d : SETS) {
      List<String> members = WRITTEN.get(d.name());
      for (int i = 0; i < members.size(); i++) {
        if (withBadOnes && d.name().equals("K-SMALL-PORT") && i == 1) {
          // Outside the set's range, between members of the same message: refused alone.
          ops.add(new IpsetOperation.Add(d.name(), new IpsetMember.Port(40000)));
        }
        ops.add(new IpsetOperation.Add(d.name(), parse(d, members.get(i))));
      }
    }
    if (withBadOnes) {
      ops.add(new IpsetOperation.Add("K-MISSING", new IpsetMember.Port(1)));
      ops.add(new IpsetOperation.Add("K-IP", new IpsetMember.Ip(ip("fd00::9"))));
      // An existing set of another type: EEXIST, as ipset -exist says.
      ops.add(
          new IpsetOperation.Create(new IpsetDefinition.Hash("K-PORT", HashType.IP, false, 64, 8)));
    } else {
      // Deleting an absent member is not an error with -exist.
      ops.add(new IpsetOperation.Delete("K-IP", new IpsetMember.Ip(ip("10.1.1.1"))));
    }
    return ops;
  }

  /** Deletes the first member of every set written. */
  private static List<IpsetOperation> deletes() {
    List<IpsetOperation> ops = new ArrayList<>();
    for (IpsetDefinition d : SETS) {
      ops.add(new IpsetOperation.Delete(d.name(), parse(d, WRITTEN.get(d.name()).get(0))));
    }
    return ops;
  }

  private static String failures(List<IpsetFailure> failures) {
    StringBuilder sb = new StringBuilder();
    for (IpsetFailure f : failures) {
      sb.append("failed|").append(f.error().errno()).append('|');
      sb.append(f.error().getMessage()).append('\n');
    }
    return sb.toString();
  }

  /** "add SET MEMBER" lines as ipset save prints them, in the client's order. */
  private static String read(IpsetClient client, List<String> sets) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<IpsetMember>> e : client.members(sets).entrySet()) {
      for (IpsetMember m : e.getValue()) {
        sb.append("add ").append(e.getKey()).append(' ').append(text(m)).append('\n');
      }
    }
    return sb.toString();
  }

  private static String sizes(IpsetClient client) {
    StringBuilder sb = new StringBuilder();
    for (SetHeader h : client.headers()) {
      sb.append(h.name())
          .append('|')
          .append(h.typeName())
          .append('|')
          .append(h.family())
          .append('|')
          .append(h.revision())
          .append('|')
          .append(h.entries().isPresent() ? h.entries().getAsInt() : -1)
          .append('\n');
    }
    return sb.toString();
  }

  /** The i-th member of a benchmark set: 10.96.x.y,tcp:port, as kube-proxy's cluster IPs. */
  static String benchMember(int i) {
    return "10.96." + (i >> 8) + "." + (i & 0xff) + ",tcp:" + (80 + i % 7);
  }

  private static String benchWrite(IpsetClient client, String set, int n) {
    IpsetDefinition d = new IpsetDefinition.Hash(set, HashType.IP_PORT, false, 1024, 65536);
    List<IpsetOperation> ops = new ArrayList<>();
    ops.add(new IpsetOperation.Create(d));
    for (int i = 0; i < n; i++) {
      ops.add(new IpsetOperation.Add(set, parse(d, benchMember(i))));
    }
    long calls = client.systemCalls().orElse(-1);
    long start = System.nanoTime();
    List<IpsetFailure> failures = client.apply(ops);
    double seconds = (System.nanoTime() - start) / 1e9;
    return "failures "
        + failures.size()
        + "\nwrite_seconds "
        + seconds
        + "\nsyscalls "
        + (client.systemCalls().orElse(-1) - calls)
        + "\n";
  }

  private static String benchRead(IpsetClient client, String set) {
    StringBuilder sb = new StringBuilder();
    for (int round = 1; round <= 2; round++) {
      long calls = client.systemCalls().orElse(-1);
      long start = System.nanoTime();
      List<IpsetMember> members = client.members(List.of(set)).get(set);
      double seconds = (System.nanoTime() - start) / 1e9;
      sb.append("read").append(round).append("_members ").append(members.size()).append('\n');
      sb.append("read").append(round).append("_seconds ").append(seconds).append('\n');
      sb.append("read")
          .append(round)
          .append("_syscalls ")
          .append(client.systemCalls().orElse(-1) - calls)
          .append('\n');
    }
    long start = System.nanoTime();
    List<SetHeader> headers = client.headers();
    sb.append("sizes_seconds ").append((System.nanoTime() - start) / 1e9).append('\n');
    sb.append("sets ").append(headers.size()).append('\n');
    return sb.toString();
  }

  /** A member in ipset's text form, as this test writes it, for the set's type. */
  static IpsetMember parse(IpsetDefinition set, String text) {
    String[] p = text.split(",");
    if (set instanceof IpsetDefinition.BitmapPort) {
      return new IpsetMember.Port(Integer.parseInt(text));
    }
    IpsetDefinition.Hash h = (IpsetDefinition.Hash) set;
    if (h.type() == HashType.IP) {
      return new IpsetMember.Ip(ip(text));
    }
    String[] protoPort = p[1].split(":");
    int proto =
        switch (protoPort[0]) {
          case "tcp" -> IpsetMember.TCP;
          case "udp" -> IpsetMember.UDP;
          case "sctp" -> IpsetMember.SCTP;
          default -> throw new IllegalArgumentException(text);
        };
    int port = Integer.parseInt(protoPort[1]);
    return switch (h.type()) {
      case IP_PORT -> new IpsetMember.IpPort(ip(p[0]), proto, port);
      case IP_PORT_IP -> new IpsetMember.IpPortIp(ip(p[0]), proto, port, ip(p[2]));
      default -> {
        String[] net = p[2].split("/");
        yield new IpsetMember.IpPortNet(
            ip(p[0]), proto, port, ip(net[0]), Integer.parseInt(net[1]));
      }
    };
  }

  /** ipset's text form of a member. */
  static String text(IpsetMember member) {
    if (member instanceof IpsetMember.Port m) {
      return Integer.toString(m.port());
    }
    if (member instanceof IpsetMember.Ip m) {
      return AddressText.of(m.ip());
    }
    if (member instanceof IpsetMember.IpPort m) {
      return AddressText.of(m.ip()) + "," + proto(m.protocol()) + ":" + m.port();
    }
    if (member instanceof IpsetMember.IpPortIp m) {
      return AddressText.of(m.ip())
          + ","
          + proto(m.protocol())
          + ":"
          + m.port()
          + ","
          + AddressText.of(m.ip2());
    }
    IpsetMember.IpPortNet m = (IpsetMember.IpPortNet) member;
    // ipset prints a host-sized net as a plain address.
    int host = m.net() instanceof java.net.Inet4Address ? 32 : 128;
    return AddressText.of(m.ip())
        + ","
        + proto(m.protocol())
        + ":"
        + m.port()
        + ","
        + AddressText.of(m.net())
        + (m.prefixLength() == host ? "" : "/" + m.prefixLength());
  }

  private static String proto(int number) {
    return switch (number) {
      case IpsetMember.TCP -> "tcp";
      case IpsetMember.UDP -> "udp";
      case IpsetMember.SCTP -> "sctp";
      default -> Integer.toString(number);
    };
  }
}
