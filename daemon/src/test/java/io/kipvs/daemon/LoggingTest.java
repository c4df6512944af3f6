package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void logbackIsSetUpInCodeWithOneStderrAppender() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
    root.iteratorForAppenders().forEachRemaining(appenders::add);
    assertThat(appenders).hasSize(1);
    ConsoleAppender<ILoggingEvent> stderr = (ConsoleAppender<ILoggingEvent>) appenders.get(0);
    assertThat(stderr.getName()).isEqualTo(LogbackConfigurator.APPENDER);
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern())
        .isEqualTo(LogbackConfigurator.PATTERN);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
  }
}
