package io.kipvs.daemon.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CommandRunnerTest {
  private static final Pattern TIMING =
      Pattern.compile(
          "took (\\d+) ms \\(exit (-?\\d+), (\\d+) characters in, (\\d+) out; child CPU (\\d+) ms\\)");

  private final Logger logger = (Logger) LoggerFactory.getLogger(CommandRunner.class);
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void release() {
    logger.detachAppender(events);
    logger.setLevel(levelBefore);
  }

  @Test
  void feedsInputAndCollectsOutput() {
    CommandRunner.Result r =
        new CommandRunner().run(List.of("sh", "-c", "cat; echo oops >&2"), "in");
    assertThat(r.ok()).isTrue();
    assertThat(r.stdout()).isEqualTo("in");
    assertThat(r.stderr()).isEqualTo("oops\n");
  }

  @Test
  void atDebugLogsEachCommandsWallTimeAndChildCpu() {
    logger.setLevel(Level.DEBUG);
    // A child that burns CPU for a while: its CPU must show up once the JVM has reaped it.
    String busy = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done";
    CommandRunner.Result r = new CommandRunner().run(List.of("sh", "-c", busy), "abc");
    assertThat(r.ok()).isTrue();

    assertThat(events.list).hasSize(1);
    String line = events.list.get(0).getFormattedMessage();
    System.out.println("[command-runner] " + line);
    assertThat(line).startsWith("sh -c " + busy + " took ");
    Matcher m = TIMING.matcher(line);
    assertThat(m.find()).as(line).isTrue();
    assertThat(m.group(2)).isEqualTo("0");
    assertThat(m.group(3)).isEqualTo("3");
    assertThat(m.group(4)).isEqualTo("5");
    assertThat(Long.parseLong(m.group(5))).as("child CPU").isPositive();
  }

  @Test
  void atInfoLogsNothing() {
    logger.setLevel(Level.INFO);
    assertThat(new CommandRunner().run(List.of("true"), "").ok()).isTrue();
    assertThat(events.list).isEmpty();
  }
}
