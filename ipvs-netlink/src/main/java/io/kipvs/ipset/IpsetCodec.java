package io.kipvs.ipset;

import static io.kipvs.ipset.IpsetWire.*;

import io.kipvs.netlink.Attributes;
import io.kipvs.netlink.Message;
import io.kipvs.netlink.MessageWriter;
import io.kipvs.netlink.Netlink;
import io.kipvs.netlink.NetlinkDecodeException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalInt;

/**
 * Encodes ipset requests and decodes the kernel's replies; no I/O. Numbers the kernel reads in
 * network order carry NLA_F_NET_BYTEORDER, as it requires. No request sets NLM_F_EXCL: that is
 * {@code ipset -exist} (an existing equal set, a present member added, an absent one deleted are
 * not errors).
 */
final class IpsetCodec {
  private static final int NET = Netlink.NLA_F_NET_BYTEORDER;

  private IpsetCodec() {}

  /** IPSET_CMD_TYPE: the revisions of a set type the kernel supports for a family. */
  static void typeQuery(MessageWriter w, int flags, int seq, String typeName, int family) {
    int start = begin(w, IPSET_CMD_TYPE, flags, seq);
    w.string(IPSET_ATTR_TYPENAME, typeName);
    w.u8(IPSET_ATTR_FAMILY, family);
    w.endMessage(start);
  }

  /** The highest revision of the type the kernel supports, from its IPSET_CMD_TYPE reply. */
  static Integer decodeTypeRevision(Message m) {
    Attributes a = m.attributes(NFGENMSG_LENGTH, IPSET_ATTR_CMD_MAX, "IPSET_CMD_TYPE reply");
    return a.u8(IPSET_ATTR_REVISION);
  }

  /** The netfilter family a set of this definition is created with. */
  static int family(IpsetDefinition definition) {
    if (definition instanceof IpsetDefinition.Hash h) {
      return h.v6() ? NFPROTO_IPV6 : NFPROTO_IPV4;
    }
    return NFPROTO_UNSPEC;
  }

  /** IPSET_CMD_CREATE of one set, with the type revision to create it with. */
  static void create(
      MessageWriter w, int flags, int seq, IpsetDefinition definition, int revision) {
    int start = begin(w, IPSET_CMD_CREATE, flags, seq);
    w.string(IPSET_ATTR_SETNAME, definition.name());
    w.string(IPSET_ATTR_TYPENAME, definition.typeName());
    w.u8(IPSET_ATTR_REVISION, revision);
    w.u8(IPSET_ATTR_FAMILY, family(definition));
    int data = w.beginNested(IPSET_ATTR_DATA);
    if (definition instanceof IpsetDefinition.Hash h) {
      w.u32be(IPSET_ATTR_HASHSIZE | NET, h.hashSize());
      w.u32be(IPSET_ATTR_MAXELEM | NET, h.maxElements());
    } else {
      IpsetDefinition.BitmapPort b = (IpsetDefinition.BitmapPort) definition;
      w.u16be(IPSET_ATTR_PORT | NET, b.fromPort());
      w.u16be(IPSET_ATTR_PORT_TO | NET, b.toPort());
    }
    w.endNested(data);
    w.endMessage(start);
  }

  /** IPSET_CMD_DESTROY of one set. */
  static void destroy(MessageWriter w, int flags, int seq, String setName) {
    int start = begin(w, IPSET_CMD_DESTROY, flags, seq);
    w.string(IPSET_ATTR_SETNAME, setName);
    w.endMessage(start);
  }

  /**
   * IPSET_CMD_ADD or IPSET_CMD_DEL of many members of one set in one message: one IPSET_ATTR_DATA
   * each inside IPSET_ATTR_ADT, as {@code ipset restore} sends them (the kernel wants
   * IPSET_ATTR_LINENO beside IPSET_ATTR_ADT). The kernel applies them in order and stops at the
   * first it refuses.
   */
  static void members(
      MessageWriter w, int flags, int seq, boolean add, String setName, List<IpsetMember> members) {
    int start = begin(w, add ? IPSET_CMD_ADD : IPSET_CMD_DEL, flags, seq);
    w.string(IPSET_ATTR_SETNAME, setName);
    w.u32be(IPSET_ATTR_LINENO | NET, 0);
    int adt = w.beginNested(IPSET_ATTR_ADT);
    for (IpsetMember member : members) {
      int data = w.beginNested(IPSET_ATTR_DATA);
      member(w, member);
      w.endNested(data);
    }
    w.endNested(adt);
    w.endMessage(start);
  }

