package io.kipvs.ipvs;

import io.kipvs.netlink.RawSocket;
import io.kipvs.netlink.RawSockets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The real servers of one IPv4 virtual server through IPVS's getsockopt interface (the one ipvsadm
 * uses without netlink): one system call per virtual server where a netlink dump takes a send and a
 * receive. A node's system calls are expensive (each one goes through the user-mode-linux host in
 * the test bed), and a resync reads a tenth of the table (BENCHMARKS.md, "Where the CPU goes").
 *
 * <p>What it cannot see, as the kernel defines the interface: IPv6 virtual servers, real servers of
 * the other family in an IPv4 virtual server (tunnel forwarding only), tunnel settings and 64-bit
 * counters. {@link IpvsClient#realServersBrief} says what callers get.
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

  private static final int AF_INET = 2;

  private final RawSocket socket;
  private ByteBuffer buffer;
  private int capacity;
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
