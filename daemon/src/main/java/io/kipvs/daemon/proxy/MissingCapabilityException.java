package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.NetlinkException;

/** The kernel refused a netlink request with EPERM: the process lacks CAP_NET_ADMIN. */
public final class MissingCapabilityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MissingCapabilityException(NetlinkException cause) {
    super(
        "kipvs needs the CAP_NET_ADMIN capability (run as root or grant NET_ADMIN to the"
            + " container): the kernel refused "
            + cause.request()
            + " with EPERM",
        cause);
  }
}
