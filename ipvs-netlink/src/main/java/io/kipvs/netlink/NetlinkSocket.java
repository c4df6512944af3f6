package io.kipvs.netlink;

import com.kenai.jffi.MemoryIO;
import io.kipvs.ipvs.NetlinkException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * A netlink socket (AF_NETLINK, SOCK_RAW, close-on-exec) with its own direct buffers: one to send
 * many messages with one {@code send}, and a receive area read with {@code recvmmsg} so that one
 * system call collects many datagrams (the kernel queues every ack as its own datagram).
 *
 * <p>Not thread-safe: {@link NetlinkConnection} serialises access.
 */
final class NetlinkSocket implements AutoCloseable {

  /** Size of one ack slot: an error ack with its extended-ack text is well under this. */
  static final int ACK_SLOT = 1024;

  private static final int MAX_SLOTS = 1024;
  private static final int MMSGHDR_SIZE = 64;
  private static final int IOVEC_SIZE = 16;
  static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

  private final int fd;
  private final ByteBuffer sendBuffer;
  private final long sendAddress;
  private final ByteBuffer receiveArea;
  private final long receiveAddress;
  private final ByteBuffer vector;
  private final long vectorAddress;
  private final ByteBuffer scratch;
  private final long scratchAddress;
  private int receiveBufferBytes;
  private final int replySlotBytes;
  private int slotSize;
  private int slotCount;
  private boolean closed;
  private long systemCalls;

  private NetlinkSocket(int fd, int sendCapacity, int receiveAreaBytes, int replySlotBytes) {
    this.fd = fd;
    this.replySlotBytes = replySlotBytes;
    this.sendBuffer = direct(sendCapacity);
    this.sendAddress = address(sendBuffer);
    this.receiveArea = direct(receiveAreaBytes);
    this.receiveAddress = address(receiveArea);
    this.vector = direct(MAX_SLOTS * (MMSGHDR_SIZE + IOVEC_SIZE));
    this.vectorAddress = address(vector);
    this.scratch = direct(64);
    this.scratchAddress = address(scratch);
  }

  /**
   * Opens and binds a socket for this netlink protocol, asks for extended acks without echoed
   * requests, sizes the kernel buffers and sets the send and receive timeouts.
   */
  static NetlinkSocket open(int protocol, NetlinkOptions options) {
    int fd = LIBC.socket(Sys.AF_NETLINK, Sys.SOCK_RAW | Sys.SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      int errno = errno();
      throw new NetlinkException(
          errno,
          Optional.empty(),
          "socket(AF_NETLINK, " + protocol + ")",
          "cannot open a netlink socket for protocol " + protocol + ": " + Errno.describe(errno));
    }
    NetlinkSocket plain =
        new NetlinkSocket(
            fd, options.sendBufferBytes(), options.receiveAreaBytes(), options.replySlotBytes());
    try {
      plain.bind();
      plain.setInt(Sys.SOL_NETLINK, Sys.NETLINK_EXT_ACK, 1, false);
      plain.setInt(Sys.SOL_NETLINK, Sys.NETLINK_CAP_ACK, 1, false);
      plain.setBuffer(Sys.SO_SNDBUFFORCE, Sys.SO_SNDBUF, options.kernelSendBufferBytes());
      plain.setBuffer(Sys.SO_RCVBUFFORCE, Sys.SO_RCVBUF, options.kernelReceiveBufferBytes());
      plain.setTimeout(Sys.SO_RCVTIMEO, options.timeout());
      plain.setTimeout(Sys.SO_SNDTIMEO, options.timeout());
      plain.receiveBufferBytes = plain.getInt(Sys.SOL_SOCKET, Sys.SO_RCVBUF);
      return plain;
    } catch (RuntimeException e) {
      LIBC.close(fd);
      throw e;
    }
  }

  /** The kernel's receive buffer size as it reports it (twice what was asked, with overhead). */
  int receiveBufferBytes() {
    return receiveBufferBytes;
  }

  /** The send buffer, cleared, in host byte order; fill it, then call {@link #send(int)}. */
  ByteBuffer sendBuffer() {
    sendBuffer.clear();
    return sendBuffer;
  }

  /** Sends the first {@code length} bytes of the send buffer as one datagram. */
  void send(int length, Supplier<String> description) {
    while (true) {
      systemCalls++;
      long sent = LIBC.send(fd, sendAddress, length, 0);
      if (sent == length) {
        return;
      }
      int errno = errno();
      if (sent < 0 && errno == Sys.EINTR) {
        continue;
      }
      throw failure(errno, "send", description.get());
    }
  }

