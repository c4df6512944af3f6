package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Runs a failing test class through JUnit and checks what the extension adds and cleans up. */
class TestbedExtensionTest {

  /** Run only through {@link EngineTestKit} (Surefire skips nested classes). */
  static class FailingOnANode {
    @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();
    static final List<Set<Long>> pids = new ArrayList<>();
    static Node node;

    @BeforeAll
    static void boot() {
      node = testbed.startNode("failing1");
      node.run("ipvsadm -A -t 10.96.7.7:80 -s rr");
    }

    @Test
    void fails() {
      pids.add(testbed.testbed().recordedHostPids());
      assertThat(node.run("echo 1").strip()).isEqualTo("2");
    }
  }

  @Test
  void aFailedTestCarriesTheNodesDiagnosticsAndItsNodesStopAfterTheClass() {
    FailingOnANode.pids.clear();

    Events tests =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(FailingOnANode.class))
            .execute()
            .testEvents();

    tests.assertStatistics(s -> s.started(1).failed(1));
    Throwable failure =
        tests.failed().stream()
            .map(e -> e.getRequiredPayload(TestExecutionResult.class))
            .map(r -> r.getThrowable().orElseThrow())
            .findFirst()
            .orElseThrow();
    assertThat(failure).isInstanceOf(AssertionError.class);
    assertThat(failure.getSuppressed()).hasSize(1);
    assertThat(failure.getSuppressed()[0].getMessage())
        .contains("===== node failing1")
        .contains("--- ipvsadm -Ln")
        .contains("TCP  10.96.7.7:80 rr")
        .contains("--- ip addr")
        .contains("--- ip route")
        .contains("--- console")
        .contains("@@kipvs-ready");
    assertThat(FailingOnANode.pids).hasSize(1);
    assertThat(HostProcesses.alive(FailingOnANode.pids.get(0))).isEmpty();
  }
}
