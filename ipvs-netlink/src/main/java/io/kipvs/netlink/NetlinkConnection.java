package io.kipvs.netlink;

import io.kipvs.ipvs.NetlinkException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Requests, dumps and batches over one netlink socket.
 *
 * <p>Thread safety: every method may be called from any thread; calls are serialised on the socket
 * by a lock, so one caller waits while another's request is in flight. Callers that must not wait
 * for each other (a drain loop beside the sync loop) open a connection each.
 */
public final class NetlinkConnection implements AutoCloseable {
  private static final int MAX_DUMP_ATTEMPTS = 10;

  /** Headroom kept in the send buffer: no single message of ours comes near it. */
  private static final int MESSAGE_HEADROOM = 4096;

  /** Kernel memory one queued ack costs, to bound the acks one send may produce. */
  private static final int ACK_TRUESIZE = 1024;

  private final ReentrantLock lock = new ReentrantLock();
  private final NetlinkSocket socket;
  private final MessageCursor cursor = new MessageCursor();
  private int seq = 1;

  private NetlinkConnection(NetlinkSocket socket) {
    this.socket = socket;
  }

  public static NetlinkConnection open(int protocol, NetlinkOptions options) {
    return new NetlinkConnection(NetlinkSocket.open(protocol, options));
  }

  /** Writes one request message with the given flags and sequence number. */
  @FunctionalInterface
  public interface RequestEncoder {
    void encode(MessageWriter writer, int flags, int seq);
  }

  /** Writes the request message of one batch item. */
  public interface BatchEncoder {
    void encode(int index, MessageWriter writer, int flags, int seq);

    /** The item as error messages name it. */
    String describe(int index);
  }

