package io.kipvs.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class MessageWriterTest {

  @Test
  void getFamilyRequestIsByteExact() {
    MessageWriter w = MessageWriter.ofCapacity(256);
    GenericNetlink.encodeGetFamily(w, Netlink.NLM_F_REQUEST | Netlink.NLM_F_ACK, 1, "IPVS");
    // nlmsghdr(len 28, type 0x10, flags 5, seq 1, pid 0), genlmsghdr(cmd 3, version 2),
    // CTRL_ATTR_FAMILY_NAME "IPVS\0" (len 9, padded to 12)
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "20 00 00 00 10 00 05 00 01 00 00 00 00 00 00 00"
                    + " 03 02 00 00"
                    + " 09 00 02 00 49 50 56 53 00 00 00 00"));
  }

  @Test
  void everyAttributeKindIsPaddedToFourBytes() throws Exception {
    MessageWriter w = MessageWriter.ofCapacity(256);
    int start = w.beginMessage(0x20, 0x1, 0x01020304);
    w.u8(1, 0xab);
    w.u16(2, 0x1234);
    w.u16be(3, 8080);
    w.u32(4, 0xdeadbeef);
    w.u64(5, 0x0102030405060708L);
    int nest = w.beginNested(6);
    w.address(1, InetAddress.getByName("10.0.0.1"));
    w.u32Pair(2, 1, 0xffffffff);
    w.endNested(nest);
    w.endMessage(start);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "54 00 00 00 20 00 01 00 04 03 02 01 00 00 00 00"
                    + " 05 00 01 00 ab 00 00 00"
                    + " 06 00 02 00 34 12 00 00"
                    + " 06 00 03 00 1f 90 00 00"
                    + " 08 00 04 00 ef be ad de"
                    + " 0c 00 05 00 08 07 06 05 04 03 02 01"
                    + " 18 00 06 80"
                    + " 08 00 01 00 0a 00 00 01"
                    + " 0c 00 02 00 01 00 00 00 ff ff ff ff"));
  }

  @Test
  void rawStructFieldsAreHostOrder() {
    MessageWriter w = MessageWriter.ofCapacity(64);
    w.rawU8(10).rawU8(64).rawU16(0x0102).rawU32(7);
    assertThat(Hex.of(w)).isEqualTo(Hex.normalise("0a 40 02 01 07 00 00 00"));
  }
}
