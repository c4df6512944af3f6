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

/** On a kernel without ip_vs, opening the client says so. */
class NoIpvsNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  @Test
  void openingTheClientSaysIpvsIsMissing() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("nlnoipvs").withoutIpvs());

    JavaProcess jvm =
        node.startJava(
            List.of(),
            NetlinkProbe.class.getName(),
            List.of("open", Node.OUTPUT_DIR_IN_NODE + "/open.txt"));
    assertThat(jvm.awaitExit(Duration.ofSeconds(120))).as(jvm.log()).isZero();

    assertThat(Files.readString(node.outputDir().resolve("open.txt")))
        .startsWith("IpvsUnavailableException|")
        .contains("IPVS is not available in this kernel (load the ip_vs module");
  }
}
