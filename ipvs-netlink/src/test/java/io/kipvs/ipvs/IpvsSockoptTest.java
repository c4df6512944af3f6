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

  @Test
  void servicesRequestCarriesTheRoomAndZeroesTheTable() {
    ByteBuffer b = RawSockets.buffer(IpvsSockopt.SERVICES_HEADER + 2 * IpvsSockopt.SERVICE_ENTRY);
    for (int i = 0; i < b.capacity(); i++) {
      b.put(i, (byte) 0x5a);
    }

    int length = IpvsSockopt.servicesRequest(b, 2);

    assertThat(length).isEqualTo(8 + 2 * 104);
    // num_services 2 (host order), pad to the 8-aligned entry table
    assertThat(hex(b, 0, 8)).isEqualTo("02 00 00 00 00 00 00 00");
    for (int i = 8; i < length; i++) {
      assertThat(b.get(i)).as("byte %d", i).isZero();
    }
  }

  /** Two entries as the kernel writes them, then the zeroed room the request left. */
  @Test
  void decodesTheServiceEntriesUpToTheFirstEmptyOne() throws Exception {
    // Counters the brief read leaves out.
    String stats = " 07".repeat(56);
    String address =
        "06 00 00 00" // protocol TCP, pad
            + " 0a 60 00 0a" // addr 10.96.0.10
            + " 01 bb 00 00" // port 443, pad
            + " 00 00 00 00" // fwmark 0
            + " 72 72"
            + " 00".repeat(14) // sched_name "rr"
            + " 03 00 00 00" // flags: persistent, and hashed (the kernel's own)
            + " 30 2a 00 00" // timeout 10800 s
            + " ff ff ff ff" // netmask /32
            + " 0a 00 00 00" // num_dests 10
            + stats;
    String fwmark =
        "00 00 00 00 00 00 00 00 00 00 00 00"
            + " 01 40 00 00" // fwmark 0x4001
            + " 77 6c 63"
            + " 00".repeat(13) // "wlc"
            + " 02 00 00 00" // hashed only
            + " 00 00 00 00"
            + " ff ff ff 00" // netmask /24
            + " 00 00 00 00"
            + stats;
    ByteBuffer reply =
        Hex.buffer(
                "03 00 00 00 00 00 00 00 "
                    + address
                    + " "
                    + fwmark
                    + " 00".repeat(IpvsSockopt.SERVICE_ENTRY))
            .order(ByteOrder.nativeOrder());

    var services = IpvsSockopt.decodeServices(reply, 3);

    assertThat(services)
        .containsExactly(
            new VirtualServerStatus(
                new VirtualServer(
                    new VirtualServerKey.Address(
                        Protocol.TCP, InetAddress.getByName("10.96.0.10"), 443),
                    new VirtualServerSettings(
                        "rr",
                        java.util.Set.of(ServiceFlag.PERSISTENT),
                        10800,
                        0xffffffff,
                        java.util.Optional.empty())),
                Stats.ZERO,
                java.util.List.of()),
            new VirtualServerStatus(
                new VirtualServer(
                    new VirtualServerKey.Fwmark(AddressFamily.INET, 0x4001),
                    new VirtualServerSettings(
                        "wlc", java.util.Set.of(), 0, 0xffffff00, java.util.Optional.empty())),
                Stats.ZERO,
                java.util.List.of()));
  }
}
