package io.kipvs.netlink;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * One raw IP socket kept open for repeated getsockopt calls (public only for {@code io.kipvs.ipvs};
 * not API). {@link RawSockets#getsockopt} opens and closes a socket per call: three system calls
 * where this makes one.
 *
 * <p>Not thread-safe: the caller serialises its calls and owns the buffers it passes.
 */
public final class RawSocket implements AutoCloseable {
  private final int fd;
  private final ByteBuffer length = RawSockets.buffer(8);
  private final long lengthAddress = NetlinkSocket.address(length);
  private boolean closed;

  private RawSocket(int fd) {
    this.fd = fd;
  }

  /**
   * A raw socket of this family ({@code AF_INET} 2 or {@code AF_INET6} 10), close-on-exec.
   *
   * @throws io.kipvs.ipvs.NetlinkException with the errno when the socket cannot be opened
   */
  public static RawSocket open(int family, String what) {
    int fd = NetlinkSocket.LIBC.socket(family, Sys.SOCK_RAW | Sys.SOCK_CLOEXEC, Sys.IPPROTO_RAW);
    if (fd < 0) {
      throw NetlinkSocket.failure(NetlinkSocket.errno(), "socket", what);
    }
    return new RawSocket(fd);
  }

  /**
   * getsockopt with the first {@code valueLength} bytes of {@code value} (a direct buffer from
   * {@link RawSockets#buffer}) read and written in place, one system call.
   *
   * @return the length the kernel wrote
   * @throws io.kipvs.ipvs.NetlinkException with the errno when it fails
   */
  public int getsockopt(
      int level, int option, ByteBuffer value, int valueLength, Supplier<String> what) {
    length.putInt(0, valueLength);
    if (NetlinkSocket.LIBC.getsockopt(
            fd, level, option, NetlinkSocket.address(value), lengthAddress)
        < 0) {
      throw NetlinkSocket.failure(NetlinkSocket.errno(), "getsockopt", what.get());
    }
    return length.getInt(0);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      NetlinkSocket.LIBC.close(fd);
    }
  }
}
