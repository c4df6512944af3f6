package io.kipvs.netlink;

/** Netlink wire constants (linux/netlink.h, linux/genetlink.h). */
public final class Netlink {
  public static final int NETLINK_ROUTE = 0;
  public static final int NETLINK_NETFILTER = 12;
  public static final int NETLINK_GENERIC = 16;

  public static final int HEADER_LENGTH = 16;
  public static final int GENL_HEADER_LENGTH = 4;
  public static final int ATTR_HEADER_LENGTH = 4;

  public static final int NLMSG_NOOP = 1;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;
  public static final int NLMSG_OVERRUN = 4;

  public static final int NLM_F_REQUEST = 0x1;
  public static final int NLM_F_MULTI = 0x2;
  public static final int NLM_F_ACK = 0x4;
  public static final int NLM_F_DUMP_INTR = 0x10;
  public static final int NLM_F_ROOT = 0x100;
  public static final int NLM_F_MATCH = 0x200;
  public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
  public static final int NLM_F_REPLACE = 0x100;
  public static final int NLM_F_EXCL = 0x200;
  public static final int NLM_F_CREATE = 0x400;

  /** On an NLMSG_ERROR: the request's payload was not echoed (NETLINK_CAP_ACK). */
  public static final int NLM_F_CAPPED = 0x100;

  /** On an NLMSG_ERROR: extended-ack attributes follow. */
  public static final int NLM_F_ACK_TLVS = 0x200;

  public static final int NLMSGERR_ATTR_MSG = 1;

  public static final int NLA_F_NESTED = 0x8000;
  public static final int NLA_F_NET_BYTEORDER = 0x4000;
  public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

  public static final int GENL_ID_CTRL = 0x10;
  public static final int CTRL_CMD_GETFAMILY = 3;
  public static final int CTRL_ATTR_FAMILY_ID = 1;
  public static final int CTRL_ATTR_FAMILY_NAME = 2;

  private Netlink() {}

  /** Rounds up to the next multiple of 4, as NLMSG_ALIGN and NLA_ALIGN do. */
  public static int align(int length) {
    return (length + 3) & ~3;
  }
}
