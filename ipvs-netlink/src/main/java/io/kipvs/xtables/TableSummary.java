package io.kipvs.xtables;

import java.util.List;

/**
 * What a legacy (x_tables) table says about itself without its rules: where each built-in chain
 * starts and ends, how many rules it holds and the size of its rule blob. Any rule added, deleted
 * or changed in size changes it.
 */
public record TableSummary(
    String table, List<Integer> hookEntries, List<Integer> underflows, int entries, int size) {
  public TableSummary {
    hookEntries = List.copyOf(hookEntries);
    underflows = List.copyOf(underflows);
  }
}
