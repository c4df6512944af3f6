package io.kipvs.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.kipvs.daemon.config.LogFormat;
import org.slf4j.LoggerFactory;

/**
 * Maps klog verbosity (-v / --v / logging.verbosity) onto logback levels: 0-1 INFO, 2-3 DEBUG and
 * 4-5 TRACE for kipvs's own loggers; from 6 on, libraries (fabric8, HTTP) log at DEBUG too, as klog
 * shows API requests from 6. --logging-format=json swaps the stderr encoder for logback's JSON
 * encoder: one JSON object per line (timestamp, level, loggerName, threadName, formattedMessage,
 * and the message pattern with its arguments).
 */
final class Logging {
  private Logging() {}

  static Level kipvsLevel(int verbosity) {
    if (verbosity >= 4) {
      return Level.TRACE;
    }
    return verbosity >= 2 ? Level.DEBUG : Level.INFO;
  }

  static Level rootLevel(int verbosity) {
    return verbosity >= 6 ? Level.DEBUG : Level.INFO;
  }

  static void apply(int verbosity, LogFormat format) {
    apply(verbosity);
    if (format == LogFormat.JSON) {
      json();
    }
  }

  /** Every appender of the root logger (LogbackConfigurator's stderr) writes JSON from now on. */
  private static void json() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.iteratorForAppenders()
        .forEachRemaining(
            appender -> {
              if (appender instanceof OutputStreamAppender<ILoggingEvent> stream) {
                JsonEncoder encoder = new JsonEncoder();
                encoder.setContext(root.getLoggerContext());
                // The text as a person reads it, besides the pattern and its arguments.
                encoder.setWithFormattedMessage(true);
                // The logger context is the same on every line.
                encoder.setWithContext(false);
                encoder.start();
                stream.stop();
                stream.setEncoder(encoder);
                stream.start();
              }
            });
  }

  static void apply(int verbosity) {
    ((Logger) LoggerFactory.getLogger("io.kipvs")).setLevel(kipvsLevel(verbosity));
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(rootLevel(verbosity));
  }
}
