/**
 * Per-request metric children whose hot path is a few additions.
 *
 * prom-client's children re-build and re-validate the label hash on every inc()/observe(): about
 * 0.3 us (counter) and 0.5 us (histogram) in a tight loop, and several times that inside a busy
 * server, which measured ~8 us per payment request in total (services/README.md, benchmark).
 * Our label spaces are bounded, so each child is resolved ONCE and then only adds numbers.
 * prom-client still owns the registry and the exposition format:
 *
 * - FastCounter wraps a real prom-client Counter; pending increments are flushed into it by the
 *   counter's collect() hook, which prom-client calls on every scrape (public API).
 * - FastHistogram is registered on the prom-client Registry as a metric object whose get()
 *   returns the same MetricObject shape prom-client's Histogram returns (le buckets, _sum,
 *   _count), so the text is produced by prom-client's own formatter.
 *
 * Everything runs on the one JS thread; a scrape sees every increment made before it.
 */
import { Counter, type Histogram, type MetricObjectWithValues, type MetricType, type MetricValueWithName, type Registry } from "prom-client";

/** Configuration shared by both metric kinds. */
export interface FastMetricConfig {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
}

const keyOf = (values: readonly string[]) => values.join("\u0000");

/** One label set of a FastCounter. */
export class FastCounterChild {
  private pending = 0;
  constructor(private readonly target: Counter.Internal) {}
  inc(value = 1): void {
    this.pending += value;
  }
  /** Moves pending increments into prom-client (called at scrape time). */
  flush(): void {
    if (this.pending !== 0) {
      this.target.inc(this.pending);
      this.pending = 0;
    }
  }
}

/** A counter whose children are created at 0 and incremented without hashing. */
export class FastCounter {
  private readonly counter: Counter<string>;
  private readonly children = new Map<string, FastCounterChild>();

  constructor(config: FastMetricConfig) {
    const children = this.children;
    this.counter = new Counter({
      name: config.name,
      help: config.help,
      labelNames: [...config.labelNames],
      registers: [config.registry],
      collect() {
        for (const child of children.values()) child.flush();
      },
    });
  }

  /** The child for these label values (in labelNames order); created, at 0, on first use. */
  child(...values: string[]): FastCounterChild {
    const key = keyOf(values);
    let found = this.children.get(key);
    if (!found) {
      const target = this.counter.labels(...values);
      target.inc(0); // the series exists (at 0) from now on
      found = new FastCounterChild(target);
      this.children.set(key, found);
    }
    return found;
  }
}

/**
 * One label set of a FastHistogram. Its buckets (not cumulative; the last one above every bound),
 * sum and count sit in ONE Float64Array, so an observation writes to one array (a double in its
 * own field would live in a separate heap box): a request's metrics touch as few cache lines as
 * they can, which is where their cost is (services/README.md, Benchmark).
 */
export class FastHistogramChild {
  /** [bucket 0 .. bucket n-1, above every bound, sum, count] for n bounds. */
  readonly values: Float64Array;
  private readonly sumAt: number;

  constructor(readonly labels: Readonly<Record<string, string>>, private readonly bounds: Float64Array) {
    this.sumAt = bounds.length + 1;
    this.values = new Float64Array(bounds.length + 3);
  }

  get sum(): number {
    return this.values[this.sumAt];
  }

  get count(): number {
    return this.values[this.sumAt + 1];
  }

  observe(value: number): void {
    const bounds = this.bounds;
    const values = this.values;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++; // le semantics: value <= bound
    values[i]++;
    values[this.sumAt] += value;
    values[this.sumAt + 1]++;
  }
}

/** A histogram with fixed buckets whose children observe without hashing. */
export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram" as const;
  readonly aggregator = "sum" as const;
  private readonly bounds: Float64Array;
  private readonly labelNames: readonly string[];
  /** Every child, in creation order (the order of the exposition). */
  readonly children = new Map<string, FastHistogramChild>();

  constructor(config: FastMetricConfig & { buckets: readonly number[] }) {
    if (config.buckets.some((b, i) => i > 0 && b <= config.buckets[i - 1])) {
      throw new Error(`${config.name}: buckets must be strictly increasing, got ${config.buckets.join(", ")}`);
    }
    this.name = config.name;
    this.help = config.help;
    this.bounds = Float64Array.from(config.buckets);
    this.labelNames = config.labelNames;
    // The Registry only needs name, get() and reset(); its type names the four built-in classes.
    config.registry.registerMetric(this as unknown as Histogram<string>);
  }

  /** The child for these label values (in labelNames order); exported (at 0) from creation on. */
  child(...values: string[]): FastHistogramChild {
    const key = keyOf(values);
    let found = this.children.get(key);
    if (!found) {
      if (values.length !== this.labelNames.length) throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]]));
      found = new FastHistogramChild(labels, this.bounds);
      this.children.set(key, found);
    }
    return found;
  }

  /** The same shape prom-client's Histogram.get() returns: cumulative buckets, then _sum and _count. */
  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    for (const child of this.children.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += child.values[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...child.labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: "+Inf", ...child.labels }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels: child.labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: child.labels, value: child.count });
    }
    // prom-client's typings declare MetricType as a numeric enum, but the registry prints
    // `# TYPE <name> <type>` from the string its own metrics carry at runtime.
    const type = "histogram" as unknown as MetricType;
    return { name: this.name, help: this.help, type, values, aggregator: this.aggregator, collect: () => undefined };
  }

  /** Registry.resetMetrics() support. */
  reset(): void {
    for (const child of this.children.values()) {
      child.values.fill(0);
    }
  }
}

/**
 * A counter whose series are the `_count` series of a FastHistogram under another name, read at
 * scrape time: http_requests_total is by definition the count of http_request_duration_seconds
 * for the same (method, route, status), so a request increments one array, not two metrics.
 * It prints what a prom-client Counter with the same values prints (fast-metrics.test.ts).
 */
export class FastHistogramCount {
  readonly type = "counter" as const;
  readonly aggregator = "sum" as const;

  constructor(readonly name: string, readonly help: string, private readonly histogram: FastHistogram, registry: Registry) {
    registry.registerMetric(this as unknown as Counter<string>);
  }

  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    for (const child of this.histogram.children.values()) values.push({ labels: child.labels, value: child.count });
    const type = "counter" as unknown as MetricType; // see FastHistogram.get()
    return { name: this.name, help: this.help, type, values, aggregator: this.aggregator, collect: () => undefined };
  }

  /** Registry.resetMetrics(): resetting the histogram resets this too. */
  reset(): void {}
}
