package io.kipvs.netlink;

import io.kipvs.ipvs.NetlinkException;
import java.util.Optional;

/**
 * The acks of one send of a batch: maps each NLMSG_ERROR back to its item by sequence number (items
 * of a send carry consecutive numbers from {@code firstSeq}), ignoring stale or duplicate acks.
 */
final class BatchAcks {
  private final int firstSeq;
  private final int[] items;
  private final boolean[] acked;
  private final NetlinkException[] errors;
  private final NetlinkConnection.BatchEncoder encoder;
  private int pending;

  /**
   * @param items for each sequence number from {@code firstSeq}, the batch index it carries, or -1
   *     where nothing was sent
   */
  BatchAcks(
      int firstSeq,
      int[] items,
      int count,
      NetlinkException[] errors,
      NetlinkConnection.BatchEncoder encoder) {
    this.firstSeq = firstSeq;
    this.items = items;
    this.acked = new boolean[count];
    this.errors = errors;
    this.encoder = encoder;
    for (int i = 0; i < count; i++) {
      if (items[i] < 0) {
        acked[i] = true;
      } else {
        pending++;
      }
    }
  }

  int pending() {
    return pending;
  }

  /** Records this message if it is an ack awaited here; anything else is ignored. */
  void accept(Message m) {
    int slot = m.seq() - firstSeq;
    if (m.type() != Netlink.NLMSG_ERROR || slot < 0 || slot >= acked.length || acked[slot]) {
      return;
    }
    acked[slot] = true;
    pending--;
    ErrorAck ack = ErrorAck.decode(m);
    if (!ack.ok()) {
      errors[items[slot]] = NetlinkConnection.kernelError(ack, encoder.describe(items[slot]));
    }
  }

  /** Marks every item still without an ack as failed, with the outcome unknown. */
  void failUnacked(NetlinkException cause) {
    for (int i = 0; i < acked.length; i++) {
      if (!acked[i]) {
        String what = encoder.describe(items[i]);
        errors[items[i]] =
            new NetlinkException(
                cause.errno(),
                Optional.empty(),
                what,
                what + ": outcome unknown, no ack received (" + cause.getMessage() + ")");
        acked[i] = true;
      }
    }
    pending = 0;
  }
}
