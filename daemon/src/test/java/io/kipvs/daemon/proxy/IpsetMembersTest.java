package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kipvs.ipset.IpsetDefinition;
import io.kipvs.ipset.IpsetMember;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpsetMembersTest {

  /** The sets as ipset save prints their create lines (without bucketsize and initval). */
  @Test
  void everySetIsCreatedWithUpstreamsTypeAndOptions() throws IOException {
    StringBuilder text = new StringBuilder();
    for (boolean v6 : List.of(false, true)) {
      for (KubeIpset set : KubeIpset.values()) {
        IpsetDefinition d = set.definition(v6);
        text.append("create ").append(d.name()).append(' ').append(d.typeName());
        if (d instanceof IpsetDefinition.Hash h) {
          text.append(h.v6() ? " family inet6" : " family inet")
              .append(" hashsize ")
              .append(h.hashSize())
              .append(" maxelem ")
              .append(h.maxElements());
        } else {
          IpsetDefinition.BitmapPort b = (IpsetDefinition.BitmapPort) d;
          text.append(" range ").append(b.fromPort()).append('-').append(b.toPort());
        }
        text.append('\n');
      }
    }
    ScriptsGoldenTest.assertGolden(text.toString(), "ipset-create.golden");
    assertThat(KubeIpset.allSetNames()).hasSize(2 * KubeIpset.values().length);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ' ',
      value = {
        "IPVS_IPS false 10.96.0.1",
        "IPVS_IPS true fd00:96::1",
        "CLUSTER_IP false 10.96.0.10,tcp:80",
        "CLUSTER_IP true fd00:96::10,udp:53",
        "NODE_PORT_SCTP false 10.0.0.1,sctp:30000",
        "LOOP_BACK false 10.244.1.5,tcp:8080,10.244.1.5",
        "LOOP_BACK true fd00::5,udp:53,fd00::5",
        "LOAD_BALANCER_SOURCE_CIDR false 1.2.3.4,tcp:443,10.0.0.0/8",
        "LOAD_BALANCER_SOURCE_CIDR false 1.2.3.4,tcp:443,10.1.2.3",
        "LOAD_BALANCER_SOURCE_CIDR true fd00::1,tcp:443,fd00:1::/64",
        "LOAD_BALANCER_SOURCE_CIDR true fd00::1,tcp:443,fd00::7",
        "NODE_PORT_TCP false 30080",
        "HEALTH_CHECK_NODE_PORT true 0",
      })
  void membersGoBackToTheTextTheyCameFrom(String set, boolean v6, String member) {
    IpsetEntry entry = new IpsetEntry(KubeIpset.valueOf(set), v6, member);
    assertThat(IpsetMembers.text(IpsetMembers.parse(entry))).isEqualTo(member);
  }

  @Test
  void parsesIntoTheMemberKindOfTheSetsType() {
    assertThat(IpsetMembers.parse(new IpsetEntry(KubeIpset.CLUSTER_IP, false, "10.96.0.10,tcp:80")))
        .isEqualTo(new IpsetMember.IpPort(ip("10.96.0.10"), 6, 80));
    assertThat(
            IpsetMembers.parse(
                new IpsetEntry(
                    KubeIpset.LOAD_BALANCER_SOURCE_CIDR, false, "1.2.3.4,udp:1,10.9.9.9")))
        .isEqualTo(new IpsetMember.IpPortNet(ip("1.2.3.4"), 17, 1, ip("10.9.9.9"), 32));
    assertThat(IpsetMembers.parse(new IpsetEntry(KubeIpset.NODE_PORT_UDP, true, "30053")))
        .isEqualTo(new IpsetMember.Port(30053));
  }

  @Test
  void aHostSizedNetPrintsAsItsAddressAsIpsetPrintsIt() {
    assertThat(IpsetMembers.net(ip("10.1.2.3"), 32)).isEqualTo("10.1.2.3");
    assertThat(IpsetMembers.net(ip("fd00::7"), 128)).isEqualTo("fd00::7");
    assertThat(IpsetMembers.net(ip("10.1.0.0"), 16)).isEqualTo("10.1.0.0/16");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "LOAD_BALANCER_SOURCE_CIDR|1.2.3.4,tcp:443,0.0.0.0/0|prefix length 0 outside 1-32",
        "CLUSTER_IP|10.96.0.10,icmp:1|\"icmp\" is not a protocol",
        "CLUSTER_IP|10.96.0.10|a hash:ip,port member has 2 comma-separated parts",
        "CLUSTER_IP|10.96.0.10,tcp80|\"tcp80\" is not PROTOCOL:PORT",
        "CLUSTER_IP|example.com,tcp:80|\"example.com\" is not an IP address",
        "IPVS_IPS|deadbeef|\"deadbeef\" is not an IP address",
        "NODE_PORT_TCP|70000|port 70000 outside 0-65535",
      })
  void badMembersAreRefusedNamingTheEntry(String set, String member, String why) {
    IpsetEntry entry = new IpsetEntry(KubeIpset.valueOf(set), false, member);
    assertThatThrownBy(() -> IpsetMembers.parse(entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "ipset member \"" + member + "\" of " + KubeIpset.valueOf(set).setName(false) + ": ")
        .hasMessageContaining(why);
  }
}
