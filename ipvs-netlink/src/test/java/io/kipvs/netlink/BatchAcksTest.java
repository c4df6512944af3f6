package io.kipvs.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.ipvs.NetlinkException;
import org.junit.jupiter.api.Test;

class BatchAcksTest {
  private static final NetlinkConnection.BatchEncoder NAMES =
      new NetlinkConnection.BatchEncoder() {
        @Override
        public void encode(int index, MessageWriter writer, int flags, int seq) {}

        @Override
        public String describe(int index) {
          return "op" + index;
        }
      };

  private static Message ack(int seq, int error) {
    MessageWriter w = MessageWriter.ofCapacity(64);
    int start = w.beginMessage(Netlink.NLMSG_ERROR, Netlink.NLM_F_CAPPED, seq);
    w.rawU32(error);
    int echoed = w.beginMessage(0x25, 5, seq);
    w.buffer().putInt(echoed, 16);
    w.endMessage(start);
    w.buffer().flip();
    return new MessageCursor().reset(w.buffer(), 0, w.buffer().limit()).next();
  }

  @Test
  void mapsAcksToItemsBySequenceNumberInAnyOrder() {
    NetlinkException[] errors = new NetlinkException[5];
    // items 10..14 of a batch were sent with sequence numbers 100..104; item 12 was not sent
    int[] items = {0, 1, -1, 3, 4};
    BatchAcks acks = new BatchAcks(100, items, 5, errors, NAMES);
    assertThat(acks.pending()).isEqualTo(4);
    acks.accept(ack(104, 0));
    acks.accept(ack(101, -17));
    acks.accept(ack(99, -2)); // stale, from an earlier send
    acks.accept(ack(101, -3)); // duplicate
    acks.accept(ack(100, 0));
    assertThat(acks.pending()).isEqualTo(1);
    assertThat(errors[0]).isNull();
    assertThat(errors[1].errno()).isEqualTo(17);
    assertThat(errors[1].request()).isEqualTo("op1");
    assertThat(errors[4]).isNull();
    acks.failUnacked(new NetlinkException(11, java.util.Optional.empty(), "batch", "timed out"));
    assertThat(acks.pending()).isZero();
    assertThat(errors[3].getMessage())
        .isEqualTo("op3: outcome unknown, no ack received (timed out)");
    assertThat(errors[2]).isNull();
  }
}
