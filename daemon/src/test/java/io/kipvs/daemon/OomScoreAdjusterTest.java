package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** oom_score_adj written in the real /proc of a real process. */
class OomScoreAdjusterTest {

  @Test
  void theKernelTakesTheValueForTheProcess() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      Path file = Path.of("/proc", Long.toString(sleeper.pid()), "oom_score_adj");
      assertThat(Files.readString(file).strip()).isEqualTo("0");
      // Raising needs no privilege, so this holds for any user.
      assertThat(OomScoreAdjuster.forProcess(sleeper.pid()).apply(500)).isEqualTo(500);
      assertThat(Files.readString(file).strip()).isEqualTo("500");
      // The kernel's own score follows: a positive adjustment puts the process first in line.
      Path score = Path.of("/proc", Long.toString(sleeper.pid()), "oom_score");
      assertThat(Integer.parseInt(Files.readString(score).strip())).isGreaterThanOrEqualTo(500);
    } finally {
      sleeper.destroy();
      sleeper.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void outOfRangeIsRefusedByTheKernel() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      assertThatThrownBy(() -> OomScoreAdjuster.forProcess(sleeper.pid()).apply(1001))
          .isInstanceOf(IOException.class);
    } finally {
      sleeper.destroy();
      sleeper.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
