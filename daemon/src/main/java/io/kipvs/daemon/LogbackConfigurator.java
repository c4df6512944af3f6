package io.kipvs.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * kipvs's logging, set up in code: to stderr, one line per event, as kube-proxy logs; kipvs and
 * libraries at INFO until {@link Logging} applies -v. logback finds it through {@code
 * META-INF/services} before it looks for any configuration file, and looks no further.
 *
 * <p>Why not logback.xml: reading it loaded some 600 classes (logback's configuration model and the
 * JDK's XML parser) and ran them once, before the daemon's first log line; in a one-CPU node that
 * was seconds of the start (BENCHMARKS.md, "JVM start").
 */
public final class LogbackConfigurator extends ContextAwareBase implements Configurator {
  /** Every line: ISO-8601 time with the zone, level, thread, logger, message. */
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36}: %msg%n";

  static final String APPENDER = "STDERR";

  /** For {@link java.util.ServiceLoader}. */
  public LogbackConfigurator() {}

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(APPENDER);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(stderr);
    context.getLogger("io.kipvs").setLevel(Level.INFO);
    // Jetty (the HTTP servers) logs its version and every start and stop of a port at INFO; kipvs
    // logs the ports it serves itself.
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
