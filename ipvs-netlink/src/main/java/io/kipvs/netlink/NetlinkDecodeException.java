package io.kipvs.netlink;

import io.kipvs.ipvs.NetlinkException;
import java.util.Optional;

/** Bytes from the kernel (or a test) that do not parse as the netlink message they claim to be. */
public final class NetlinkDecodeException extends NetlinkException {
  private static final long serialVersionUID = 1L;

  public NetlinkDecodeException(String context, String problem) {
    super(0, Optional.empty(), context, "malformed netlink data in " + context + ": " + problem);
  }
}
