package io.kipvs.ipvs;

import java.util.List;

/** The outcome of a batch: one result per operation, in the order given. */
public record BatchResult(List<OperationResult> results) {
  public BatchResult {
    results = List.copyOf(results);
  }

  public List<OperationResult> failures() {
    return results.stream().filter(r -> !r.succeeded()).toList();
  }

  public boolean allSucceeded() {
    return results.stream().allMatch(OperationResult::succeeded);
  }
}
