package io.kipvs.daemon.proxy;

import static io.kipvs.daemon.proxy.Fixtures.cidr;
import static io.kipvs.daemon.proxy.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exact restore inputs, against reviewed golden files under test resources. */
class ScriptsGoldenTest {
  /** The golden text; when missing, the actual text is left in target/ for review. */
  static void assertGolden(String actual, String name) throws IOException {
    try (InputStream in = ScriptsGoldenTest.class.getResourceAsStream(name)) {
      if (in == null) {
        Path out = Path.of("target", "golden-actual", name);
        Files.createDirectories(out.getParent());
        Files.writeString(out, actual);
      }
      assertThat(in)
          .as("golden file " + name + " (actual text in target/golden-actual)")
          .isNotNull();
      assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void iptablesWithEverySetInUse() throws IOException {
    String text =
        IptablesScript.restore(
            new IptablesScript.Input(
                false,
                EnumSet.allOf(KubeIpset.class),
                false,
                Optional.of(cidr("10.244.0.0/16")),
                List.of(new ServiceRules.NoNodeAccess(ip("198.51.100.1"), "tcp", 80)),
                IptablesScript.JUMPS));
    assertGolden(text, "iptables-all.golden");
  }

  @Test
  void iptablesOfAnEmptyClusterWithJumpsInPlace() throws IOException {
    String text =
        IptablesScript.restore(
            new IptablesScript.Input(
                true, Set.of(), false, Optional.empty(), List.of(), List.of()));
    assertGolden(text, "ip6tables-empty.golden");
  }

  @Test
  void iptablesMasqueradeAllAndNoClusterCidr() {
    String all =
        IptablesScript.restore(
            new IptablesScript.Input(
                false, Set.of(KubeIpset.CLUSTER_IP), true, Optional.empty(), List.of(), List.of()));
    assertThat(all)
        .contains(
            "-A KUBE-SERVICES -m comment --comment \"Kubernetes service cluster ip + port for"
                + " masquerade purpose\" -m set --match-set KUBE-CLUSTER-IP dst,dst -j"
                + " KUBE-MARK-MASQ\n");
    String noCidr =
        IptablesScript.restore(
            new IptablesScript.Input(
                false,
                Set.of(KubeIpset.CLUSTER_IP),
                false,
                Optional.empty(),
                List.of(),
                List.of()));
    assertThat(noCidr).contains("KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ\n");
  }

  @Test
  void ipsetCreatesAllSetsThenAddsThenDeletes() throws IOException {
    String text =
        IpsetScript.restore(
            Set.of(false, true),
            List.of(
                new IpsetEntry(KubeIpset.NODE_PORT_TCP, false, "30080"),
                new IpsetEntry(KubeIpset.CLUSTER_IP, false, "10.96.0.10,tcp:80"),
                new IpsetEntry(KubeIpset.CLUSTER_IP, true, "fd00:96::10,tcp:80")),
            List.of(new IpsetEntry(KubeIpset.LOOP_BACK, false, "10.244.1.5,tcp:8080,10.244.1.5")));
    assertGolden(text, "ipset.golden");
  }

  @Test
  void ipsetSaveIsParsedForOurSetsOnly() {
    String save =
        "create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536\n"
            + "add KUBE-CLUSTER-IP 10.96.0.10,tcp:80\n"
            + "create OTHER hash:ip family inet hashsize 1024 maxelem 65536\n"
            + "add OTHER 1.2.3.4\n"
            + "create KUBE-6-NODE-PORT-TCP bitmap:port range 0-65535\n"
            + "add KUBE-6-NODE-PORT-TCP 30080\n";
    assertThat(IpsetScript.parseSave(save))
        .containsExactlyInAnyOrder(
            new IpsetEntry(KubeIpset.CLUSTER_IP, false, "10.96.0.10,tcp:80"),
            new IpsetEntry(KubeIpset.NODE_PORT_TCP, true, "30080"));
  }

  @Test
  void ipsetRestoreGivesProtocolsByNumber() {
    assertThat(
            IpsetScript.restoreMember(
                new IpsetEntry(KubeIpset.LOOP_BACK, true, "fd00::5,udp:53,fd00::5")))
        .isEqualTo("fd00::5,17:53,fd00::5");
    assertThat(
            IpsetScript.restoreMember(
                new IpsetEntry(KubeIpset.NODE_PORT_SCTP, false, "10.0.0.1,sctp:30000")))
        .isEqualTo("10.0.0.1,132:30000");
    assertThat(IpsetScript.restoreMember(new IpsetEntry(KubeIpset.NODE_PORT_TCP, false, "30080")))
        .isEqualTo("30080");
    assertThat(IpsetScript.restoreMember(new IpsetEntry(KubeIpset.IPVS_IPS, true, "fd00::1")))
        .isEqualTo("fd00::1");
  }

  @Test
  void ipsetTerseListGivesEverySetsSize() {
    // ipset 7.17's `ipset list -terse`, as printed in a network namespace.
    String list =
        "Name: KUBE-CLUSTER-IP\n"
            + "Type: hash:ip,port\n"
            + "Revision: 7\n"
            + "Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x43aba036\n"
            + "Size in memory: 360\n"
            + "References: 0\n"
            + "Number of entries: 3\n"
            + "\n"
            + "Name: KUBE-NODE-PORT-TCP\n"
            + "Type: bitmap:port\n"
            + "Revision: 3\n"
            + "Header: range 0-65535\n"
            + "Size in memory: 8264\n"
            + "References: 0\n"
            + "Number of entries: 1\n"
            + "\n"
            + "Name: OLD\n"
            + "Type: hash:ip\n"
            + "Header: family inet hashsize 1024 maxelem 65536\n";
    assertThat(IpsetScript.parseTerse(list))
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of("KUBE-CLUSTER-IP", 3, "KUBE-NODE-PORT-TCP", 1));
  }

  @Test
  void saveTellsMissingJumpsAndRuleCountDrift() {
    String restore =
        IptablesScript.restore(
            new IptablesScript.Input(
                false, Set.of(), false, Optional.empty(), List.of(), List.of()));
    StringBuilder save = new StringBuilder();
    String table = "";
    for (String line : restore.split("\n")) {
      save.append(line.replace(" - [0:0]", " - [0:0]")).append('\n');
      if (line.startsWith("*")) {
        table = line;
      }
      if (line.equals("*nat")) {
        save.append(":PREROUTING ACCEPT [0:0]\n");
        save.append(
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j"
                + " KUBE-SERVICES\n");
      }
    }
    IptablesSave parsed = IptablesSave.parse(save.toString());
    assertThat(parsed.missingJumps()).hasSize(IptablesScript.JUMPS.size() - 1);
    assertThat(parsed.matchesRuleCounts(restore)).isTrue();
    IptablesSave drifted = IptablesSave.parse(save + "*nat\n-A KUBE-SERVICES -j ACCEPT\nCOMMIT\n");
    assertThat(drifted.matchesRuleCounts(restore)).isFalse();
  }
}