  private static void member(MessageWriter w, IpsetMember member) {
    if (member instanceof IpsetMember.Ip m) {
      address(w, IPSET_ATTR_IP, m.ip());
    } else if (member instanceof IpsetMember.IpPort m) {
      address(w, IPSET_ATTR_IP, m.ip());
      w.u16be(IPSET_ATTR_PORT | NET, m.port());
      w.u8(IPSET_ATTR_PROTO, m.protocol());
    } else if (member instanceof IpsetMember.IpPortIp m) {
      address(w, IPSET_ATTR_IP, m.ip());
      w.u16be(IPSET_ATTR_PORT | NET, m.port());
      w.u8(IPSET_ATTR_PROTO, m.protocol());
      address(w, IPSET_ATTR_IP2, m.ip2());
    } else if (member instanceof IpsetMember.IpPortNet m) {
      address(w, IPSET_ATTR_IP, m.ip());
      w.u16be(IPSET_ATTR_PORT | NET, m.port());
      w.u8(IPSET_ATTR_PROTO, m.protocol());
      address(w, IPSET_ATTR_IP2, m.net());
      w.u8(IPSET_ATTR_CIDR2, m.prefixLength());
    } else {
      w.u16be(IPSET_ATTR_PORT | NET, ((IpsetMember.Port) member).port());
    }
  }

  private static void address(MessageWriter w, int type, InetAddress address) {
    int nest = w.beginNested(type);
    int inner = address instanceof Inet4Address ? IPSET_ATTR_IPADDR_IPV4 : IPSET_ATTR_IPADDR_IPV6;
    w.address(inner | NET, address);
    w.endNested(nest);
  }

  /**
   * IPSET_CMD_LIST dump: of one set, or of every set when {@code setName} is null; with {@code
   * headersOnly}, without members ({@code ipset list -terse}).
   */
  static void list(MessageWriter w, int flags, int seq, String setName, boolean headersOnly) {
    int start = begin(w, IPSET_CMD_LIST, flags, seq);
    if (setName != null) {
      w.string(IPSET_ATTR_SETNAME, setName);
    }
    if (headersOnly) {
      w.u32be(IPSET_ATTR_FLAGS | NET, IPSET_FLAG_LIST_HEADER);
    }
    w.endMessage(start);
  }

  /** A set's header from a headers-only list reply. */
  static SetHeader decodeHeader(Message m) {
    String context = "IPSET_CMD_LIST header";
    Attributes a = m.attributes(NFGENMSG_LENGTH, IPSET_ATTR_CMD_MAX, context);
    OptionalInt entries = OptionalInt.empty();
    if (a.has(IPSET_ATTR_DATA)) {
      Attributes data = a.nested(IPSET_ATTR_DATA, IPSET_ATTR_DATA_MAX, context + " data");
      if (data.has(IPSET_ATTR_ELEMENTS)) {
        entries = OptionalInt.of(data.u32be(IPSET_ATTR_ELEMENTS));
      }
    }
    return new SetHeader(
        a.string(IPSET_ATTR_SETNAME),
        a.string(IPSET_ATTR_TYPENAME),
        a.u8(IPSET_ATTR_FAMILY),
        a.u8(IPSET_ATTR_REVISION),
        entries);
  }

  /**
   * Decodes the members of one set's list dump, message by message. The first message names the
   * set's type; the members of every message are read as that type. One instance per dump.
   */
  static final class MemberDecoder {
    private final String setName;
    private final Attributes top;
    private final Attributes data;
    private final Attributes address;
    private String typeName;

