package io.kipvs.ipvs;

import static io.kipvs.ipvs.IpvsWire.*;

import io.kipvs.netlink.Attributes;
import io.kipvs.netlink.Message;
import io.kipvs.netlink.MessageWriter;
import io.kipvs.netlink.Netlink;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.Optional;

/** Encodes IPVS requests and decodes IPVS replies; no I/O. */
final class IpvsCodec {
  private final int familyId;
  // Reused tables, one per nesting level: decoding runs under the connection's lock, one message
  // at a time, and allocating them per real server dominated a full read's garbage.
  private final Attributes top = new Attributes(CMD_ATTR_MAX, "IPVS reply");
  private final Attributes service = new Attributes(SVC_ATTR_MAX, "IPVS service");
  private final Attributes dest = new Attributes(DEST_ATTR_MAX, "IPVS real server");
  private final Attributes counters = new Attributes(STATS_ATTR_MAX, "IPVS stats");

  private static final byte[] NO_BYTES = new byte[0];

  // The settings of the last service decoded, and the raw values they came from.
  private VirtualServerSettings lastSettings;
  private int lastFlagBits;
  private byte[] lastScheduler;

  IpvsCodec(int familyId) {
    this.familyId = familyId;
  }

  /** A request without attributes (info, config, flush, zero, dumps of services). */
  void plain(MessageWriter w, int flags, int seq, int command) {
    int start = begin(w, flags, seq, command);
    w.endMessage(start);
  }

  void service(MessageWriter w, int flags, int seq, int command, VirtualServer server) {
    int start = begin(w, flags, seq, command);
    serviceAttribute(w, server.key(), Optional.of(server.settings()));
    w.endMessage(start);
  }

  void serviceKey(MessageWriter w, int flags, int seq, int command, VirtualServerKey key) {
    int start = begin(w, flags, seq, command);
    serviceAttribute(w, key, Optional.empty());
    w.endMessage(start);
  }

  void dest(MessageWriter w, int flags, int seq, int command, VirtualServerKey svc, RealServer rs) {
    int start = begin(w, flags, seq, command);
    serviceAttribute(w, svc, Optional.empty());
    int nest = w.beginNested(CMD_ATTR_DEST);
    destKey(w, rs.key());
    RealServerSettings s = rs.settings();
    w.u32(DEST_ATTR_FWD_METHOD, s.forwarding().code());
    w.u32(DEST_ATTR_WEIGHT, s.weight());
    w.u32(DEST_ATTR_U_THRESH, s.upperThreshold());
    w.u32(DEST_ATTR_L_THRESH, s.lowerThreshold());
    w.u8(DEST_ATTR_TUN_TYPE, s.tunnel().type());
    w.u16be(DEST_ATTR_TUN_PORT, s.tunnel().port());
    w.u16(DEST_ATTR_TUN_FLAGS, s.tunnel().flags());
    w.endNested(nest);
    w.endMessage(start);
  }

  void destKeyOnly(
      MessageWriter w, int flags, int seq, int command, VirtualServerKey svc, RealServerKey rs) {
    int start = begin(w, flags, seq, command);
    serviceAttribute(w, svc, Optional.empty());
    int nest = w.beginNested(CMD_ATTR_DEST);
    destKey(w, rs);
    w.endNested(nest);
    w.endMessage(start);
  }

  void setConfig(MessageWriter w, int flags, int seq, IpvsTimeouts timeouts) {
    int start = begin(w, flags, seq, CMD_SET_CONFIG);
    w.u32(CMD_ATTR_TIMEOUT_TCP, timeouts.tcpSeconds());
    w.u32(CMD_ATTR_TIMEOUT_TCP_FIN, timeouts.tcpFinSeconds());
    w.u32(CMD_ATTR_TIMEOUT_UDP, timeouts.udpSeconds());
    w.endMessage(start);
  }

  private int begin(MessageWriter w, int flags, int seq, int command) {
    int start = w.beginMessage(familyId, flags, seq);
    w.genlHeader(command, VERSION);
    return start;
  }

  private static void destKey(MessageWriter w, RealServerKey key) {
    // Without the family the kernel takes the service's and misreads an IPv6 address as IPv4.
    w.address(DEST_ATTR_ADDR, key.address());
    w.u16be(DEST_ATTR_PORT, key.port());
    w.u16(DEST_ATTR_ADDR_FAMILY, key.family().number());
  }

