package io.kipvs.ipvs;

import io.kipvs.netlink.RawSocket;
import io.kipvs.netlink.RawSockets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * IPv4 virtual servers, and the real servers of one, through IPVS's getsockopt interface (the one
 * ipvsadm uses without netlink): one system call per virtual server where a netlink dump takes a
 * send and a receive, and a table of fixed-size entries where a dump's messages carry nested
 * attributes and counters to decode. A node's system calls are expensive (each one goes through the
 * user-mode-linux host in the test bed), and a resync reads a tenth of the table (BENCHMARKS.md,
 * "Where the CPU goes").
 *
 * <p>What it cannot see, as the kernel defines the interface: IPv6 virtual servers, real servers of
 * the other family in an IPv4 virtual server (tunnel forwarding only), persistence engines, tunnel
 * settings and 64-bit counters. {@link IpvsClient#virtualServersBrief} and {@link
 * IpvsClient#realServersBrief} say what callers get.
 *
 * <p>Not thread-safe: the client serialises calls.
 */
final class IpvsSockopt implements AutoCloseable {
  /** IP_VS_BASE_CTL (64 + 1024 + 64) + 4: IP_VS_SO_GET_DESTS. */
  static final int GET_DESTS = 1156;

  static final int IPPROTO_IP = 0;

  /** struct ip_vs_get_dests up to its entry table (aligned to 8 by the entries' 64-bit fields). */
  static final int HEADER = 24;

  /** struct ip_vs_dest_entry: 36 bytes of fields, then 8-aligned ip_vs_stats_user (56). */
  static final int ENTRY = 96;

  /** IP_VS_BASE_CTL + 1: IP_VS_SO_GET_INFO. */
  static final int GET_INFO = 1153;

  /** IP_VS_BASE_CTL + 2: IP_VS_SO_GET_SERVICES. */
  static final int GET_SERVICES = 1154;

  /** struct ip_vs_getinfo: version, connection table size, number of IPv4 virtual servers. */
  static final int INFO = 12;

  /** struct ip_vs_get_services up to its entry table (aligned to 8 by the entries' stats). */
  static final int SERVICES_HEADER = 8;

  /** struct ip_vs_service_entry: 48 bytes of fields, then the 8-aligned ip_vs_stats_user (56). */
  static final int SERVICE_ENTRY = 104;

  private static final int SCHED_NAME_MAX = 16;

  // Room in the table for virtual servers added between the count and the read.
  private static final int SLACK = 64;

  private static final int AF_INET = 2;

  private final RawSocket socket;
  private ByteBuffer buffer;
  private int capacity;
  private ByteBuffer services = RawSockets.buffer(SERVICES_HEADER);
  private long systemCalls;

  private IpvsSockopt(RawSocket socket, int capacity) {
    this.socket = socket;
    resize(capacity);
  }

  static IpvsSockopt open() {
    return new IpvsSockopt(RawSocket.open(AF_INET, "socket(AF_INET, SOCK_RAW) for IPVS"), 16);
  }

  /**
   * The real servers of this IPv4 virtual server, in the kernel's order.
   *
   * @throws NetlinkException with errno ESRCH (3) when the kernel has no such virtual server
   */
  List<RealServerStatus> realServers(VirtualServerKey key) {
    while (true) {
      int length = request(buffer, key, capacity);
      systemCalls++;
      socket.getsockopt(
          IPPROTO_IP, GET_DESTS, buffer, length, () -> "IP_VS_SO_GET_DESTS " + Describe.key(key));
      List<RealServerStatus> reals = decode(buffer, capacity);
      if (reals.size() < capacity) {
        return reals;
      }
      // Full: there may be more than the table held (the kernel does not say how many it had).
      resize(capacity * 2);
    }
  }

  /**
   * Every IPv4 virtual server with its settings, in the kernel's order: two system calls (the
   * count, then the table). No persistence engine (the interface has none), no counters ({@link
   * Stats#ZERO}), no real servers (empty lists).
   */
  List<VirtualServerStatus> virtualServers() {
    ByteBuffer info = RawSockets.buffer(INFO);
    systemCalls++;
    socket.getsockopt(IPPROTO_IP, GET_INFO, info, INFO, () -> "IP_VS_SO_GET_INFO");
    int room = Math.max(0, info.getInt(8)) + SLACK;
    while (true) {
      int length = SERVICES_HEADER + room * SERVICE_ENTRY;
      if (services.capacity() < length) {
        services = RawSockets.buffer(length);
      }
      servicesRequest(services, room);
      systemCalls++;
      socket.getsockopt(IPPROTO_IP, GET_SERVICES, services, length, () -> "IP_VS_SO_GET_SERVICES");
      List<VirtualServerStatus> out = decodeServices(services, room);
      if (out.size() < room) {
        return out;
      }
      // Full: more were added since the count than the slack allowed for.
      room *= 2;
    }
  }

  /**
   * Writes the request for a table of {@code entries} virtual servers and zeroes the entries (the
   * kernel writes only those it has); returns the length to pass, which the kernel checks against
   * the count in the request.
   */
  static int servicesRequest(ByteBuffer b, int entries) {
    int length = SERVICES_HEADER + entries * SERVICE_ENTRY;
    for (int i = 0; i < length; i += 8) {
      b.putLong(i, 0);
    }
    b.putInt(0, entries);
    return length;
  }

  /**
   * The virtual servers the kernel wrote: up to the first empty entry (no protocol, no mark). A
   * table's virtual servers nearly all share their settings, so equal settings are one value.
   */
  static List<VirtualServerStatus> decodeServices(ByteBuffer b, int entries) {
    List<VirtualServerStatus> out = new ArrayList<>();
    VirtualServerSettings last = null;
    byte[] address = new byte[4];
    byte[] scheduler = new byte[SCHED_NAME_MAX];
    for (int i = 0; i < entries; i++) {
      int e = SERVICES_HEADER + i * SERVICE_ENTRY;
      int protocol = b.getShort(e) & 0xffff;
      int mark = b.getInt(e + 12);
      if (protocol == 0 && mark == 0) {
        break;
      }
      VirtualServerKey key;
      if (mark != 0) {
        key = new VirtualServerKey.Fwmark(AddressFamily.INET, mark);
      } else {
        b.get(e + 4, address);
        int port = ((b.get(e + 8) & 0xff) << 8) | (b.get(e + 9) & 0xff);
        try {
          key = new VirtualServerKey.Address(Protocol.ofNumber(protocol), inet4(address), port);
        } catch (IllegalArgumentException x) {
          throw new io.kipvs.netlink.NetlinkDecodeException("IPVS service entry", x.getMessage());
        }
      }
      b.get(e + 16, scheduler);
      VirtualServerSettings settings =
          settings(
              last,
              scheduler,
              b.getInt(e + 32) & ~IpvsWire.SVC_F_HASHED,
              b.getInt(e + 36),
              IpvsCodec.netmaskFromWire(AddressFamily.INET, b.getInt(e + 40)));
      last = settings;
      out.add(new VirtualServerStatus(new VirtualServer(key, settings), Stats.ZERO, List.of()));
    }
    return out;
  }

  private static VirtualServerSettings settings(
      VirtualServerSettings last, byte[] schedulerField, int flagBits, int timeout, int netmask) {
    int end = 0;
    while (end < schedulerField.length && schedulerField[end] != 0) {
      end++;
    }
    String scheduler = new String(schedulerField, 0, end, StandardCharsets.US_ASCII);
    if (last != null
        && last.timeoutSeconds() == timeout
        && last.netmask() == netmask
        && ServiceFlag.toBits(last.flags()) == (flagBits & ServiceFlag.ALL_BITS)
        && last.scheduler().equals(scheduler)) {
      return last;
    }
    return new VirtualServerSettings(
        scheduler, ServiceFlag.fromBits(flagBits), timeout, netmask, Optional.empty());
  }

  /** getsockopt calls made so far. */
  long systemCalls() {
    return systemCalls;
  }

  private void resize(int entries) {
    capacity = entries;
    buffer = RawSockets.buffer(HEADER + entries * ENTRY);
  }

  /**
   * Writes the request for this key with room for {@code entries} real servers, and zeroes the
   * entries (the kernel writes only those it has); returns the length to pass.
   */
  static int request(ByteBuffer b, VirtualServerKey key, int entries) {
    if (key.family() != AddressFamily.INET) {
      throw new IllegalArgumentException("IPVS getsockopt reads IPv4 virtual servers only: " + key);
    }
    int length = HEADER + entries * ENTRY;
    for (int i = 0; i < length; i += 8) {
      b.putLong(i, 0);
    }
    if (key instanceof VirtualServerKey.Address a) {
      b.putShort(0, (short) a.protocol().number());
      b.put(4, a.address().getAddress());
      b.put(8, (byte) (a.port() >> 8)).put(9, (byte) a.port());
    } else {
      b.putInt(12, ((VirtualServerKey.Fwmark) key).mark());
    }
    b.putInt(16, entries);
    return length;
  }

  /** The entries the kernel wrote: up to the first empty one (no real server has address 0). */
  static List<RealServerStatus> decode(ByteBuffer b, int entries) {
    List<RealServerStatus> out = new ArrayList<>();
    byte[] address = new byte[4];
    for (int i = 0; i < entries; i++) {
      int e = HEADER + i * ENTRY;
      if (b.getInt(e) == 0) {
        break;
      }
      b.get(e, address);
      int port = ((b.get(e + 4) & 0xff) << 8) | (b.get(e + 5) & 0xff);
      ForwardingMethod forwarding;
      try {
        forwarding = ForwardingMethod.ofCode(b.getInt(e + 8) & 0x7);
      } catch (IllegalArgumentException x) {
        throw new io.kipvs.netlink.NetlinkDecodeException("IPVS real server entry", x.getMessage());
      }
      RealServerSettings settings =
          new RealServerSettings(
              forwarding,
              b.getInt(e + 12),
              b.getInt(e + 16),
              b.getInt(e + 20),
              TunnelSettings.IPIP);
      out.add(
          new RealServerStatus(
              new RealServer(new RealServerKey(inet4(address), port), settings),
              b.getInt(e + 24),
              b.getInt(e + 28),
              b.getInt(e + 32),
              Stats.ZERO));
    }
    return out;
  }

  private static InetAddress inet4(byte[] address) {
    try {
      return InetAddress.getByAddress(address);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
