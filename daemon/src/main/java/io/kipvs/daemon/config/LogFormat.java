package io.kipvs.daemon.config;

/** --logging-format: klog's text lines or one JSON object per line. */
public enum LogFormat {
  TEXT,
  JSON
}