  private static void serviceAttribute(
      MessageWriter w, VirtualServerKey key, Optional<VirtualServerSettings> settings) {
    int nest = w.beginNested(CMD_ATTR_SERVICE);
    w.u16(SVC_ATTR_AF, key.family().number());
    if (key instanceof VirtualServerKey.Fwmark f) {
      w.u32(SVC_ATTR_FWMARK, f.mark());
    } else if (key instanceof VirtualServerKey.Address a) {
      w.u16(SVC_ATTR_PROTOCOL, a.protocol().number());
      w.address(SVC_ATTR_ADDR, a.address());
      w.u16be(SVC_ATTR_PORT, a.port());
    }
    if (settings.isPresent()) {
      VirtualServerSettings s = settings.get();
      w.string(SVC_ATTR_SCHED_NAME, checkName("scheduler", s.scheduler()));
      s.persistenceEngine().ifPresent(pe -> w.string(SVC_ATTR_PE_NAME, checkName("pe", pe)));
      w.u32Pair(SVC_ATTR_FLAGS, ServiceFlag.toBits(s.flags()), 0xffffffff);
      w.u32(SVC_ATTR_TIMEOUT, s.timeoutSeconds());
      w.u32(SVC_ATTR_NETMASK, netmaskToWire(key.family(), s.netmask()));
    }
    w.endNested(nest);
  }

  private static String checkName(String what, String name) {
    if (name.isEmpty() || name.length() > NAME_MAX) {
      throw new IllegalArgumentException(
          what + " name '" + name + "' must have 1 to " + NAME_MAX + " characters");
    }
    return name;
  }

  /**
   * The kernel keeps an IPv4 netmask as a network-order mask and an IPv6 one as a host-order prefix
   * length, both in one 32-bit attribute the writer puts in host byte order.
   */
  static int netmaskToWire(AddressFamily family, int netmask) {
    return family == AddressFamily.INET ? networkOrder(netmask) : netmask;
  }

  static int netmaskFromWire(AddressFamily family, int wire) {
    return family == AddressFamily.INET ? networkOrder(wire) : wire;
  }

  private static int networkOrder(int value) {
    return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(value) : value;
  }

  // ---- decoding ----

  VirtualServerStatus decodeService(Message m) {
    Attributes a = serviceAttributes(m);
    return new VirtualServerStatus(
        server(a), stats(a, SVC_ATTR_STATS64, SVC_ATTR_STATS), java.util.List.of());
  }

  /** A service reply's key and settings; its counters are left undecoded. */
  VirtualServer decodeServer(Message m) {
    return server(serviceAttributes(m));
  }

  private Attributes serviceAttributes(Message m) {
    top.resetFrom(m, Netlink.GENL_HEADER_LENGTH);
    return service.resetNested(top, CMD_ATTR_SERVICE);
  }

  private VirtualServer server(Attributes a) {
    AddressFamily family = family(a.u16(SVC_ATTR_AF), "IPVS service");
    VirtualServerKey key;
    if (a.has(SVC_ATTR_FWMARK) && a.u32(SVC_ATTR_FWMARK) != 0) {
      key = new VirtualServerKey.Fwmark(family, a.u32(SVC_ATTR_FWMARK));
    } else {
      key =
          new VirtualServerKey.Address(
              protocol(a.u16(SVC_ATTR_PROTOCOL)),
              a.address(SVC_ATTR_ADDR, family == AddressFamily.INET ? 4 : 16),
              a.u16be(SVC_ATTR_PORT));
    }
    return new VirtualServer(key, settings(a, family));
  }

  /**
   * The settings of a service reply. A table's services nearly all share their settings, so the
   * last decoded value is kept and returned again while the raw attributes match it: a dump of
   * 10,000 virtual servers then makes one settings value instead of 10,000 (with their strings and
   * flag sets).
   */
  private VirtualServerSettings settings(Attributes a, AddressFamily family) {
    int flagBits = a.u32(SVC_ATTR_FLAGS, 0) & ~SVC_F_HASHED;
    int timeout = a.u32(SVC_ATTR_TIMEOUT, 0);
    int netmask =
        netmaskFromWire(
            family,
            a.u32(
                SVC_ATTR_NETMASK,
                netmaskToWire(family, VirtualServerSettings.defaultNetmask(family))));
    boolean pe = a.has(SVC_ATTR_PE_NAME) && !a.stringEquals(SVC_ATTR_PE_NAME, NO_BYTES);
    VirtualServerSettings last = lastSettings;
    if (last != null
        && !pe
        && last.persistenceEngine().isEmpty()
        && flagBits == lastFlagBits
        && timeout == last.timeoutSeconds()
        && netmask == last.netmask()
        && a.stringEquals(SVC_ATTR_SCHED_NAME, lastScheduler)) {
      return last;
    }
    VirtualServerSettings settings =
        new VirtualServerSettings(
            a.string(SVC_ATTR_SCHED_NAME),
            ServiceFlag.fromBits(flagBits),
            timeout,
            netmask,
            pe ? Optional.of(a.string(SVC_ATTR_PE_NAME)) : Optional.empty());
    lastSettings = settings;
    lastFlagBits = flagBits;
    lastScheduler = settings.scheduler().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return settings;
  }

