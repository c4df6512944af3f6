package io.kipvs.rtnl;

/** rtnetlink numbers (linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h). */
final class RtnlWire {
  static final int RTM_NEWLINK = 16;
  static final int RTM_DELLINK = 17;
  static final int RTM_GETLINK = 18;
  static final int RTM_NEWADDR = 20;
  static final int RTM_DELADDR = 21;
  static final int RTM_GETADDR = 22;

  static final int IFINFOMSG_LENGTH = 16;
  static final int IFADDRMSG_LENGTH = 8;

  static final int IFLA_IFNAME = 3;
  static final int IFLA_LINKINFO = 18;
  static final int IFLA_MAX = 18;
  static final int IFLA_INFO_KIND = 1;

  static final int IFA_ADDRESS = 1;
  static final int IFA_LOCAL = 2;
  static final int IFA_MAX = 2;

  static final int IFF_UP = 1;
  static final int AF_UNSPEC = 0;
  static final int RT_SCOPE_UNIVERSE = 0;

  private RtnlWire() {}
}
