package io.kipvs.k8s;

/** Where translation reports input it had to skip or correct, naming the object and the cause. */
interface BadInputReporter {

  /**
   * @param object the kind and namespace/name of the object, e.g. {@code Service default/web}
   * @param problem what is wrong and what was done about it
   */
  void warn(String object, String problem);
}
