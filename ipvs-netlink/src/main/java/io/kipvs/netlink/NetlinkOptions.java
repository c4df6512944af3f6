package io.kipvs.netlink;

import java.time.Duration;

/**
 * How a netlink socket is sized.
 *
 * @param sendBufferBytes bytes of messages sent with one system call
 * @param receiveAreaBytes bytes of datagrams received with one system call
 * @param kernelSendBufferBytes SO_SNDBUF(FORCE); must exceed {@code sendBufferBytes}
 * @param kernelReceiveBufferBytes SO_RCVBUF(FORCE); must hold the acks of one batch send
 * @param timeout how long one send or receive may block
 * @param replySlotBytes room for one reply or dump datagram; the kernel sizes dump datagrams to the
 *     largest read the socket has seen, up to 32 KiB, so smaller reads make it allocate less
 */
public record NetlinkOptions(
    int sendBufferBytes,
    int receiveAreaBytes,
    int kernelSendBufferBytes,
    int kernelReceiveBufferBytes,
    Duration timeout,
    int replySlotBytes) {

  /**
   * For IPVS: 256 KiB sends, 2 MiB receive area, 8 MiB kernel receive buffer, 30 s timeout, 32 KiB
   * reply slots. The slots are large for the dump of every virtual server: the kernel fills each
   * dump datagram by walking its service table from the start and skipping those already sent, so
   * the walks cost the table's size times the number of datagrams. At 10,000 virtual servers (about
   * 3 MB) 4 KiB datagrams meant some 750 walks and 170 to 460 ms of CPU in a UML node, 32 KiB ones
   * about 95 walks and 50 to 80 ms (BENCHMARKS.md, "Where the CPU goes").
   */
  public static NetlinkOptions defaults() {
    return new NetlinkOptions(
        256 * 1024,
        2 * 1024 * 1024,
        1024 * 1024,
        8 * 1024 * 1024,
        Duration.ofSeconds(30),
        32 * 1024);
  }

  /**
   * Small buffers for rtnetlink: requests one at a time, and address batches of about 300 messages
   * (40 to 64 bytes each) per send; 32 KiB reply slots (link messages with all their statistics run
   * over a page).
   */
  public static NetlinkOptions small() {
    return new NetlinkOptions(
        16 * 1024, 256 * 1024, 64 * 1024, 1024 * 1024, Duration.ofSeconds(30), 32 * 1024);
  }

  public NetlinkOptions withTimeout(Duration newTimeout) {
    return new NetlinkOptions(
        sendBufferBytes,
        receiveAreaBytes,
        kernelSendBufferBytes,
        kernelReceiveBufferBytes,
        newTimeout,
        replySlotBytes);
  }
}
