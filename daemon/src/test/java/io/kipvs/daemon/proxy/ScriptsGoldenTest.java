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

  /** Issue 16: the masquerade rule takes --random-fully where iptables supports it. */
  @Test
  void masqueradeTakesRandomFullyWhenSupported() {
    String with =
        IptablesScript.restore(
            new IptablesScript.Input(
                false, Set.of(), false, Optional.empty(), List.of(), List.of(), true));
    assertThat(with)
        .contains(
            "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring"
                + " SNAT\" -j MASQUERADE --random-fully\n");
    String without =
        IptablesScript.restore(
            new IptablesScript.Input(
                false, Set.of(), false, Optional.empty(), List.of(), List.of(), false));
    assertThat(without).doesNotContain("--random-fully");
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