  /**
   * Sends one request with NLM_F_ACK and returns its decoded replies (none for a plain write).
   *
   * @param decoder turns a reply into a value, or null to skip it
   * @throws NetlinkException with the kernel's errno and message if it refused the request
   */
  public <T> List<T> request(
      RequestEncoder encoder, Supplier<String> description, Function<Message, T> decoder) {
    lock.lock();
    try {
      int requestSeq = nextSeq();
      MessageWriter writer = new MessageWriter(socket.sendBuffer());
      encoder.encode(writer, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, requestSeq);
      socket.send(writer.length(), description);
      List<T> replies = new ArrayList<>();
      while (true) {
        int count = socket.receive(socket.replySlot(), description);
        for (int i = 0; i < count; i++) {
          cursor.reset(socket.receiveArea(), socket.datagramOffset(i), socket.datagramLength(i));
          for (Message m = cursor.next(); m != null; m = cursor.next()) {
            if (m.seq() != requestSeq) {
              continue;
            }
            if (m.type() == Netlink.NLMSG_ERROR) {
              ErrorAck ack = ErrorAck.decode(m);
              if (!ack.ok()) {
                throw kernelError(ack, description.get());
              }
              return replies;
            }
            T value = decoder.apply(m);
            if (value != null) {
              replies.add(value);
            }
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs a dump (NLM_F_DUMP) to its NLMSG_DONE and returns the decoded messages. A dump the kernel
   * marks interrupted (NLM_F_DUMP_INTR: the table changed meanwhile) is run again.
   */
  public <T> List<T> dump(
      RequestEncoder encoder, Supplier<String> description, Function<Message, T> decoder) {
    lock.lock();
    try {
      for (int attempt = 1; ; attempt++) {
        List<T> values = new ArrayList<>();
        if (dumpOnce(encoder, description, decoder, values)) {
          return values;
        }
        if (attempt == MAX_DUMP_ATTEMPTS) {
          throw new NetlinkException(
              Sys.EINTR,
              Optional.empty(),
              description.get(),
              description.get() + ": dump interrupted by concurrent changes " + attempt + " times");
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Returns false when the dump was interrupted and must be run again. */
  private <T> boolean dumpOnce(
      RequestEncoder encoder,
      Supplier<String> description,
      Function<Message, T> decoder,
      List<T> values) {
    int requestSeq = nextSeq();
    MessageWriter writer = new MessageWriter(socket.sendBuffer());
    encoder.encode(writer, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP, requestSeq);
    socket.send(writer.length(), description);
    boolean interrupted = false;
    while (true) {
      int count = socket.receive(socket.replySlot(), description);
      for (int i = 0; i < count; i++) {
        cursor.reset(socket.receiveArea(), socket.datagramOffset(i), socket.datagramLength(i));
        for (Message m = cursor.next(); m != null; m = cursor.next()) {
          if (m.seq() != requestSeq) {
            continue;
          }
          interrupted |= (m.flags() & Netlink.NLM_F_DUMP_INTR) != 0;
          if (m.type() == Netlink.NLMSG_DONE) {
            m.requirePayload(4, "NLMSG_DONE");
            int error = m.buffer().getInt(m.payloadOffset());
            if (error < 0) {
              throw kernelError(new ErrorAck(-error, Optional.empty()), description.get());
            }
            return !interrupted;
          }
          if (m.type() == Netlink.NLMSG_ERROR) {
            ErrorAck ack = ErrorAck.decode(m);
            throw kernelError(
                ack.ok() ? new ErrorAck(Sys.EINTR, Optional.empty()) : ack, description.get());
          }
          if (!interrupted) {
            T value = decoder.apply(m);
            if (value != null) {
              values.add(value);
            }
          }
        }
      }
    }
  }

  /**
   * Sends {@code count} requests, many per system call, each with NLM_F_ACK and its own sequence
   * number, and reads their acks in bulk. The kernel processes every message of a send even when
   * some fail.
   *
   * @return per item, null on success or the error for it
   */
  public NetlinkException[] batch(int count, BatchEncoder encoder) {
    lock.lock();
    try {
      NetlinkException[] errors = new NetlinkException[count];
      int maxPerSend = Math.max(16, socket.receiveBufferBytes() / ACK_TRUESIZE / 2);
      int index = 0;
      while (index < count) {
        MessageWriter writer = new MessageWriter(socket.sendBuffer());
        int firstSeq = seq;
        int inSend = 0;
        int[] seqs = new int[Math.min(maxPerSend, count - index)];
        while (index < count && inSend < seqs.length && writer.remaining() > MESSAGE_HEADROOM) {
          int itemSeq = nextSeq();
          int start = writer.length();
          try {
            encoder.encode(index, writer, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, itemSeq);
            seqs[inSend++] = index;
          } catch (IllegalArgumentException e) {
            writer.buffer().position(start);
            errors[index] =
                new NetlinkException(
                    Sys.EINVAL,
                    Optional.empty(),
                    encoder.describe(index),
                    encoder.describe(index) + ": not sent: " + e.getMessage());
            seqs[inSend++] = -1;
          }
          index++;
        }
        if (writer.length() > 0) {
          sendAndCollectAcks(writer.length(), firstSeq, seqs, inSend, errors, encoder);
        }
      }
      return errors;
    } finally {
      lock.unlock();
    }
  }

  private void sendAndCollectAcks(
      int length,
      int firstSeq,
      int[] items,
      int itemCount,
      NetlinkException[] errors,
      BatchEncoder encoder) {
    BatchAcks acks = new BatchAcks(firstSeq, items, itemCount, errors, encoder);
    int pending = acks.pending();
    Supplier<String> description = () -> "batch of " + pending + " requests";
    try {
      socket.send(length, description);
      while (acks.pending() > 0) {
        int count = socket.receive(NetlinkSocket.ACK_SLOT, description);
        for (int d = 0; d < count; d++) {
          cursor.reset(socket.receiveArea(), socket.datagramOffset(d), socket.datagramLength(d));
          for (Message m = cursor.next(); m != null; m = cursor.next()) {
            acks.accept(m);
          }
        }
      }
    } catch (NetlinkException e) {
      acks.failUnacked(e);
    }
  }

  /**
   * How many send and receive system calls this connection has made: batching is measured by it.
   */
  public long systemCalls() {
    lock.lock();
    try {
      return socket.systemCalls();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      socket.close();
    } finally {
      lock.unlock();
    }
  }

  private int nextSeq() {
    return seq++;
  }

  /** The kernel's refusal as an exception naming the request, the errno and the kernel's text. */
  public static NetlinkException kernelError(ErrorAck ack, String description) {
    StringBuilder text = new StringBuilder(description).append(": ");
    text.append(Errno.describe(ack.errno()));
    ack.kernelMessage().ifPresent(m -> text.append(": ").append(m));
    if (ack.errno() == Sys.EPERM) {
      text.append(" (the process needs CAP_NET_ADMIN)");
    }
    return new NetlinkException(ack.errno(), ack.kernelMessage(), description, text.toString());
  }
}
