package io.kipvs.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Our rtnetlink client makes kube-ipvs0 and its addresses as ip shows them. */
class RouteNetlinkNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static String step(Node node, String step) throws Exception {
    String file = "rtnl-" + step + ".txt";
    JavaProcess jvm =
        node.startJava(
            List.of(),
            NetlinkProbe.class.getName(),
            List.of("rtnl", Node.OUTPUT_DIR_IN_NODE + "/" + file, step));
    assertThat(jvm.awaitExit(Duration.ofSeconds(120))).as(jvm.log()).isZero();
    return Files.readString(node.outputDir().resolve(file));
  }

  /** Global addresses of kube-ipvs0 as `ip -o addr` lists them, "address/prefix" sorted. */
  private static String ipAddresses(Node node) {
    Matcher m =
        Pattern.compile("inet6? (\\S+) scope global")
            .matcher(node.run("ip -o addr show dev kube-ipvs0"));
    return m.results().map(r -> r.group(1)).sorted().collect(Collectors.joining(","));
  }

  private static String ourAddresses(String probeOutput) {
    return probeOutput
        .lines()
        .filter(l -> l.startsWith("addr|"))
        .map(l -> l.substring(5))
        .filter(a -> !a.startsWith("fe80:"))
        .sorted()
        .collect(Collectors.joining(","));
  }

  private static String linkIndex(String probeOutput) {
    Matcher m = Pattern.compile("link\\|Link\\[index=(\\d+),").matcher(probeOutput);
    assertThat(m.find()).as(probeOutput).isTrue();
    return m.group(1);
  }

  @Test
  void createsKubeIpvs0AddsAndRemovesAddresses() throws Exception {
    Node node = testbed.startNode(NodeOptions.named("nlrt1"));

    String created = step(node, "create");
    assertThat(created).contains("before|Optional.empty");
    assertThat(created)
        .containsPattern(
            "created\\|Link\\[index=\\d+, name=kube-ipvs0, up=true,"
                + " kind=Optional\\[dummy\\]\\]");
    assertThat(created).contains("listed|true").contains("all-has-loopback|true");
    assertThat(node.run("ip -o link show kube-ipvs0")).contains("UP");
    assertThat(ipAddresses(node))
        .isEqualTo("10.96.0.10/32,10.96.0.11/32,fd00:96::10/128,fd00:96::11/128");
    assertThat(ourAddresses(created)).isEqualTo(ipAddresses(node));

    String removed = step(node, "remove");
    assertThat(ipAddresses(node)).isEqualTo("10.96.0.10/32,fd00:96::10/128");
    assertThat(ourAddresses(removed)).isEqualTo(ipAddresses(node));

    // One batch: 2,000 IPv4 adds, an IPv6 add, a delete, and two refused changes (a missing
    // address, a missing link), each reported on its own while the rest apply.
    int n = NetlinkProbe.BATCH_ADDRESSES;
    String batch = step(node, "batch");
    assertThat(batch.lines().filter(l -> l.startsWith("applied|") || l.startsWith("failed|")))
        .hasSize(3)
        .satisfiesExactly(
            l -> assertThat(l).isEqualTo("applied|" + (n + 4)),
            l ->
                assertThat(l)
                    .startsWith(
                        "failed|"
                            + (n + 2)
                            + "|99|RTM_DELADDR 10.96.0.99/32 index "
                            + linkIndex(batch)
                            + ": EADDRNOTAVAIL"),
            l ->
                assertThat(l)
                    .startsWith(
                        "failed|"
                            + (n + 3)
                            + "|19|RTM_NEWADDR 10.96.0.98/32 index 999999: ENODEV"));
    List<String> expected = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add("10.97." + (i >> 8) + "." + (i & 0xff) + "/32");
    }
    expected.add("fd00:96::10/128");
    expected.add("fd00:97::1/128");
    assertThat(ipAddresses(node))
        .isEqualTo(expected.stream().sorted().collect(Collectors.joining(",")));
    assertThat(ourAddresses(batch)).isEqualTo(ipAddresses(node));

    String batchRemoved = step(node, "batch-remove");
    assertThat(batchRemoved.lines().filter(l -> l.startsWith("failed|"))).isEmpty();
    assertThat(ipAddresses(node)).isEqualTo("fd00:96::10/128");
    assertThat(ourAddresses(batchRemoved)).isEqualTo(ipAddresses(node));

    assertThat(step(node, "delete")).contains("after|Optional.empty");
    assertThat(node.exec("ip link show kube-ipvs0").succeeded()).isFalse();
  }
}
