package io.kipvs.ipset;

import io.kipvs.ipvs.AddressText;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One member of a set, of the kind its set type holds: {@link Ip} for hash:ip, {@link IpPort} for
 * hash:ip,port, {@link IpPortIp} for hash:ip,port,ip, {@link IpPortNet} for hash:ip,port,net,
 * {@link Port} for bitmap:port. Protocols are IP protocol numbers ({@link #TCP}, {@link #UDP},
 * {@link #SCTP}).
 */
public sealed interface IpsetMember {
  int TCP = 6;
  int UDP = 17;
  int SCTP = 132;

  /** The member for error messages, e.g. "10.96.0.1 proto 6 port 80". Not ipset's text form. */
  String describe();

  record Ip(InetAddress ip) implements IpsetMember {
    public Ip {
      Objects.requireNonNull(ip, "ip");
    }

    @Override
    public String describe() {
      return AddressText.of(ip);
    }
  }

  record IpPort(InetAddress ip, int protocol, int port) implements IpsetMember {
    public IpPort {
      Objects.requireNonNull(ip, "ip");
      checkProtocolAndPort(protocol, port);
    }

    @Override
    public String describe() {
      return AddressText.of(ip) + " proto " + protocol + " port " + port;
    }
  }

  record IpPortIp(InetAddress ip, int protocol, int port, InetAddress ip2) implements IpsetMember {
    public IpPortIp {
      Objects.requireNonNull(ip, "ip");
      Objects.requireNonNull(ip2, "ip2");
      checkProtocolAndPort(protocol, port);
      checkSameFamily(ip, ip2);
    }

    @Override
    public String describe() {
      return AddressText.of(ip)
          + " proto "
          + protocol
          + " port "
          + port
          + " "
          + AddressText.of(ip2);
    }
  }

  /** The network is kept as given; the kernel keeps (and lists) it with its host bits cleared. */
  record IpPortNet(InetAddress ip, int protocol, int port, InetAddress net, int prefixLength)
      implements IpsetMember {
    public IpPortNet {
      Objects.requireNonNull(ip, "ip");
      Objects.requireNonNull(net, "net");
      checkProtocolAndPort(protocol, port);
      checkSameFamily(ip, net);
      int max = net instanceof Inet4Address ? 32 : 128;
      if (prefixLength < 1 || prefixLength > max) {
        throw new IllegalArgumentException(
            "prefix length " + prefixLength + " outside 1-" + max + " for " + AddressText.of(net));
      }
    }

    @Override
    public String describe() {
      return AddressText.of(ip)
          + " proto "
          + protocol
          + " port "
          + port
          + " "
          + AddressText.of(net)
          + "/"
          + prefixLength;
    }
  }

  record Port(int port) implements IpsetMember {
    public Port {
      checkPort(port);
    }

    @Override
    public String describe() {
      return "port " + port;
    }
  }

  private static void checkProtocolAndPort(int protocol, int port) {
    if (protocol < 1 || protocol > 255) {
      throw new IllegalArgumentException("protocol " + protocol + " outside 1-255");
    }
    checkPort(port);
  }

  private static void checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " outside 0-65535");
    }
  }

  private static void checkSameFamily(InetAddress a, InetAddress b) {
    if ((a instanceof Inet4Address) != (b instanceof Inet4Address)) {
      throw new IllegalArgumentException(
          "addresses of two families: " + AddressText.of(a) + " and " + AddressText.of(b));
    }
  }
}