  RealServerStatus decodeDest(Message m, AddressFamily serviceFamily) {
    top.resetFrom(m, Netlink.GENL_HEADER_LENGTH);
    Attributes a = dest.resetNested(top, CMD_ATTR_DEST);
    AddressFamily family =
        a.has(DEST_ATTR_ADDR_FAMILY)
            ? family(a.u16(DEST_ATTR_ADDR_FAMILY), "IPVS real server")
            : serviceFamily;
    InetAddress address = a.address(DEST_ATTR_ADDR, family == AddressFamily.INET ? 4 : 16);
    RealServerKey key = new RealServerKey(address, a.u16be(DEST_ATTR_PORT));
    ForwardingMethod forwarding;
    try {
      forwarding = ForwardingMethod.ofCode(a.u32(DEST_ATTR_FWD_METHOD) & 0x7);
    } catch (IllegalArgumentException e) {
      throw new io.kipvs.netlink.NetlinkDecodeException("IPVS real server", e.getMessage());
    }
    int tunnelType = a.u8(DEST_ATTR_TUN_TYPE, 0);
    int tunnelPort = a.has(DEST_ATTR_TUN_PORT) ? a.u16be(DEST_ATTR_TUN_PORT) : 0;
    int tunnelFlags = a.u16(DEST_ATTR_TUN_FLAGS, 0);
    TunnelSettings tunnel =
        tunnelType == 0 && tunnelPort == 0 && tunnelFlags == 0
            ? TunnelSettings.IPIP
            : new TunnelSettings(tunnelType, tunnelPort, tunnelFlags);
    RealServerSettings settings =
        new RealServerSettings(
            forwarding,
            a.u32(DEST_ATTR_WEIGHT),
            a.u32(DEST_ATTR_U_THRESH, 0),
            a.u32(DEST_ATTR_L_THRESH, 0),
            tunnel);
    return new RealServerStatus(
        new RealServer(key, settings),
        a.u32(DEST_ATTR_ACTIVE_CONNS, 0),
        a.u32(DEST_ATTR_INACT_CONNS, 0),
        a.u32(DEST_ATTR_PERSIST_CONNS, 0),
        stats(a, DEST_ATTR_STATS64, DEST_ATTR_STATS));
  }

  IpvsInfo decodeInfo(Message m) {
    Attributes a = m.attributes(Netlink.GENL_HEADER_LENGTH, INFO_ATTR_CONN_TAB_SIZE, "IPVS info");
    return new IpvsInfo(a.u32(INFO_ATTR_VERSION), a.u32(INFO_ATTR_CONN_TAB_SIZE));
  }

  IpvsTimeouts decodeTimeouts(Message m) {
    Attributes a = m.attributes(Netlink.GENL_HEADER_LENGTH, CMD_ATTR_MAX, "IPVS config");
    return new IpvsTimeouts(
        a.u32(CMD_ATTR_TIMEOUT_TCP, 0),
        a.u32(CMD_ATTR_TIMEOUT_TCP_FIN, 0),
        a.u32(CMD_ATTR_TIMEOUT_UDP, 0));
  }

  private Stats stats(Attributes a, int stats64, int stats32) {
    if (a.has(stats64)) {
      Attributes s = counters.resetNested(a, stats64);
      if (allZero(s)) {
        return Stats.ZERO;
      }
      return new Stats(
          s.u64(STATS_ATTR_CONNS, 0),
          s.u64(STATS_ATTR_INPKTS, 0),
          s.u64(STATS_ATTR_OUTPKTS, 0),
          s.u64(STATS_ATTR_INBYTES, 0),
          s.u64(STATS_ATTR_OUTBYTES, 0),
          s.u64(STATS_ATTR_CPS, 0),
          s.u64(STATS_ATTR_INPPS, 0),
          s.u64(STATS_ATTR_OUTPPS, 0),
          s.u64(STATS_ATTR_INBPS, 0),
          s.u64(STATS_ATTR_OUTBPS, 0));
    }
    if (a.has(stats32)) {
      Attributes s = counters.resetNested(a, stats32);
      return new Stats(
          Integer.toUnsignedLong(s.u32(STATS_ATTR_CONNS, 0)),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_INPKTS, 0)),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_OUTPKTS, 0)),
          s.u64(STATS_ATTR_INBYTES, 0),
          s.u64(STATS_ATTR_OUTBYTES, 0),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_CPS, 0)),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_INPPS, 0)),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_OUTPPS, 0)),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_INBPS, 0)),
          Integer.toUnsignedLong(s.u32(STATS_ATTR_OUTBPS, 0)));
    }
    return Stats.ZERO;
  }

  /** Idle services and real servers report all-zero counters: share one value for them. */
  private static boolean allZero(Attributes s) {
    for (int type = STATS_ATTR_CONNS; type <= STATS_ATTR_OUTBPS; type++) {
      if (s.u64(type, 0) != 0) {
        return false;
      }
    }
    return true;
  }

  private static AddressFamily family(int number, String context) {
    try {
      return AddressFamily.ofNumber(number);
    } catch (IllegalArgumentException e) {
      throw new io.kipvs.netlink.NetlinkDecodeException(context, e.getMessage());
    }
  }

  private static Protocol protocol(int number) {
    try {
      return Protocol.ofNumber(number);
    } catch (IllegalArgumentException e) {
      throw new io.kipvs.netlink.NetlinkDecodeException("IPVS service", e.getMessage());
    }
  }
}
