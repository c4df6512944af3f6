package io.kipvs.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.netlink.Hex;
import io.kipvs.netlink.RawSockets;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The getsockopt(IP_VS_SO_GET_DESTS) request and reply, byte for byte (x86-64 layout). */
class IpvsSockoptTest {

  private static String hex(ByteBuffer b, int from, int to) {
    byte[] bytes = new byte[to - from];
    b.get(from, bytes);
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  @Test
  void requestNamesTheServiceAndTheRoomAndZeroesTheEntries() throws Exception {
    ByteBuffer b = RawSockets.buffer(IpvsSockopt.HEADER + 2 * IpvsSockopt.ENTRY);
    for (int i = 0; i < b.capacity(); i++) {
      b.put(i, (byte) 0x5a);
    }
    var key = new VirtualServerKey.Address(Protocol.TCP, InetAddress.getByName("10.96.0.10"), 443);

    int length = IpvsSockopt.request(b, key, 2);

    assertThat(length).isEqualTo(24 + 2 * 96);
    // protocol (u16, host order), pad, addr (network order), port (network order), pad, fwmark 0,
    // num_dests 2 (host order), pad to the 8-aligned entry table
    assertThat(hex(b, 0, 24))
        .isEqualTo("06 00 00 00 0a 60 00 0a 01 bb 00 00 00 00 00 00 02 00 00 00 00 00 00 00");
    for (int i = 24; i < length; i++) {
      assertThat(b.get(i)).as("byte %d", i).isZero();
    }
  }

  @Test
  void requestOfAFwmarkServiceCarriesOnlyTheMark() {
    ByteBuffer b = RawSockets.buffer(IpvsSockopt.HEADER + IpvsSockopt.ENTRY);

    IpvsSockopt.request(b, new VirtualServerKey.Fwmark(AddressFamily.INET, 0x4001), 1);

    assertThat(hex(b, 0, 24))
        .isEqualTo("00 00 00 00 00 00 00 00 00 00 00 00 01 40 00 00 01 00 00 00 00 00 00 00");
  }

  @Test
  void ipv6VirtualServersAreRefused() throws Exception {
    ByteBuffer b = RawSockets.buffer(IpvsSockopt.HEADER + IpvsSockopt.ENTRY);
    var key = new VirtualServerKey.Address(Protocol.TCP, InetAddress.getByName("fd00::1"), 80);

    assertThatThrownBy(() -> IpvsSockopt.request(b, key, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IPv4");
  }

  /** Two entries as the kernel writes them, then the zeroed room the request left. */
  @Test
  void decodesTheEntriesUpToTheFirstEmptyOne() throws Exception {
    String stats = " 00".repeat(56);
    String first =
        "0a 80 00 01" // addr 10.128.0.1
            + " 1f 90 00 00" // port 8080, pad
            + " 00 00 00 00" // conn_flags: masquerade
            + " 01 00 00 00" // weight 1
            + " 00 00 00 00 00 00 00 00" // thresholds
            + " 03 00 00 00 04 00 00 00 05 00 00 00" // active, inactive, persistent
            + " 00 00 00 00" // pad before the 8-aligned stats
            + stats;
    String second =
        "0a 80 00 02 00 35 00 00"
            + " 02 01 00 00" // conn_flags: tunnel (2) with a flag bit above the method's
            + " 00 00 00 00" // weight 0 (draining)
            + " 64 00 00 00 0a 00 00 00" // thresholds 100 / 10
            + " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
            + stats;
    ByteBuffer reply =
        Hex.buffer(" 00".repeat(24).strip() + " " + first + " " + second + " 00".repeat(96))
            .order(ByteOrder.nativeOrder());

    var reals = IpvsSockopt.decode(reply, 3);

    assertThat(reals)
        .containsExactly(
            new RealServerStatus(
                new RealServer(
                    new RealServerKey(InetAddress.getByName("10.128.0.1"), 8080),
                    RealServerSettings.masquerade(1)),
                3,
                4,
                5,
                Stats.ZERO),
            new RealServerStatus(
                new RealServer(
                    new RealServerKey(InetAddress.getByName("10.128.0.2"), 53),
                    new RealServerSettings(
                        ForwardingMethod.TUNNEL, 0, 100, 10, TunnelSettings.IPIP)),
                0,
                0,
                0,
                Stats.ZERO));
  }
}
