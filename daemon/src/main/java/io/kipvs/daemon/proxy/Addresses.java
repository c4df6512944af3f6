package io.kipvs.daemon.proxy;

import io.kipvs.k8s.Cidr;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/** Address arithmetic the proxier needs: prefix containment and host prefix lengths. */
final class Addresses {
  private Addresses() {}

  static boolean contains(Cidr cidr, InetAddress address) {
    byte[] net = cidr.address().getAddress();
    byte[] addr = address.getAddress();
    if (net.length != addr.length) {
      return false;
    }
    int bits = cidr.prefixLength();
    for (int i = 0; i < net.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((net[i] & mask) != (addr[i] & mask)) {
        return false;
      }
    }
    return true;
  }

  static boolean inAny(List<Cidr> cidrs, InetAddress address) {
    for (Cidr c : cidrs) {
      if (contains(c, address)) {
        return true;
      }
    }
    return false;
  }

  /** 32 for IPv4, 128 for IPv6: how service addresses are bound on kube-ipvs0. */
  static int hostPrefix(InetAddress address) {
    return address instanceof Inet4Address ? 32 : 128;
  }

  static boolean isV6(InetAddress address) {
    return !(address instanceof Inet4Address);
  }

  /**
   * The address as ipset and iptables print it: IPv4 dotted, IPv6 in the RFC 5952 short form (the
   * longest run of zero groups as "::"), so that what we write compares equal to what they list.
   */
  static String text(InetAddress address) {
    if (address instanceof Inet4Address) {
      return address.getHostAddress();
    }
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  /** A virtual server as logs name it: "tcp 10.96.0.10:80", "tcp [fd00::a]:80", "fwmark 7". */
  static String describe(io.kipvs.ipvs.VirtualServerKey key) {
    if (key instanceof io.kipvs.ipvs.VirtualServerKey.Address a) {
      String ip = text(a.address());
      return a.protocol().lowerName()
          + " "
          + (isV6(a.address()) ? "[" + ip + "]" : ip)
          + ":"
          + a.port();
    }
    return "fwmark " + ((io.kipvs.ipvs.VirtualServerKey.Fwmark) key).mark();
  }

  /** A prefix in the same short form. */
  static String text(Cidr cidr) {
    return text(cidr.address()) + "/" + cidr.prefixLength();
  }
}
