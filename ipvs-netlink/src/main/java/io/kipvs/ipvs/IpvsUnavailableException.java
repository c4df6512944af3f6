package io.kipvs.ipvs;

import java.util.Optional;

/** The running kernel has no IPVS generic netlink family: ip_vs is not built in nor loaded. */
public class IpvsUnavailableException extends NetlinkException {
  private static final long serialVersionUID = 1L;

  public IpvsUnavailableException(String message) {
    super(2, Optional.empty(), "CTRL_CMD_GETFAMILY IPVS", message);
  }
}
