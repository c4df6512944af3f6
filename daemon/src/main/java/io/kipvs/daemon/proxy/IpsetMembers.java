package io.kipvs.daemon.proxy;

import io.kipvs.ipset.IpsetDefinition.HashType;
import io.kipvs.ipset.IpsetMember;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * ipset's text form of members ({@code 10.96.0.1,tcp:80}, as {@code ipset save} prints them and
 * {@link IpsetEntry} keeps them) to the client's typed members and back. A host-sized net prints as
 * a plain address, as ipset prints it.
 */
final class IpsetMembers {
  private IpsetMembers() {}

  /**
   * The typed member of an entry, for its set's type.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  static IpsetMember parse(IpsetEntry entry) {
    try {
      return parse(entry.set(), entry.member());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "ipset member \"" + entry.member() + "\" of " + entry.setName() + ": " + e.getMessage(),
          e);
    }
  }

  private static IpsetMember parse(KubeIpset set, String text) {
    if (set.hashType().isEmpty()) {
      return new IpsetMember.Port(number(text, "port"));
    }
    HashType type = set.hashType().get();
    String[] parts = text.split(",", -1);
    int expected =
        switch (type) {
          case IP -> 1;
          case IP_PORT -> 2;
          case IP_PORT_IP, IP_PORT_NET -> 3;
        };
    if (parts.length != expected) {
      throw new IllegalArgumentException(
          "a " + type.typeName() + " member has " + expected + " comma-separated parts");
    }
    InetAddress ip = address(parts[0]);
    if (type == HashType.IP) {
      return new IpsetMember.Ip(ip);
    }
    int colon = parts[1].indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("\"" + parts[1] + "\" is not PROTOCOL:PORT");
    }
    int protocol = protocol(parts[1].substring(0, colon));
    int port = number(parts[1].substring(colon + 1), "port");
    return switch (type) {
      case IP_PORT -> new IpsetMember.IpPort(ip, protocol, port);
      case IP_PORT_IP -> new IpsetMember.IpPortIp(ip, protocol, port, address(parts[2]));
      default -> {
        int slash = parts[2].indexOf('/');
        InetAddress net = address(slash < 0 ? parts[2] : parts[2].substring(0, slash));
        int prefix =
            slash < 0 ? hostPrefix(net) : number(parts[2].substring(slash + 1), "prefix length");
        yield new IpsetMember.IpPortNet(ip, protocol, port, net, prefix);
      }
    };
  }

  /** The member as {@code ipset save} prints it. */
  static String text(IpsetMember member) {
    if (member instanceof IpsetMember.Port m) {
      return Integer.toString(m.port());
    }
    if (member instanceof IpsetMember.Ip m) {
      return Addresses.text(m.ip());
    }
    if (member instanceof IpsetMember.IpPort m) {
      return Addresses.text(m.ip()) + "," + protocolName(m.protocol()) + ":" + m.port();
    }
    if (member instanceof IpsetMember.IpPortIp m) {
      return Addresses.text(m.ip())
          + ","
          + protocolName(m.protocol())
          + ":"
          + m.port()
          + ","
          + Addresses.text(m.ip2());
    }
    IpsetMember.IpPortNet m = (IpsetMember.IpPortNet) member;
    return Addresses.text(m.ip())
        + ","
        + protocolName(m.protocol())
        + ":"
        + m.port()
        + ","
        + net(m.net(), m.prefixLength());
  }

  /** A net as ipset prints it: "10.0.0.0/8", and a host-sized one as its address alone. */
  static String net(InetAddress address, int prefixLength) {
    String text = Addresses.text(address);
    return prefixLength == hostPrefix(address) ? text : text + "/" + prefixLength;
  }

  private static int hostPrefix(InetAddress address) {
    return address instanceof Inet4Address ? 32 : 128;
  }

  private static String protocolName(int protocol) {
    return switch (protocol) {
      case IpsetMember.TCP -> "tcp";
      case IpsetMember.UDP -> "udp";
      case IpsetMember.SCTP -> "sctp";
      default -> Integer.toString(protocol);
    };
  }

  private static int protocol(String name) {
    return switch (name) {
      case "tcp" -> IpsetMember.TCP;
      case "udp" -> IpsetMember.UDP;
      case "sctp" -> IpsetMember.SCTP;
      default -> number(name, "protocol");
    };
  }

  private static int number(String text, String what) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("\"" + text + "\" is not a " + what);
    }
    return Integer.parseInt(text);
  }

  /** An address literal; never a name lookup. */
  private static InetAddress address(String text) {
    boolean literal =
        !text.isEmpty()
            && text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
    if (!literal || (text.indexOf(':') < 0 && text.chars().anyMatch(Character::isLetter))) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IP address", e);
    }
  }
}
