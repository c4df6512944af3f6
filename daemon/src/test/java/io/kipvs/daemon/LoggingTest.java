package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingTest {
  @AfterEach
  void reset() {
    Logging.apply(0);
  }

  @Test
  void klogVerbosityMapsOntoLevels() {
    assertThat(Logging.kipvsLevel(0)).isEqualTo(Level.INFO);
    assertThat(Logging.kipvsLevel(1)).isEqualTo(Level.INFO);
    assertThat(Logging.kipvsLevel(2)).isEqualTo(Level.DEBUG);
    assertThat(Logging.kipvsLevel(3)).isEqualTo(Level.DEBUG);
    assertThat(Logging.kipvsLevel(4)).isEqualTo(Level.TRACE);
    assertThat(Logging.kipvsLevel(9)).isEqualTo(Level.TRACE);
    assertThat(Logging.rootLevel(5)).isEqualTo(Level.INFO);
    assertThat(Logging.rootLevel(6)).isEqualTo(Level.DEBUG);
  }

  @Test
  void applySetsTheLoggers() {
    Logging.apply(2);
    assertThat(LoggerFactory.getLogger("io.kipvs.daemon.proxy.SyncLoop").isDebugEnabled()).isTrue();
    assertThat(LoggerFactory.getLogger("io.kipvs.daemon.proxy.SyncLoop").isTraceEnabled())
        .isFalse();
    assertThat(LoggerFactory.getLogger("io.fabric8.kubernetes").isDebugEnabled()).isFalse();
    Logging.apply(6);
    assertThat(LoggerFactory.getLogger("io.fabric8.kubernetes").isDebugEnabled()).isTrue();
    Logging.apply(0);
    assertThat(LoggerFactory.getLogger("io.kipvs.daemon.Daemon").isDebugEnabled()).isFalse();
  }
}
