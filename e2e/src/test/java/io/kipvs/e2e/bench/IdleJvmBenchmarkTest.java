package io.kipvs.e2e.bench;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an idle JVM costs a node, thread by thread, by live heap size and JVM options: each variant
 * of {@code kipvs.idle.variants} (";"-separated) is the MB of live heap, then JVM options. The
 * default compares the JVM's own periodic wake-ups (its defaults restored over {@link
 * JavaProcess#FAST_START_OPTIONS}) with the test kit's options. Prints figures only; {@code
 * -Dkipvs.bench.idle=true}.
 */
class IdleJvmBenchmarkTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  @Test
  @EnabledIfSystemProperty(named = "kipvs.bench.idle", matches = "true")
  void idleJvm() throws Exception {
    Node node =
        testbed.startNode(
            NodeOptions.named("idle").withMemory("2G").withBootTimeout(Duration.ofMinutes(3)));
    String extra = System.getProperty("kipvs.idle.jvm", "").strip();
    for (String variant :
        System.getProperty(
                "kipvs.idle.variants",
                "300 -XX:AsyncDeflationInterval=250 -XX:GuaranteedSafepointInterval=1000;300")
            .split(";")) {
      String[] parts = variant.strip().split(" +");
      List<String> jvm = new ArrayList<>(List.of("-Xmx384m"));
      jvm.addAll(Arrays.asList(parts).subList(1, parts.length));
      if (!extra.isEmpty()) {
        jvm.addAll(Arrays.asList(extra.split(" +")));
      }
      JavaProcess p = node.startJava(jvm, IdleJvmMain.class.getName(), List.of(parts[0]));
      p.awaitLogLine("holding", Duration.ofMinutes(2));
      Thread.sleep(5_000);
      ThreadCpu a = ThreadCpu.sample(node, p.pid());
      Thread.sleep(20_000);
      ThreadCpu b = ThreadCpu.sample(node, p.pid());
      System.out.printf("[idle-jvm] %s MB live, JVM %s, 20 s: %s", parts[0], jvm, b.since(a));
      p.kill();
      p.awaitExit(Duration.ofMinutes(1));
    }
  }
}
