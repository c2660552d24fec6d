/**
 * Names the platform gives to what it creates, that other parts of the program must agree on
 * (a querier resolving a StatefulSet's pods through its headless Service). Pure: no provider.
 */

/** The headless Service that governs a stateful workload without a peers Service. */
export function headlessServiceName(workload: string): string {
  return `${workload}-headless`;
}
