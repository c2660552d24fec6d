/** The part of jStat (no bundled types) the benchmarks use. */
declare module "jstat" {
  export const jStat: { studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number } };
}
