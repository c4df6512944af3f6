package io.kipvs.rtnl;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.netlink.Hex;
import io.kipvs.netlink.MessageWriter;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RtnlCodecTest {

  @Test
  void newDummyLinkIsByteExact() {
    MessageWriter w = MessageWriter.ofCapacity(256);
    RtnlCodec.newDummy(w, 5, 3, "kube-ipvs0", true);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "40 00 00 00 10 00 05 06 03 00 00 00 00 00 00 00" // RTM_NEWLINK, CREATE|EXCL
                    + " 00 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00" // ifinfomsg, IFF_UP
                    + " 0f 00 03 00 6b 75 62 65 2d 69 70 76 73 30 00 00" // IFLA_IFNAME
                    + " 10 00 12 80 0a 00 01 00 64 75 6d 6d 79 00 00 00")); // kind "dummy"
    w.clear();
    // Left down (as kube-proxy leaves kube-ipvs0): flags 0 under the IFF_UP change mask.
    RtnlCodec.newDummy(w, 5, 3, "kube-ipvs0", false);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "40 00 00 00 10 00 05 06 03 00 00 00 00 00 00 00"
                    + " 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00"
                    + " 0f 00 03 00 6b 75 62 65 2d 69 70 76 73 30 00 00"
                    + " 10 00 12 80 0a 00 01 00 64 75 6d 6d 79 00 00 00"));
  }

  @Test
  void addressRequestsAreByteExact() throws Exception {
    MessageWriter w = MessageWriter.ofCapacity(256);
    RtnlCodec.address(w, 5, 4, RtnlWire.RTM_NEWADDR, 2, InetAddress.getByName("10.96.0.1"), 32);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "28 00 00 00 14 00 05 05 04 00 00 00 00 00 00 00" // CREATE|REPLACE
                    + " 02 20 00 00 02 00 00 00"
                    + " 08 00 02 00 0a 60 00 01 08 00 01 00 0a 60 00 01"));
    w.clear();
    RtnlCodec.address(w, 5, 5, RtnlWire.RTM_DELADDR, 2, InetAddress.getByName("fd00::1"), 128);
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "40 00 00 00 15 00 05 00 05 00 00 00 00 00 00 00"
                    + " 0a 80 00 00 02 00 00 00"
                    + " 14 00 02 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
                    + " 14 00 01 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"));
  }

  @Test
  void batchedAddressChangesAreByteExactBackToBack() throws Exception {
    // Two changes of one batch in one send buffer: each its own message, flags and sequence number.
    MessageWriter w = MessageWriter.ofCapacity(256);
    RtnlCodec.address(w, 5, 7, new AddressOperation.Add(3, InetAddress.getByName("10.96.0.2"), 32));
    RtnlCodec.address(
        w, 5, 8, new AddressOperation.Delete(3, InetAddress.getByName("fd00::2"), 128));
    assertThat(Hex.of(w))
        .isEqualTo(
            Hex.normalise(
                "28 00 00 00 14 00 05 05 07 00 00 00 00 00 00 00" // RTM_NEWADDR, CREATE|REPLACE
                    + " 02 20 00 00 03 00 00 00" // AF_INET /32, index 3
                    + " 08 00 02 00 0a 60 00 02 08 00 01 00 0a 60 00 02"
                    + " 40 00 00 00 15 00 05 00 08 00 00 00 00 00 00 00" // RTM_DELADDR, seq 8
                    + " 0a 80 00 00 03 00 00 00" // AF_INET6 /128, index 3
                    + " 14 00 02 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"
                    + " 14 00 01 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"));
  }

  @Test
  void batchedAddressChangesAreNamedInErrors() throws Exception {
    assertThat(
            NetlinkRouteClient.describeOperation(
                new AddressOperation.Add(3, InetAddress.getByName("10.96.0.2"), 32)))
        .isEqualTo("RTM_NEWADDR 10.96.0.2/32 index 3");
    assertThat(
            NetlinkRouteClient.describeOperation(
                new AddressOperation.Delete(3, InetAddress.getByName("fd00::2"), 128)))
        .isEqualTo("RTM_DELADDR fd00::2/128 index 3");
  }

  @Test
  void decodesLinksAndAddresses() throws Exception {
    Link link =
        RtnlCodec.decodeLink(
            Hex.message(
                "40 00 00 00 10 00 02 00 03 00 00 00 00 00 00 00"
                    + " 00 00 01 00 07 00 00 00 c3 00 00 00 00 00 00 00"
                    + " 0f 00 03 00 6b 75 62 65 2d 69 70 76 73 30 00 00"
                    + " 10 00 12 80 0a 00 01 00 64 75 6d 6d 79 00 00 00"));
    assertThat(link).isEqualTo(new Link(7, "kube-ipvs0", true, Optional.of("dummy")));
    LinkAddress address =
        RtnlCodec.decodeAddress(
            Hex.message(
                "20 00 00 00 14 00 02 00 03 00 00 00 00 00 00 00"
                    + " 02 18 80 00 07 00 00 00 08 00 02 00 0a 60 00 01"));
    assertThat(address).isEqualTo(new LinkAddress(7, InetAddress.getByName("10.96.0.1"), 24));
  }
}
