package io.kipvs.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.netlink.Hex;
import io.kipvs.netlink.MessageWriter;
import io.kipvs.netlink.NetlinkDecodeException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class IpsetCodecTest {
  private static final int REQUEST_ACK = 5;

  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  @Test
  void createOfAHashSetIsByteExact() {
    MessageWriter w = MessageWriter.ofCapacity(256);
    IpsetCodec.create(
        w,
        REQUEST_ACK,
        1,
        new IpsetDefinition.Hash(
            "KUBE-CLUSTER-IP", IpsetDefinition.HashType.IP_PORT, false, 1024, 65536),
        7);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "68 00 00 00 02 06 05 00 01 00 00 00 00 00 00 00" // IPSET_CMD_CREATE, no EXCL
                    + " 02 00 00 00" // nfgenmsg
                    + " 05 00 01 00 07 00 00 00" // IPSET_ATTR_PROTOCOL 7
                    + " 14 00 02 00 4b 55 42 45 2d 43 4c 55 53 54 45 52 2d 49 50 00"
                    + " 11 00 03 00 68 61 73 68 3a 69 70 2c 70 6f 72 74 00 00 00 00"
                    + " 05 00 04 00 07 00 00 00" // revision 7
                    + " 05 00 05 00 02 00 00 00" // NFPROTO_IPV4
                    + " 14 00 07 80" // IPSET_ATTR_DATA, nested
                    + " 08 00 12 40 00 00 04 00" // hashsize 1024, network order
                    + " 08 00 13 40 00 01 00 00")); // maxelem 65536
  }

  @Test
  void createOfAnIpv6HashSetSaysInet6() {
    MessageWriter w = MessageWriter.ofCapacity(256);
    IpsetCodec.create(
        w,
        REQUEST_ACK,
        1,
        new IpsetDefinition.Hash("s", IpsetDefinition.HashType.IP, true, 1024, 65536),
        6);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "54 00 00 00 02 06 05 00 01 00 00 00 00 00 00 00 02 00 00 00"
                    + " 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 73 00 00 00"
                    + " 0c 00 03 00 68 61 73 68 3a 69 70 00"
                    + " 05 00 04 00 06 00 00 00"
                    + " 05 00 05 00 0a 00 00 00" // NFPROTO_IPV6
                    + " 14 00 07 80 08 00 12 40 00 00 04 00 08 00 13 40 00 01 00 00"));
  }

  @Test
  void createOfABitmapPortSetIsByteExact() {
    MessageWriter w = MessageWriter.ofCapacity(256);
    IpsetCodec.create(
        w, REQUEST_ACK, 2, new IpsetDefinition.BitmapPort("KUBE-NODE-PORT-TCP", 0, 65535), 3);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "68 00 00 00 02 06 05 00 02 00 00 00 00 00 00 00 02 00 00 00"
                    + " 05 00 01 00 07 00 00 00"
                    + " 17 00 02 00 4b 55 42 45 2d 4e 4f 44 45 2d 50 4f 52 54 2d 54 43 50 00 00"
                    + " 10 00 03 00 62 69 74 6d 61 70 3a 70 6f 72 74 00"
                    + " 05 00 04 00 03 00 00 00"
                    + " 05 00 05 00 00 00 00 00" // family-neutral type
                    + " 14 00 07 80"
                    + " 06 00 04 40 00 00 00 00" // range from 0
                    + " 06 00 05 40 ff ff 00 00")); // to 65535
  }

  @Test
  void addOfManyMembersIsOneMessageWithOneDataEach() throws Exception {
    MessageWriter w = MessageWriter.ofCapacity(256);
    IpsetCodec.members(
        w,
        REQUEST_ACK,
        3,
        true,
        "KUBE-CLUSTER-IP",
        List.of(
            new IpsetMember.IpPort(ip("10.96.0.1"), IpsetMember.TCP, 80),
            new IpsetMember.IpPort(ip("10.96.0.2"), IpsetMember.UDP, 53)));
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "7c 00 00 00 09 06 05 00 03 00 00 00 00 00 00 00" // IPSET_CMD_ADD, no EXCL
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 14 00 02 00 4b 55 42 45 2d 43 4c 55 53 54 45 52 2d 49 50 00"
                    + " 08 00 09 40 00 00 00 00" // IPSET_ATTR_LINENO, required with ADT
                    + " 44 00 08 80" // IPSET_ATTR_ADT
                    + " 20 00 07 80" // IPSET_ATTR_DATA
                    + " 0c 00 01 80 08 00 01 40 0a 60 00 01" // IP { IPV4 10.96.0.1 }
                    + " 06 00 04 40 00 50 00 00" // port 80
                    + " 05 00 07 00 06 00 00 00" // tcp
                    + " 20 00 07 80"
                    + " 0c 00 01 80 08 00 01 40 0a 60 00 02"
                    + " 06 00 04 40 00 35 00 00" // port 53
                    + " 05 00 07 00 11 00 00 00")); // udp
  }

  @Test
  void deleteOfIpv6IpPortNetAndIpPortIpMembersIsByteExact() throws Exception {
    MessageWriter w = MessageWriter.ofCapacity(512);
    IpsetCodec.members(
        w,
        REQUEST_ACK,
        4,
        false,
        "s6",
        List.of(
            new IpsetMember.IpPortNet(ip("fd00::1"), IpsetMember.TCP, 443, ip("fd00:1::"), 64)));
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "7c 00 00 00 0a 06 05 00 04 00 00 00 00 00 00 00" // IPSET_CMD_DEL
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 07 00 02 00 73 36 00 00"
                    + " 08 00 09 40 00 00 00 00"
                    + " 50 00 08 80 4c 00 07 80"
                    + " 18 00 01 80 14 00 02 40" // IP { IPV6 fd00::1 }
                    + " fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
                    + " 06 00 04 40 01 bb 00 00" // port 443
                    + " 05 00 07 00 06 00 00 00"
                    + " 18 00 14 80 14 00 02 40" // IP2 { IPV6 fd00:1:: }
                    + " fd 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00"
                    + " 05 00 15 00 40 00 00 00")); // CIDR2 64
    w.clear();
    IpsetCodec.members(
        w,
        REQUEST_ACK,
        5,
        true,
        "l",
        List.of(new IpsetMember.IpPortIp(ip("10.0.0.5"), IpsetMember.SCTP, 9, ip("10.0.0.5"))));
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "5c 00 00 00 09 06 05 00 05 00 00 00 00 00 00 00"
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 6c 00 00 00"
                    + " 08 00 09 40 00 00 00 00"
                    + " 30 00 08 80 2c 00 07 80"
                    + " 0c 00 01 80 08 00 01 40 0a 00 00 05"
                    + " 06 00 04 40 00 09 00 00"
                    + " 05 00 07 00 84 00 00 00" // sctp
                    + " 0c 00 14 80 08 00 01 40 0a 00 00 05")); // IP2
  }

  @Test
  void hashIpAndBitmapPortMembersAreByteExact() throws Exception {
    MessageWriter w = MessageWriter.ofCapacity(256);
    IpsetCodec.members(
        w,
        REQUEST_ACK,
        6,
        true,
        "p",
        List.of(new IpsetMember.Port(30080), new IpsetMember.Port(1)));
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "48 00 00 00 09 06 05 00 06 00 00 00 00 00 00 00"
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 70 00 00 00"
                    + " 08 00 09 40 00 00 00 00"
                    + " 1c 00 08 80"
                    + " 0c 00 07 80 06 00 04 40 75 80 00 00" // port 30080
                    + " 0c 00 07 80 06 00 04 40 00 01 00 00"));
    w.clear();
    IpsetCodec.members(w, REQUEST_ACK, 7, true, "i", List.of(new IpsetMember.Ip(ip("fd00::a"))));
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "4c 00 00 00 09 06 05 00 07 00 00 00 00 00 00 00"
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 69 00 00 00"
                    + " 08 00 09 40 00 00 00 00"
                    + " 20 00 08 80 1c 00 07 80 18 00 01 80 14 00 02 40"
                    + " fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0a"));
  }

  @Test
  void destroyIsByteExact() {
    MessageWriter w = MessageWriter.ofCapacity(64);
    IpsetCodec.destroy(w, REQUEST_ACK, 11, "s");
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "24 00 00 00 03 06 05 00 0b 00 00 00 00 00 00 00" // IPSET_CMD_DESTROY, no EXCL
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 73 00 00 00"));
  }

  @Test
  void listRequestsAreByteExact() {
    MessageWriter w = MessageWriter.ofCapacity(256);
    IpsetCodec.list(w, 0x301, 8, null, true);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "24 00 00 00 07 06 01 03 08 00 00 00 00 00 00 00" // IPSET_CMD_LIST, DUMP
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 08 00 06 40 00 00 00 04")); // IPSET_FLAG_LIST_HEADER
    w.clear();
    IpsetCodec.list(w, 0x301, 9, "s", false);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "24 00 00 00 07 06 01 03 09 00 00 00 00 00 00 00"
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 73 00 00 00"));
    w.clear();
    IpsetCodec.typeQuery(w, REQUEST_ACK, 10, "hash:ip", 2);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "30 00 00 00 0d 06 05 00 0a 00 00 00 00 00 00 00" // IPSET_CMD_TYPE
                    + " 02 00 00 00 05 00 01 00 07 00 00 00"
                    + " 0c 00 03 00 68 61 73 68 3a 69 70 00"
                    + " 05 00 05 00 02 00 00 00"));
  }

  @Test
  void decodesTheTypeRevisionAndASetHeader() {
    assertThat(
            IpsetCodec.decodeTypeRevision(
                Hex.message(
                    "40 00 00 00 0d 06 00 00 0a 00 00 00 00 00 00 00 02 00 00 00"
                        + " 05 00 01 00 07 00 00 00"
                        + " 0c 00 03 00 68 61 73 68 3a 69 70 00"
                        + " 05 00 05 00 02 00 00 00"
                        + " 05 00 04 00 06 00 00 00" // revision (newest) 6
                        + " 05 00 0a 00 00 00 00 00"))) // oldest 0
        .isEqualTo(6);
    SetHeader header =
        IpsetCodec.decodeHeader(
            Hex.message(
                "54 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                    + " 05 00 01 00 07 00 00 00"
                    + " 06 00 02 00 73 00 00 00"
                    + " 0c 00 03 00 68 61 73 68 3a 69 70 00"
                    + " 05 00 05 00 02 00 00 00"
                    + " 05 00 04 00 06 00 00 00"
                    + " 14 00 07 80 08 00 12 40 00 00 04 00"
                    + " 08 00 18 40 00 00 00 03")); // IPSET_ATTR_ELEMENTS 3
    assertThat(header).isEqualTo(new SetHeader("s", "hash:ip", 2, 6, OptionalInt.of(3)));
  }

  @Test
  void decodesMembersAcrossMessagesByTheTypeOfTheFirst() throws Exception {
    IpsetCodec.MemberDecoder decoder = new IpsetCodec.MemberDecoder("l");
    List<IpsetMember> out = new ArrayList<>();
    decoder.decode(
        Hex.message(
            "68 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                + " 05 00 01 00 07 00 00 00"
                + " 06 00 02 00 6c 00 00 00"
                + " 14 00 03 00 68 61 73 68 3a 69 70 2c 70 6f 72 74 2c 69 70 00"
                + " 30 00 08 80 2c 00 07 80"
                + " 0c 00 01 80 08 00 01 40 0a 00 00 05"
                + " 06 00 04 40 00 09 00 00"
                + " 05 00 07 00 06 00 00 00"
                + " 0c 00 14 80 08 00 01 40 0a 00 00 06"),
        out);
    // A later message of the same dump: no header, more members.
    decoder.decode(
        Hex.message(
            "54 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                + " 05 00 01 00 07 00 00 00"
                + " 06 00 02 00 6c 00 00 00"
                + " 30 00 08 80 2c 00 07 80"
                + " 0c 00 01 80 08 00 01 40 0a 00 00 07"
                + " 06 00 04 40 00 35 00 00"
                + " 05 00 07 00 11 00 00 00"
                + " 0c 00 14 80 08 00 01 40 0a 00 00 07"),
        out);
    assertThat(out)
        .containsExactly(
            new IpsetMember.IpPortIp(ip("10.0.0.5"), 6, 9, ip("10.0.0.6")),
            new IpsetMember.IpPortIp(ip("10.0.0.7"), 17, 53, ip("10.0.0.7")));
  }

  @Test
  void decodesIpPortNetAndPortMembers() throws Exception {
    IpsetCodec.MemberDecoder nets = new IpsetCodec.MemberDecoder("n");
    List<IpsetMember> out = new ArrayList<>();
    nets.decode(
        Hex.message(
            "74 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                + " 05 00 01 00 07 00 00 00"
                + " 06 00 02 00 6e 00 00 00"
                + " 15 00 03 00 68 61 73 68 3a 69 70 2c 70 6f 72 74 2c 6e 65 74 00 00 00 00"
                + " 38 00 08 80 34 00 07 80"
                + " 0c 00 01 80 08 00 01 40 0a 00 00 01"
                + " 06 00 04 40 01 bb 00 00"
                + " 05 00 07 00 06 00 00 00"
                + " 0c 00 14 80 08 00 01 40 c0 a8 00 00"
                + " 05 00 15 00 10 00 00 00"), // /16
        out);
    IpsetCodec.MemberDecoder ports = new IpsetCodec.MemberDecoder("p");
    ports.decode(
        Hex.message(
            "50 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                + " 05 00 01 00 07 00 00 00"
                + " 06 00 02 00 70 00 00 00"
                + " 10 00 03 00 62 69 74 6d 61 70 3a 70 6f 72 74 00"
                + " 1c 00 08 80"
                + " 0c 00 07 80 06 00 04 40 75 80 00 00"
                + " 0c 00 07 80 06 00 04 40 75 81 00 00"),
        out);
    assertThat(out)
        .containsExactly(
            new IpsetMember.IpPortNet(ip("10.0.0.1"), 6, 443, ip("192.168.0.0"), 16),
            new IpsetMember.Port(30080),
            new IpsetMember.Port(30081));
  }

  @Test
  void rejectsSetTypesItDoesNotReadAndGarbledMembers() {
    IpsetCodec.MemberDecoder decoder = new IpsetCodec.MemberDecoder("x");
    assertThatThrownBy(
            () ->
                decoder.decode(
                    Hex.message(
                        "34 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                            + " 05 00 01 00 07 00 00 00"
                            + " 06 00 02 00 78 00 00 00"
                            + " 0d 00 03 00 68 61 73 68 3a 6e 65 74 00 00 00 00"),
                    new ArrayList<>()))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("set type hash:net is not one this client reads");
    IpsetCodec.MemberDecoder ports = new IpsetCodec.MemberDecoder("p");
    assertThatThrownBy(
            () ->
                ports.decode(
                    Hex.message(
                        "44 00 00 00 07 06 02 00 08 00 00 00 00 00 00 00 02 00 00 00"
                            + " 05 00 01 00 07 00 00 00"
                            + " 06 00 02 00 70 00 00 00"
                            + " 10 00 03 00 62 69 74 6d 61 70 3a 70 6f 72 74 00"
                            + " 10 00 08 80"
                            + " 0c 00 07 80 05 00 04 40 75 00 00 00"), // 1-byte port
                    new ArrayList<>()))
        .isInstanceOf(NetlinkDecodeException.class)
        .hasMessageContaining("2 expected");
  }
}
