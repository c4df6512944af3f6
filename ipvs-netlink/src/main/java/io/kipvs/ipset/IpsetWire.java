package io.kipvs.ipset;

/**
 * ipset's nfnetlink numbers (linux/netfilter/ipset/ip_set.h, ip_set_hash.h, ip_set_bitmap.h,
 * linux/netfilter/nfnetlink.h).
 */
final class IpsetWire {
  static final int NFNL_SUBSYS_IPSET = 6;
  static final int NFNETLINK_V0 = 0;
  static final int NFGENMSG_LENGTH = 4;

  /** The protocol version we speak; the kernel accepts 6 and 7 (6.1). */
  static final int IPSET_PROTOCOL = 7;

  /** Set names hold at most 31 characters (32 with the NUL). */
  static final int MAX_NAME_LENGTH = 31;

  static final int IPSET_CMD_CREATE = 2;
  static final int IPSET_CMD_DESTROY = 3;
  static final int IPSET_CMD_LIST = 7;
  static final int IPSET_CMD_ADD = 9;
  static final int IPSET_CMD_DEL = 10;
  static final int IPSET_CMD_TYPE = 13;

  // Attributes at command level.
  static final int IPSET_ATTR_PROTOCOL = 1;
  static final int IPSET_ATTR_SETNAME = 2;
  static final int IPSET_ATTR_TYPENAME = 3;
  static final int IPSET_ATTR_REVISION = 4;
  static final int IPSET_ATTR_FAMILY = 5;
  static final int IPSET_ATTR_FLAGS = 6;
  static final int IPSET_ATTR_DATA = 7;
  static final int IPSET_ATTR_ADT = 8;
  static final int IPSET_ATTR_LINENO = 9;
  static final int IPSET_ATTR_REVISION_MIN = 10;
  static final int IPSET_ATTR_CMD_MAX = 11;

  // Attributes inside IPSET_ATTR_DATA (create and add/del/list).
  static final int IPSET_ATTR_IP = 1;
  static final int IPSET_ATTR_CIDR = 3;
  static final int IPSET_ATTR_PORT = 4;
  static final int IPSET_ATTR_PORT_TO = 5;
  static final int IPSET_ATTR_PROTO = 7;
  static final int IPSET_ATTR_HASHSIZE = 18;
  static final int IPSET_ATTR_MAXELEM = 19;
  static final int IPSET_ATTR_ELEMENTS = 24;
  static final int IPSET_ATTR_IP2 = 20;
  static final int IPSET_ATTR_CIDR2 = 21;
  static final int IPSET_ATTR_DATA_MAX = 31;

  // Inside IPSET_ATTR_IP and IPSET_ATTR_IP2.
  static final int IPSET_ATTR_IPADDR_IPV4 = 1;
  static final int IPSET_ATTR_IPADDR_IPV6 = 2;

  /** In IPSET_ATTR_FLAGS of a list request: headers only, as {@code ipset list -terse}. */
  static final int IPSET_FLAG_LIST_HEADER = 1 << 2;

  static final int NFPROTO_UNSPEC = 0;
  static final int NFPROTO_IPV4 = 2;
  static final int NFPROTO_IPV6 = 10;

  static final int ENOENT = 2;

  static final int IPSET_ERR_PRIVATE = 4096;
  static final int IPSET_ERR_TYPE_SPECIFIC = 4352;

  private IpsetWire() {}

  static int messageType(int command) {
    return (NFNL_SUBSYS_IPSET << 8) | command;
  }
}
