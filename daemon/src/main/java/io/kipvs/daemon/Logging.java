package io.kipvs.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps klog verbosity (-v / --v / logging.verbosity) onto logback levels: 0-1 INFO, 2-3 DEBUG and
 * 4-5 TRACE for kipvs's own loggers; from 6 on, libraries (fabric8, HTTP) log at DEBUG too, as klog
 * shows API requests from 6.
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

  static void apply(int verbosity) {
    ((Logger) LoggerFactory.getLogger("io.kipvs")).setLevel(kipvsLevel(verbosity));
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(rootLevel(verbosity));
  }
}
