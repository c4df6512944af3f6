package io.kipvs.ipvs.tool;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.AddressText;
import io.kipvs.ipvs.ForwardingMethod;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.ServiceFlag;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The IPVS table as ipvsadm 1.31 prints it: {@code ipvsadm -Sn} (rules, sorted as ipvsadm sorts)
 * and {@code ipvsadm -Ln --stats} (counters).
 */
public final class IpvsadmFormat {
  private IpvsadmFormat() {}

  /**
   * The text of {@code ipvsadm -Sn}: one line per service and real server, each ending "\n". Like
   * ipvsadm 1.31, it leaves thresholds out (ipvsadm shows them only with -L --thresholds).
   */
  public static String save(List<VirtualServerStatus> table) {
    StringBuilder out = new StringBuilder();
    for (VirtualServerStatus service : sorted(table)) {
      String name = ruleName(service.server().key());
      VirtualServerSettings s = service.server().settings();
      out.append("-A ").append(name).append(" -s ").append(s.scheduler());
      if (s.flags().contains(ServiceFlag.PERSISTENT)) {
        out.append(" -p ").append(Integer.toUnsignedString(s.timeoutSeconds()));
        AddressFamily family = service.server().key().family();
        if (family == AddressFamily.INET && s.netmask() != 0xffffffff) {
          out.append(" -M ").append(dotted(s.netmask()));
        }
        if (family == AddressFamily.INET6 && s.netmask() != 128) {
          out.append(" -M ").append(s.netmask());
        }
      }
      s.persistenceEngine().ifPresent(pe -> out.append(" --pe ").append(pe));
      if (s.flags().contains(ServiceFlag.ONE_PACKET)) {
        out.append(" -o");
      }
      String schedFlags = schedulerFlags(s);
      if (!schedFlags.isEmpty()) {
        out.append(" -b ").append(schedFlags);
      }
      out.append('\n');
      for (RealServerStatus real : sortedReals(service.realServers())) {
        RealServerSettings r = real.server().settings();
        out.append("-a ").append(name).append(" -r ");
        out.append(hostPort(real.server().key().address(), real.server().key().port()));
        out.append(' ').append(forwardSwitch(r.forwarding()));
        out.append(" -w ").append(r.weight());
        if (r.forwarding() == ForwardingMethod.TUNNEL) {
          appendTunnel(out, r);
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** The text of {@code ipvsadm -Ln --stats}, after its version line. */
  public static String stats(List<VirtualServerStatus> table) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%-33s %8s %8s %8s %8s %8s%n  -> RemoteAddress:Port%n",
            "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
    for (VirtualServerStatus service : sorted(table)) {
      out.append(String.format("%-33s", listName(service.server().key())));
      appendCounters(out, service.stats());
      out.append('\n');
      for (RealServerStatus real : sortedReals(service.realServers())) {
        String name = hostPort(real.server().key().address(), real.server().key().port());
        out.append(String.format("  -> %-28s", name));
        appendCounters(out, real.stats());
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** The order of ipvsadm's listings: libipvs' ipvs_cmp_services, including its int arithmetic. */
  public static List<VirtualServerStatus> sorted(List<VirtualServerStatus> table) {
    List<VirtualServerStatus> copy = new ArrayList<>(table);
    copy.sort((a, b) -> compareServices(a.server().key(), b.server().key()));
    return copy;
  }

  static List<RealServerStatus> sortedReals(List<RealServerStatus> reals) {
    List<RealServerStatus> copy = new ArrayList<>(reals);
    Comparator<RealServerStatus> byAddressThenPort =
        (a, b) -> {
          int r = compareAddresses(a.server().key().address(), b.server().key().address());
          return r != 0 ? r : a.server().key().port() - b.server().key().port();
        };
    copy.sort(byAddressThenPort);
    return copy;
  }

  private static int compareServices(VirtualServerKey a, VirtualServerKey b) {
    int r = fwmark(a) - fwmark(b);
    if (r != 0) {
      return r;
    }
    r = a.family().number() - b.family().number();
    if (r != 0) {
      return r;
    }
    if (a instanceof VirtualServerKey.Address x && b instanceof VirtualServerKey.Address y) {
      r = x.protocol().number() - y.protocol().number();
      if (r != 0) {
        return r;
      }
      r = compareAddresses(x.address(), y.address());
      return r != 0 ? r : x.port() - y.port();
    }
    return 0;
  }

  private static int fwmark(VirtualServerKey key) {
    return key instanceof VirtualServerKey.Fwmark f ? f.mark() : 0;
  }

  /** libipvs subtracts 32-bit words as unsigned and keeps the result as an int; so do we. */
  private static int compareAddresses(InetAddress a, InetAddress b) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    int r = 0;
    for (int i = 0; r == 0 && i + 4 <= Math.min(x.length, y.length); i += 4) {
      r = word(x, i) - word(y, i);
    }
    return r;
  }

  private static int word(byte[] bytes, int offset) {
    return ((bytes[offset] & 255) << 24)
        | ((bytes[offset + 1] & 255) << 16)
        | ((bytes[offset + 2] & 255) << 8)
        | (bytes[offset + 3] & 255);
  }

  private static String ruleName(VirtualServerKey key) {
    if (key instanceof VirtualServerKey.Fwmark f) {
      return "-f " + f.mark() + (f.family() == AddressFamily.INET6 ? " -6" : "");
    }
    VirtualServerKey.Address a = (VirtualServerKey.Address) key;
    String option =
        switch (a.protocol()) {
          case TCP -> "-t";
          case UDP -> "-u";
          case SCTP -> "--sctp-service";
        };
    return option + " " + hostPort(a.address(), a.port());
  }

  private static String listName(VirtualServerKey key) {
    if (key instanceof VirtualServerKey.Fwmark f) {
      return "FWM  " + f.mark() + (f.family() == AddressFamily.INET6 ? " IPv6" : "");
    }
    VirtualServerKey.Address a = (VirtualServerKey.Address) key;
    // ipvsadm pads the protocol to five columns: "TCP  ", "UDP  ", "SCTP ".
    String protocol =
        switch (a.protocol()) {
          case TCP -> "TCP  ";
          case UDP -> "UDP  ";
          case SCTP -> "SCTP ";
        };
    String name = protocol + hostPort(a.address(), a.port());
    return a.family() != AddressFamily.INET6 && name.length() > 33 ? name.substring(0, 33) : name;
  }

  static String hostPort(InetAddress address, int port) {
    String host = AddressText.of(address);
    return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
  }

  private static String dotted(int mask) {
    return ((mask >>> 24) & 255)
        + "."
        + ((mask >>> 16) & 255)
        + "."
        + ((mask >>> 8) & 255)
        + "."
        + (mask & 255);
  }

  private static String forwardSwitch(ForwardingMethod method) {
    return switch (method) {
      case MASQUERADE -> "-m";
      case TUNNEL -> "-i";
      case LOCAL, DIRECT_ROUTE -> "-g";
    };
  }

  private static String schedulerFlags(VirtualServerSettings s) {
    List<String> names = new ArrayList<>();
    String prefix = s.scheduler().equals("mh") ? "mh" : "sh";
    if (s.flags().contains(ServiceFlag.SCHED1)) {
      names.add(prefix + "-fallback");
    }
    if (s.flags().contains(ServiceFlag.SCHED2)) {
      names.add(prefix + "-port");
    }
    if (s.flags().contains(ServiceFlag.SCHED3)) {
      names.add("flag-3");
    }
    return String.join(",", names);
  }

  private static void appendTunnel(StringBuilder out, RealServerSettings r) {
    switch (r.tunnel().type()) {
      case 0 -> out.append(" --tun-type ipip");
      case 1 -> out.append(" --tun-type gue --tun-port ").append(r.tunnel().port());
      case 2 -> out.append(" --tun-type gre");
      default -> out.append(" --tun-type ").append(r.tunnel().type());
    }
    int flags = r.tunnel().flags();
    if (r.tunnel().type() != 0) {
      if ((flags & 0x1) != 0) {
        out.append(" --tun-csum");
      } else if ((flags & 0x2) != 0) {
        out.append(" --tun-remcsum");
      } else {
        out.append(" --tun-nocsum");
      }
    }
  }

  private static void appendCounters(StringBuilder out, Stats stats) {
    largeNumber(out, stats.connections());
    largeNumber(out, stats.inPackets());
    largeNumber(out, stats.outPackets());
    largeNumber(out, stats.inBytes());
    largeNumber(out, stats.outBytes());
  }

  /** ipvsadm's print_largenum: 9 columns, scaled with K, M, G, T above 100 million. */
  private static void largeNumber(StringBuilder out, long value) {
    String text;
    if (Long.compareUnsigned(value, 100_000_000L) < 0) {
      text = String.format("%9d", value);
    } else if (Long.compareUnsigned(value, 1_000_000_000L) < 0) {
      text = String.format("%8dK", value / 1000);
    } else if (Long.compareUnsigned(value, 100_000_000_000L) < 0) {
      text = String.format("%8dM", value / 1_000_000);
    } else if (Long.compareUnsigned(value, 100_000_000_000_000L) < 0) {
      text = String.format("%8dG", value / 1_000_000_000L);
    } else {
      text = String.format("%8dT", Long.divideUnsigned(value, 1_000_000_000_000L));
    }
    out.append(text);
  }
}
