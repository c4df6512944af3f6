package io.kipvs.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.ipvs.NetlinkException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NetlinkIpsetClientTest {
  private static IpsetOperation add(String set, int port) {
    return new IpsetOperation.Add(set, new IpsetMember.Port(port));
  }

  private static IpsetOperation del(String set, int port) {
    return new IpsetOperation.Delete(set, new IpsetMember.Port(port));
  }

  @Test
  void consecutiveAddsOrDeletesOfOneSetShareMessagesUpToTheLimit() {
    IpsetOperation create = new IpsetOperation.Create(new IpsetDefinition.BitmapPort("a", 0, 9));
    List<IpsetOperation> ops = new ArrayList<>();
    ops.add(create);
    for (int i = 0; i < 5; i++) {
      ops.add(add("a", i));
    }
    ops.add(add("b", 1));
    ops.add(del("b", 2));
    ops.add(del("b", 3));
    IpsetOperation destroy = new IpsetOperation.Destroy("b");
    ops.add(destroy);
    ops.add(new IpsetOperation.Destroy("b"));
    List<List<IpsetOperation>> chunks =
        NetlinkIpsetClient.chunks(ops, 2).stream().map(c -> c.operations()).toList();
    assertThat(chunks)
        .containsExactly(
            List.of(create),
            List.of(add("a", 0), add("a", 1)),
            List.of(add("a", 2), add("a", 3)),
            List.of(add("a", 4)),
            List.of(add("b", 1)),
            List.of(del("b", 2), del("b", 3)),
            List.of(destroy),
            List.of(destroy));
  }

  @Test
  void refusalsNameTheSetTheMemberAndWhatIpsetsErrnoMeans() throws Exception {
    IpsetOperation op =
        new IpsetOperation.Add(
            "KUBE-CLUSTER-IP",
            new IpsetMember.IpPort(InetAddress.getByName("10.96.0.1"), IpsetMember.TCP, 80));
    NetlinkException full =
        IpsetErrors.refused(new NetlinkException(4352, Optional.empty(), "x", "x"), op);
    assertThat(full.getMessage())
        .isEqualTo(
            "add KUBE-CLUSTER-IP 10.96.0.1 proto 6 port 80:"
                + " IPSET_ERR_HASH_FULL (the set is full: maxelem reached)");
    assertThat(full.errno()).isEqualTo(4352);
    assertThat(full.request()).isEqualTo("add KUBE-CLUSTER-IP 10.96.0.1 proto 6 port 80");
    assertThat(
            IpsetErrors.refused(new NetlinkException(4352, Optional.empty(), "x", "x"), add("p", 7))
                .getMessage())
        .isEqualTo("add p port 7: IPSET_ERR_BITMAP_RANGE (the member is outside the set's range)");
    assertThat(
            IpsetErrors.refused(new NetlinkException(2, Optional.empty(), "x", "x"), del("p", 7))
                .getMessage())
        .isEqualTo("del p port 7: ENOENT (no such set)");
    assertThat(
            IpsetErrors.refused(
                    new NetlinkException(17, Optional.empty(), "x", "x"),
                    new IpsetOperation.Create(new IpsetDefinition.BitmapPort("p", 0, 9)))
                .getMessage())
        .isEqualTo(
            "create p bitmap:port: EEXIST (already exists): a set of this name exists with"
                + " another type or other options");
  }

  @Test
  void valuesRejectWhatIpsetCannotHold() throws Exception {
    InetAddress v4 = InetAddress.getByName("10.0.0.1");
    InetAddress v6 = InetAddress.getByName("fd00::1");
    assertThatThrownBy(() -> new IpsetMember.IpPortIp(v4, 6, 80, v6))
        .hasMessageContaining("two families");
    assertThatThrownBy(() -> new IpsetMember.IpPortNet(v4, 6, 80, v4, 33))
        .hasMessageContaining("prefix length 33 outside 1-32");
    assertThatThrownBy(() -> new IpsetMember.IpPort(v4, 0, 80)).hasMessageContaining("protocol 0");
    assertThatThrownBy(() -> new IpsetMember.Port(65536)).hasMessageContaining("port 65536");
    assertThatThrownBy(
            () ->
                new IpsetDefinition.Hash(
                    "KUBE-6-LOAD-BALANCER-SOURCE-CIDRX",
                    IpsetDefinition.HashType.IP_PORT_NET,
                    true,
                    1024,
                    65536))
        .hasMessageContaining("must have 1 to 31 characters");
  }
}
