package io.kipvs.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DecodingTest {

  @Test
  void readsEveryAttributeKind() {
    ByteBuffer b =
        Hex.buffer(
            "05 00 01 00 ab 00 00 00"
                + " 06 00 02 00 34 12 00 00"
                + " 06 00 03 00 1f 90 00 00"
                + " 08 00 04 00 ef be ad de"
                + " 0c 00 05 00 08 07 06 05 04 03 02 01"
                + " 07 00 06 00 72 72 00 00"
                + " 0c 00 07 80 08 00 01 00 0a 00 00 01");
    Attributes a = Attributes.parse(b, 0, b.limit(), 7, "test");
    assertThat(a.u8(1)).isEqualTo(0xab);
    assertThat(a.u16(2)).isEqualTo(0x1234);
    assertThat(a.u16be(3)).isEqualTo(8080);
    assertThat(a.u32(4)).isEqualTo(0xdeadbeef);
    assertThat(a.u64(5)).isEqualTo(0x0102030405060708L);
    assertThat(a.string(6)).isEqualTo("rr");
    assertThat(a.nested(7, 1, "nest").address(1, 4).getHostAddress()).isEqualTo("10.0.0.1");
    assertThat(a.has(8)).isFalse();
  }

  @Test
  void unknownTypesAboveTheMaximumAreSkipped() {
    ByteBuffer b = Hex.buffer("08 00 09 00 01 00 00 00 08 00 01 00 02 00 00 00");
    Attributes a = Attributes.parse(b, 0, b.limit(), 2, "test");
    assertThat(a.u32(1)).isEqualTo(2);
  }

  @Test
  void zeroLengthAttributeIsRejectedNotLoopedOn() {
    ByteBuffer b = Hex.buffer("00 00 01 00 00 00 00 00");
    assertThatThrownBy(() -> Attributes.parse(b, 0, b.limit(), 2, "IPVS service"))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("IPVS service")
        .hasMessageContaining("has length 0");
  }

  @Test
  void attributeLongerThanItsContainerIsRejected() {
    ByteBuffer b = Hex.buffer("20 00 01 00 00 00 00 00");
    assertThatThrownBy(() -> Attributes.parse(b, 0, b.limit(), 2, "test"))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("claims 32 bytes, only 8 left");
  }

  @Test
  void trailingBytesAreRejected() {
    ByteBuffer b = Hex.buffer("08 00 01 00 00 00 00 00 01 02");
    assertThatThrownBy(() -> Attributes.parse(b, 0, b.limit(), 2, "test"))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("2 trailing bytes");
  }

  @Test
  void shortValueIsRejectedWithItsType() {
    ByteBuffer b = Hex.buffer("06 00 01 00 01 00 00 00");
    Attributes a = Attributes.parse(b, 0, b.limit(), 2, "test");
    assertThatThrownBy(() -> a.u32(1))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("attribute 1 has 2 bytes, 4 expected");
    assertThatThrownBy(() -> a.u32(2)).hasMessageContaining("attribute 2 missing");
  }

  @Test
  void messageHeaderLengthIsValidated() {
    ByteBuffer tooLong = Hex.buffer("40 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00");
    assertThatThrownBy(() -> new MessageCursor().reset(tooLong, 0, tooLong.limit()).next())
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("claims length 64, 16 left");
    ByteBuffer tooShort = Hex.buffer("04 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00");
    assertThatThrownBy(() -> new MessageCursor().reset(tooShort, 0, tooShort.limit()).next())
        .hasMessageContaining("claims length 4");
    ByteBuffer stub = Hex.buffer("10 00 00 00 02 00");
    assertThatThrownBy(() -> new MessageCursor().reset(stub, 0, stub.limit()).next())
        .hasMessageContaining("too short for a message header");
  }

  @Test
  void walksSeveralMessagesOfOneDatagram() {
    ByteBuffer b =
        Hex.buffer(
            "14 00 00 00 03 00 02 00 05 00 00 00 00 00 00 00 00 00 00 00"
                + " 14 00 00 00 03 00 02 00 06 00 00 00 00 00 00 00 00 00 00 00");
    MessageCursor cursor = new MessageCursor().reset(b, 0, b.limit());
    assertThat(cursor.next().seq()).isEqualTo(5);
    Message second = cursor.next();
    assertThat(second.seq()).isEqualTo(6);
    assertThat(second.type()).isEqualTo(Netlink.NLMSG_DONE);
    assertThat(second.flags()).isEqualTo(Netlink.NLM_F_MULTI);
    assertThat(cursor.next()).isNull();
  }

  @Test
  void errorWithExtendedAckCarriesErrnoAndKernelText() {
    // NLMSG_ERROR, flags CAPPED|ACK_TLVS, error -22, echoed header, NLMSGERR_ATTR_MSG "bad"
    Message m =
        Hex.message(
            "2c 00 00 00 02 00 00 03 09 00 00 00 00 00 00 00"
                + " ea ff ff ff"
                + " 5c 00 00 00 25 00 05 00 09 00 00 00 00 00 00 00"
                + " 08 00 01 00 62 61 64 00");
    ErrorAck ack = ErrorAck.decode(m);
    assertThat(ack.errno()).isEqualTo(22);
    assertThat(ack.kernelMessage()).contains("bad");
    assertThat(NetlinkConnection.kernelError(ack, "IPVS_CMD_NEW_DEST x").getMessage())
        .isEqualTo("IPVS_CMD_NEW_DEST x: EINVAL (invalid argument): bad");
  }

  @Test
  void plainAckIsSuccess() {
    Message m =
        Hex.message(
            "24 00 00 00 02 00 00 01 09 00 00 00 00 00 00 00"
                + " 00 00 00 00"
                + " 5c 00 00 00 25 00 05 00 09 00 00 00 00 00 00 00");
    assertThat(ErrorAck.decode(m).ok()).isTrue();
  }

  @Test
  void truncatedErrorIsRejected() {
    Message m =
        Hex.message("18 00 00 00 02 00 00 00 09 00 00 00 00 00 00 00 ea ff ff ff 00 00 00 00");
    assertThatThrownBy(() -> ErrorAck.decode(m))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("NLMSG_ERROR");
  }

  @Test
  void epermSaysWhatCapabilityIsMissing() {
    assertThat(
            NetlinkConnection.kernelError(
                    new ErrorAck(1, java.util.Optional.empty()), "IPVS_CMD_FLUSH")
                .getMessage())
        .contains("CAP_NET_ADMIN");
  }
}