  /**
   * Receives up to as many datagrams as fit slots of {@code slotBytes}, waiting (up to the receive
   * timeout) for the first only. Returns how many; read them with {@link #datagramOffset} and
   * {@link #datagramLength} in {@link #receiveArea()}.
   */
  int receive(int slotBytes, Supplier<String> description) {
    layout(slotBytes);
    while (true) {
      systemCalls++;
      int count = LIBC.recvmmsg(fd, vectorAddress, slotCount, Sys.MSG_WAITFORONE, 0);
      if (count > 0) {
        for (int i = 0; i < count; i++) {
          int flags = vector.getInt(i * MMSGHDR_SIZE + 48);
          if ((flags & Sys.MSG_TRUNC) != 0) {
            throw new NetlinkDecodeException(
                description.get(), "datagram larger than the " + slotSize + "-byte receive slot");
          }
        }
        return count;
      }
      int errno = errno();
      if (count < 0 && errno == Sys.EINTR) {
        continue;
      }
      throw failure(errno, "receive", description.get());
    }
  }

  /** The receive slot size for replies and dumps. */
  int replySlot() {
    return replySlotBytes;
  }

  /** Sends and receives made so far (each one system call). */
  long systemCalls() {
    return systemCalls;
  }

  ByteBuffer receiveArea() {
    return receiveArea;
  }

  int datagramOffset(int index) {
    return index * slotSize;
  }

  int datagramLength(int index) {
    return vector.getInt(index * MMSGHDR_SIZE + 56);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      LIBC.close(fd);
    }
  }

  private void layout(int slotBytes) {
    if (slotBytes == slotSize) {
      return;
    }
    slotSize = slotBytes;
    slotCount = Math.min(MAX_SLOTS, receiveArea.capacity() / slotBytes);
    int iovecs = MAX_SLOTS * MMSGHDR_SIZE;
    for (int i = 0; i < slotCount; i++) {
      int header = i * MMSGHDR_SIZE;
      int iovec = iovecs + i * IOVEC_SIZE;
      vector.putLong(iovec, receiveAddress + (long) i * slotBytes);
      vector.putLong(iovec + 8, slotBytes);
      vector.putLong(header, 0); // msg_name
      vector.putLong(header + 8, 0); // msg_namelen and padding
      vector.putLong(header + 16, vectorAddress + iovec); // msg_iov
      vector.putLong(header + 24, 1); // msg_iovlen
      vector.putLong(header + 32, 0); // msg_control
      vector.putLong(header + 40, 0); // msg_controllen
      vector.putLong(header + 48, 0); // msg_flags and padding
      vector.putLong(header + 56, 0); // msg_len and padding
    }
  }

  private void bind() {
    scratch.clear();
    scratch.putShort(0, (short) Sys.AF_NETLINK).putShort(2, (short) 0).putInt(4, 0).putInt(8, 0);
    if (LIBC.bind(fd, scratchAddress, 12) < 0) {
      throw failure(errno(), "bind", "bind(AF_NETLINK)");
    }
  }

  private boolean setInt(int level, int option, int value, boolean required) {
    scratch.putInt(0, value);
    if (LIBC.setsockopt(fd, level, option, scratchAddress, 4) == 0) {
      return true;
    }
    int errno = errno();
    if (required) {
      throw failure(errno, "setsockopt", "setsockopt(" + level + ", " + option + ")");
    }
    return false;
  }

  private int getInt(int level, int option) {
    scratch.putInt(0, 0);
    scratch.putInt(8, 4);
    if (LIBC.getsockopt(fd, level, option, scratchAddress, scratchAddress + 8) < 0) {
      throw failure(errno(), "getsockopt", "getsockopt(" + level + ", " + option + ")");
    }
    return scratch.getInt(0);
  }

  /** Forcing needs CAP_NET_ADMIN; without it the kernel caps the size at net.core.*mem_max. */
  private void setBuffer(int forceOption, int option, int bytes) {
    if (!setInt(Sys.SOL_SOCKET, forceOption, bytes, false)) {
      setInt(Sys.SOL_SOCKET, option, bytes, true);
    }
  }

  private void setTimeout(int option, Duration timeout) {
    scratch.putLong(16, timeout.getSeconds());
    scratch.putLong(24, timeout.toNanosPart() / 1000);
    if (LIBC.setsockopt(fd, Sys.SOL_SOCKET, option, scratchAddress + 16, 16) < 0) {
      throw failure(errno(), "setsockopt", "setsockopt(SOL_SOCKET, " + option + ")");
    }
  }

  static NetlinkException failure(int errno, String call, String description) {
    String what =
        errno == Sys.EAGAIN
            ? "timed out waiting for the kernel"
            : call + " failed: " + Errno.describe(errno);
    return new NetlinkException(errno, Optional.empty(), description, description + ": " + what);
  }

  static int errno() {
    return Runtime.getSystemRuntime().getLastError();
  }

  private static ByteBuffer direct(int capacity) {
    return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
  }

  static long address(ByteBuffer buffer) {
    return MemoryIO.getInstance().getDirectBufferAddress(buffer);
  }
}
