package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Closing a testbed ends every host process it started and removes its folder. */
class CleanupTest {

  @Test
  void closeEndsNodesSlirpAndSwitchAndRemovesTheRunFolder() {
    Set<Long> pids;
    Path runDir;
    try (Testbed testbed = Testbed.create()) {
      runDir = testbed.runDir();
      List<Node> nodes = testbed.startCluster(2, NodeOptions.named("gone").withHostLink());
      nodes.get(0).addPod("p");

      pids = testbed.recordedHostPids();

      // UML forks short-lived helper processes, so only the long-lived ones must be alive here.
      assertThat(HostProcesses.alive(pids)).containsAll(nodes.stream().map(Node::hostPid).toList());
      assertThat(commandLines(pids))
          .anyMatch(c -> c.contains("linux.uml"))
          .anyMatch(c -> c.contains("slirp"))
          .anyMatch(c -> c.contains("uml_switch"));
      assertThat(runDir.resolve("switch1.ctl")).exists();
    }

    assertThat(HostProcesses.alive(pids)).isEmpty();
    assertThat(runDir).doesNotExist();
  }

  @Test
  void aStoppedNodeRefusesCommandsAndLeavesNoProcess() {
    try (Testbed testbed = Testbed.create()) {
      Node node = testbed.startNode("stopped1");
      Set<Long> pids = node.hostPids();

      node.stop();

      assertThat(HostProcesses.alive(pids)).isEmpty();
      assertThat(node.isRunning()).isFalse();
      assertThatThrownBy(() -> node.exec("true"))
          .isInstanceOf(NodeFailedException.class)
          .hasMessageContaining("stopped1 is stopped");
    }
  }

  private static List<String> commandLines(Set<Long> pids) {
    return pids.stream()
        .map(pid -> ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse(""))
        .toList();
  }
}
