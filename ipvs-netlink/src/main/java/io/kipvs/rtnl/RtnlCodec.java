package io.kipvs.rtnl;

import static io.kipvs.rtnl.RtnlWire.*;

import io.kipvs.netlink.Attributes;
import io.kipvs.netlink.Message;
import io.kipvs.netlink.MessageWriter;
import io.kipvs.netlink.Netlink;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/** Encodes link and address requests and decodes their replies; no I/O. */
final class RtnlCodec {
  private RtnlCodec() {}

  static void getLinkByName(MessageWriter w, int flags, int seq, String name) {
    int start = w.beginMessage(RTM_GETLINK, flags, seq);
    ifinfo(w, AF_UNSPEC, 0, 0, 0);
    w.string(IFLA_IFNAME, name);
    w.endMessage(start);
  }

  static void dumpLinks(MessageWriter w, int flags, int seq) {
    int start = w.beginMessage(RTM_GETLINK, flags, seq);
    ifinfo(w, AF_UNSPEC, 0, 0, 0);
    w.endMessage(start);
  }

  static void newDummy(MessageWriter w, int flags, int seq, String name, boolean up) {
    int start = w.beginMessage(RTM_NEWLINK, flags | Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, seq);
    ifinfo(w, AF_UNSPEC, 0, up ? IFF_UP : 0, IFF_UP);
    w.string(IFLA_IFNAME, name);
    int info = w.beginNested(IFLA_LINKINFO);
    w.string(IFLA_INFO_KIND, "dummy");
    w.endNested(info);
    w.endMessage(start);
  }

  static void setUp(MessageWriter w, int flags, int seq, int index) {
    int start = w.beginMessage(RTM_NEWLINK, flags, seq);
    ifinfo(w, AF_UNSPEC, index, IFF_UP, IFF_UP);
    w.endMessage(start);
  }

  static void deleteLink(MessageWriter w, int flags, int seq, int index) {
    int start = w.beginMessage(RTM_DELLINK, flags, seq);
    ifinfo(w, AF_UNSPEC, index, 0, 0);
    w.endMessage(start);
  }

  static void dumpAddresses(MessageWriter w, int flags, int seq) {
    int start = w.beginMessage(RTM_GETADDR, flags, seq);
    ifaddr(w, AF_UNSPEC, 0, 0);
    w.endMessage(start);
  }

  /** RTM_NEWADDR (created or replaced) or RTM_DELADDR of one address. */
  static void address(
      MessageWriter w, int flags, int seq, int type, int index, InetAddress address, int prefix) {
    int extra = type == RTM_NEWADDR ? Netlink.NLM_F_CREATE | Netlink.NLM_F_REPLACE : 0;
    int start = w.beginMessage(type, flags | extra, seq);
    int family = address instanceof Inet4Address ? 2 : 10;
    ifaddr(w, family, prefix, index);
    w.address(IFA_LOCAL, address);
    w.address(IFA_ADDRESS, address);
    w.endMessage(start);
  }

  /** The request of one batched address change. */
  static void address(MessageWriter w, int flags, int seq, AddressOperation op) {
    int type = op instanceof AddressOperation.Add ? RTM_NEWADDR : RTM_DELADDR;
    address(w, flags, seq, type, op.linkIndex(), op.address(), op.prefixLength());
  }

  static Link decodeLink(Message m) {
    m.requirePayload(IFINFOMSG_LENGTH, "RTM_NEWLINK");
    ByteBuffer b = m.buffer();
    int index = b.getInt(m.payloadOffset() + 4);
    int flags = b.getInt(m.payloadOffset() + 8);
    Attributes a = m.attributes(IFINFOMSG_LENGTH, IFLA_MAX, "RTM_NEWLINK");
    Optional<String> kind = Optional.empty();
    if (a.has(IFLA_LINKINFO)) {
      Attributes info = a.nested(IFLA_LINKINFO, IFLA_INFO_KIND, "IFLA_LINKINFO");
      if (info.has(IFLA_INFO_KIND)) {
        kind = Optional.of(info.string(IFLA_INFO_KIND));
      }
    }
    return new Link(index, a.string(IFLA_IFNAME), (flags & IFF_UP) != 0, kind);
  }

  static LinkAddress decodeAddress(Message m) {
    m.requirePayload(IFADDRMSG_LENGTH, "RTM_NEWADDR");
    ByteBuffer b = m.buffer();
    int family = b.get(m.payloadOffset()) & 0xff;
    int prefix = b.get(m.payloadOffset() + 1) & 0xff;
    int index = b.getInt(m.payloadOffset() + 4);
    if (family != 2 && family != 10) {
      return null;
    }
    int length = family == 2 ? 4 : 16;
    Attributes a = m.attributes(IFADDRMSG_LENGTH, IFA_MAX, "RTM_NEWADDR");
    int which = a.has(IFA_LOCAL) ? IFA_LOCAL : IFA_ADDRESS;
    return new LinkAddress(index, a.address(which, length), prefix);
  }

  private static void ifinfo(MessageWriter w, int family, int index, int flags, int change) {
    w.rawU8(family).rawU8(0).rawU16(0).rawU32(index).rawU32(flags).rawU32(change);
  }

  private static void ifaddr(MessageWriter w, int family, int prefix, int index) {
    w.rawU8(family).rawU8(prefix).rawU8(0).rawU8(RT_SCOPE_UNIVERSE).rawU32(index);
  }
}
