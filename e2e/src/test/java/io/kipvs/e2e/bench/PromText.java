package io.kipvs.e2e.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** A Prometheus text exposition, as read once from the daemon's /metrics. */
record PromText(Map<String, Double> samples) {
  static PromText parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space).strip(), Double.parseDouble(line.substring(space + 1)));
    }
    return new PromText(Map.copyOf(samples));
  }

  /** The sum over every series of a metric (all label values). */
  double sum(String metric) {
    double total = 0;
    for (var e : samples.entrySet()) {
      String key = e.getKey();
      if (key.equals(metric) || key.startsWith(metric + "{")) {
        total += e.getValue();
      }
    }
    return total;
  }

  /** One series by its exact text, e.g. {@code name{le="0.25"}}; 0 when absent. */
  double value(String series) {
    return samples.getOrDefault(series, 0.0);
  }
}
