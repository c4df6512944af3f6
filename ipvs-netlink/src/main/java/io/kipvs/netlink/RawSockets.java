package io.kipvs.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Socket options of raw IP sockets (public only for {@code io.kipvs.xtables}; not API). */
public final class RawSockets {
  private RawSockets() {}

  /** A direct buffer in native byte order, as getsockopt fills it. */
  public static ByteBuffer buffer(int capacity) {
    return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
  }

  /**
   * getsockopt on a fresh raw socket of this family, {@code value} read and written in place.
   *
   * @return the length the kernel wrote
   * @throws io.kipvs.ipvs.NetlinkException with the errno when it fails
   */
  public static int getsockopt(int family, int level, int option, ByteBuffer value, String what) {
    try (RawSocket socket = RawSocket.open(family, what)) {
      return socket.getsockopt(level, option, value, value.limit(), () -> what);
    }
  }
}