    MemberDecoder(String setName) {
      this.setName = setName;
      String context = "IPSET_CMD_LIST of " + setName;
      this.top = new Attributes(IPSET_ATTR_CMD_MAX, context);
      this.data = new Attributes(IPSET_ATTR_DATA_MAX, context + " member");
      this.address = new Attributes(IPSET_ATTR_IPADDR_IPV6, context + " address");
    }

    /** Adds the members of this message to {@code out}. */
    void decode(Message m, List<IpsetMember> out) {
      top.resetFrom(m, NFGENMSG_LENGTH);
      if (top.has(IPSET_ATTR_TYPENAME)) {
        typeName = top.string(IPSET_ATTR_TYPENAME);
        checkType(typeName);
      }
      if (!top.has(IPSET_ATTR_ADT)) {
        return;
      }
      if (typeName == null) {
        throw new NetlinkDecodeException(
            "IPSET_CMD_LIST of " + setName, "members before the set's header");
      }
      ByteBuffer b = top.buffer();
      int position = top.offset(IPSET_ATTR_ADT);
      int end = position + top.length(IPSET_ATTR_ADT);
      while (end - position >= Netlink.ATTR_HEADER_LENGTH) {
        int length = b.getShort(position) & 0xffff;
        int type = b.getShort(position + 2) & Netlink.NLA_TYPE_MASK;
        if (length < Netlink.ATTR_HEADER_LENGTH || length > end - position) {
          throw new NetlinkDecodeException(
              "IPSET_CMD_LIST of " + setName,
              "member attribute at offset " + position + " has length " + length);
        }
        if (type == IPSET_ATTR_DATA) {
          data.reset(b, position + Netlink.ATTR_HEADER_LENGTH, length - Netlink.ATTR_HEADER_LENGTH);
          out.add(member());
        }
        position += Netlink.align(length);
      }
    }

    private void checkType(String type) {
      switch (type) {
        case "hash:ip", "hash:ip,port", "hash:ip,port,ip", "hash:ip,port,net", "bitmap:port" -> {}
        default ->
            throw new NetlinkDecodeException(
                "IPSET_CMD_LIST of " + setName,
                "set type " + type + " is not one this client reads");
      }
    }

    private IpsetMember member() {
      switch (typeName) {
        case "hash:ip":
          return new IpsetMember.Ip(address(IPSET_ATTR_IP));
        case "hash:ip,port":
          return new IpsetMember.IpPort(
              address(IPSET_ATTR_IP), data.u8(IPSET_ATTR_PROTO), data.u16be(IPSET_ATTR_PORT));
        case "hash:ip,port,ip":
          return new IpsetMember.IpPortIp(
              address(IPSET_ATTR_IP),
              data.u8(IPSET_ATTR_PROTO),
              data.u16be(IPSET_ATTR_PORT),
              address(IPSET_ATTR_IP2));
        case "hash:ip,port,net":
          {
            InetAddress ip = address(IPSET_ATTR_IP);
            int protocol = data.u8(IPSET_ATTR_PROTO);
            int port = data.u16be(IPSET_ATTR_PORT);
            InetAddress net = address(IPSET_ATTR_IP2);
            int host = net instanceof Inet4Address ? 32 : 128;
            return new IpsetMember.IpPortNet(
                ip, protocol, port, net, data.u8(IPSET_ATTR_CIDR2, host));
          }
        default:
          return new IpsetMember.Port(data.u16be(IPSET_ATTR_PORT));
      }
    }

    private InetAddress address(int type) {
      address.reset(data.buffer(), data.offset(type), data.length(type));
      int inner =
          address.has(IPSET_ATTR_IPADDR_IPV4) ? IPSET_ATTR_IPADDR_IPV4 : IPSET_ATTR_IPADDR_IPV6;
      return address.address(inner, inner == IPSET_ATTR_IPADDR_IPV4 ? 4 : 16);
    }
  }

  private static int begin(MessageWriter w, int command, int flags, int seq) {
    int start = w.beginMessage(messageType(command), flags, seq);
    // nfgenmsg: family (ipset ignores it), version, resource id (network order, 0).
    w.rawU8(NFPROTO_IPV4).rawU8(NFNETLINK_V0).rawU16(0);
    w.u8(IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
    return start;
  }
}
