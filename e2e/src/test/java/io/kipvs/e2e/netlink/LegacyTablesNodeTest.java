package io.kipvs.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The legacy tables' summaries, read with one getsockopt, follow what iptables writes. */
class LegacyTablesNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static String summary(Node node, String table) throws Exception {
    String file = "xtables-" + table.replace(':', '-') + ".txt";
    JavaProcess jvm =
        node.startJava(
            List.of(),
            NetlinkProbe.class.getName(),
            List.of("xtables", Node.OUTPUT_DIR_IN_NODE + "/" + file, table));
    assertThat(jvm.awaitExit(Duration.ofSeconds(120))).as(jvm.log()).isZero();
    return Files.readString(node.outputDir().resolve(file));
  }

  private static int entries(String summary) {
    return Integer.parseInt(summary.split("\\|")[0]);
  }

  @Test
  void summariesChangeWithEveryRuleAndStayOtherwise() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("xt1"));
    node.run("iptables-legacy -t nat -N KUBE-SERVICES; ip6tables-legacy -t nat -L >/dev/null");

    String nat = summary(node, "nat");
    // Entries: the rules, one policy per built-in chain (4 in nat), a head and a tail per user
    // chain, and the table's final entry.
    assertThat(entries(nat)).isEqualTo(4 + 2 + 1);
    assertThat(summary(node, "nat")).as("unchanged table").isEqualTo(nat);

    node.run("iptables-legacy -t nat -A KUBE-SERVICES -d 10.96.0.1/32 -j RETURN");
    String added = summary(node, "nat");
    assertThat(entries(added)).isEqualTo(entries(nat) + 1);

    node.run("iptables-legacy -t nat -F KUBE-SERVICES");
    assertThat(summary(node, "nat")).isEqualTo(nat);

    // The other family's table is its own, and a table the kernel lacks says so.
    assertThat(entries(summary(node, "6:nat"))).isEqualTo(4 + 1);
    assertThat(summary(node, "no-such-table")).isEqualTo("none");
  }
}
