/**
 * The stack configuration: one typed schema with a default and a comment per field.
 *
 * Every key here can be set per stack in Pulumi.<stack>.yaml or with
 * `pulumi config set --path '<key>' <value>` (e.g. `alerts.cpu.warning.threshold 80`).
 * Type and range problems are caught here; cross-field rules (warning below critical,
 * SLOs naming known services, ...) live in validate.ts. Both report every problem at once.
 */
import { z } from "zod";
import { NGINX_DEFAULTS } from "../nginx/options";
import { HTTP_DURATION_BUCKETS } from "./conventions";

/** Numbers may arrive as strings from `pulumi config set --path`; accept "80" as 80. */
const numeric = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), schema);
const bool = () => z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

/** A Prometheus duration such as 15s, 5m, 1h30m, 30d. */
export const DURATION_RE = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const duration = () =>
  z.string().regex(DURATION_RE, { error: "a Prometheus duration such as 15s, 5m, 1h or 30d" }).refine((s) => s.length > 0, {
    error: "a non-empty Prometheus duration such as 15s",
  });

const percent = (def: number) =>
  numeric(z.number().gt(0, { error: "a percentage above 0" }).max(100, { error: "a percentage of at most 100" })).default(def);

/** An image reference pinned to a version tag or digest (never :latest or untagged). */
const pinnedImage = (def: string) =>
  z
    .string()
    .regex(/^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/, { error: "an image reference like prom/prometheus:v3.5.0" })
    .refine((s) => /@sha256:/.test(s) || /:[A-Za-z0-9._-]+$/.test(s.split("/").pop() ?? ""), {
      error: "an image pinned to a version tag or digest (no tag means :latest)",
    })
    .refine((s) => !/:latest$/.test(s), { error: "a pinned version, not :latest" })
    .default(def);

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, { error: "a Kubernetes quantity such as 500m, 256Mi or 2Gi" });
const resources = (reqCpu: string, reqMem: string, limCpu: string, limMem: string) =>
  z
    .strictObject({
      requests: z.strictObject({ cpu: quantity.default(reqCpu), memory: quantity.default(reqMem) }).prefault({}),
      limits: z.strictObject({ cpu: quantity.default(limCpu), memory: quantity.default(limMem) }).prefault({}),
    })
    .prefault({});

const thresholdFor = (threshold: number, forDur: string) =>
  z.strictObject({ threshold: percent(threshold), for: duration().default(forDur) }).prefault({});

/** One application service Prometheus scrapes. */
export const serviceSchema = z.strictObject({
  /** DNS-safe name; also the scrape job name and the `service` label. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: "a lowercase DNS label such as payment-processor" }),
  /** Owning team, put on every series and alert as `team` (routes and ownership). */
  team: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "a lowercase team name such as payments" }),
  /** Business criticality: tier-1 is on the money path. */
  tier: z.enum(["tier-1", "tier-2", "tier-3"]),
  /** Path of the Prometheus endpoint. */
  metricsPath: z.string().startsWith("/", { error: "a path starting with /" }).default("/metrics"),
  /** Static scrape addresses (host:port). Use on Docker or for services outside the cluster. */
  targets: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: "host:port" })).min(1).optional(),
  /** Kubernetes discovery: scrape every ready endpoint of this Service (one series per pod). */
  kubernetes: z
    .strictObject({
      namespace: z.string().regex(/^[a-z0-9-]+$/, { error: "a namespace name" }),
      /** Service name; defaults to the service's name. */
      service: z.string().optional(),
      /** Name of the Service port that serves /metrics. */
      port: z.string().default("http"),
    })
    .optional(),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;

/** A service level objective; alerts and recording rules are generated from each. */
export const sloSchema = z.strictObject({
  /** Unique id, used as the `slo` label, e.g. payment-processor-availability. */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "a lowercase id such as payment-processor-availability" }),
  /** The service (from `services`) the SLO is about. */
  service: z.string(),
  /** Target in percent of good events over the window, e.g. 99.9. */
  objective: numeric(z.number().gt(0).lt(100, { error: "a percentage below 100 (100% leaves no error budget)" })),
  /** What counts as good: non-5xx responses, or responses faster than a histogram bucket. */
  indicator: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("availability") }),
    z.strictObject({
      type: z.literal("latency"),
      /** Must be one of the histogram buckets, or the SLI cannot be computed exactly. */
      thresholdSeconds: numeric(z.number()).refine((v) => (HTTP_DURATION_BUCKETS as readonly number[]).includes(v), {
        error: `one of the histogram buckets ${HTTP_DURATION_BUCKETS.join(", ")}`,
      }),
    }),
  ]),
  /** Compliance window for the error budget. */
  window: duration().default("30d"),
});
export type SloConfig = z.infer<typeof sloSchema>;

/** The whole stack configuration (project namespace `monitoring-stack:`). */
export const stackConfigSchema = z.strictObject({
  /** Where the stack runs: docker (dev) or kubernetes (prod). */
  platform: z.enum(["docker", "kubernetes"]),
  /** Environment name, the `environment` external label (dev, staging, prod). */
  environment: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "a lowercase name such as prod" }),
  /** Cluster name, the `cluster` external label. */
  cluster: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "a lowercase name" }).default("fintech"),
  /** Kubernetes namespace for the monitoring stack (prod). */
  namespace: z.string().regex(/^[a-z0-9-]{1,63}$/, { error: "a namespace name" }).default("monitoring"),
  /** Kubernetes StorageClass for the volumes; unset = cluster default. */
  storageClass: z.string().optional(),

  scrape: z
    .strictObject({
      /** How often every target is scraped (the brief: 15s). */
      interval: duration().default("15s"),
      /** Per-scrape timeout; must not exceed the interval. */
      timeout: duration().default("10s"),
      /** How often rules are evaluated. */
      evaluationInterval: duration().default("15s"),
    })
    .prefault({}),

  /** TSDB retention: both limits apply, whichever is hit first. */
  retention: z
    .strictObject({
      time: duration().default("30d"),
      /** Size cap in GB (Prometheus' --storage.tsdb.retention.size). */
      sizeGB: numeric(z.number().int().min(1).max(10000)).default(10),
    })
    .prefault({}),

  /** Persistent volume sizes in GiB. Prometheus needs headroom over retention.sizeGB for WAL and compaction. */
  storage: z
    .strictObject({
      prometheusGiB: numeric(z.number().int().min(1)).default(15),
      alertmanagerGiB: numeric(z.number().int().min(1)).default(2),
      grafanaGiB: numeric(z.number().int().min(1)).default(2),
    })
    .prefault({}),

  /** Replica counts: prod runs an HA Prometheus pair and a 3-node Alertmanager cluster. */
  replicas: z
    .strictObject({
      prometheus: numeric(z.number().int().min(1).max(2)).default(1),
      alertmanager: numeric(z.number().int().min(1).max(5)).default(1),
    })
    .prefault({}),

  /** Optional remote_write targets (Mimir, Thanos Receive, VictoriaMetrics). */
  remoteWrite: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "a lowercase name" }),
        url: z.url({ protocol: /^https?$/, error: "an http(s) URL" }),
        /** Basic auth; the password is read from the Pulumi secret named by passwordSecret. */
        basicAuth: z.strictObject({ username: z.string().min(1), passwordSecret: z.string().min(1) }).optional(),
      }),
    )
    .default([]),

  /** The application services to scrape (12 in the default fleet). */
  services: z.array(serviceSchema).min(1, { error: "at least one service" }),

  /** Service level objectives (defaults from the brief in the stack files). */
  slos: z.array(sloSchema).default([]),

  /** Alert thresholds (percent) and `for` durations; see rules/. */
  alerts: z
    .strictObject({
      cpu: z
        .strictObject({ warning: thresholdFor(85, "10m"), critical: thresholdFor(95, "5m") })
        .prefault({}),
      /** HighMemoryUsage: working set over its limit (containers) or host memory used. */
      memory: thresholdFor(90, "10m"),
      /**
       * Predictive page (MemoryExhaustionImminent): memory above `minPercent` and, extrapolated
       * over `lookback`, at the limit within `horizon`; it then stays firing while memory is above
       * `memory.threshold`. 60% and 30s page a 10%->92% ramp of 2 minutes within 2 minutes of its
       * start (75% and 1m would take 3); below 60% a service is never predicted (restarts warm up
       * there). See rules/README.md.
       */
      memoryPredictive: z
        .strictObject({
          horizon: duration().default("15m"),
          lookback: duration().default("5m"),
          minPercent: percent(60),
          for: duration().default("30s"),
        })
        .prefault({}),
      disk: thresholdFor(85, "5m"),
      /** A target that fails to be scraped for this long. */
      targetDown: z.strictObject({ for: duration().default("2m") }).prefault({}),
      /** Burn-rate alerts are silenced below this request rate (one failure on a quiet service must not page). */
      minRequestsPerSecond: numeric(z.number().min(0)).default(0.2),
      /**
       * The fast burn tier (2m and 1m windows), added because the standard 14.4x tier needs minutes
       * of total failure to notice an outage on a 99.5% or latency SLO. It pages when at least this
       * percentage of requests is bad in both windows (and never below 10x the SLO's budget).
       * 10% detects a full outage in 30 s and a 20% error ratio in 90 s at the rule level; see
       * rules/README.md.
       */
      fastBurn: z.strictObject({ errorPercent: percent(10) }).prefault({}),
      /** Base URL of docs/runbooks; every alert links to `<runbookBaseUrl>/<AlertName>.md`. */
      runbookBaseUrl: z
        .url({ protocol: /^https?$/, error: "an http(s) URL such as https://github.com/org/repo/blob/main/docs/runbooks" })
        .default("https://github.com/fintech/monitoring-stack/blob/main/docs/runbooks"),
    })
    .prefault({}),

  /** Alertmanager routing. Secrets (routing key, webhook URL) are Pulumi secrets, not set here. */
  alertmanager: z
    .strictObject({
      /** PagerDuty Events API v2 endpoint. */
      pagerdutyUrl: z.url({ protocol: /^https?$/ }).default("https://events.pagerduty.com/v2/enqueue"),
      /** Slack channel for warnings. */
      slackChannel: z.string().regex(/^#[a-z0-9_-]+$/, { error: "a channel such as #alerts-warning" }).default("#alerts-warning"),
      resolveTimeout: duration().default("5m"),
      /** Wait before the first notification of a group: short for pages. */
      criticalGroupWait: duration().default("10s"),
      warningGroupWait: duration().default("30s"),
      groupInterval: duration().default("5m"),
      repeatInterval: duration().default("4h"),
    })
    .prefault({}),

  grafana: z
    .strictObject({
      adminUser: z.string().regex(/^[a-z][a-z0-9_-]*$/).default("admin"),
    })
    .prefault({}),

  /** The Nginx front door: the only thing reachable from outside. */
  frontDoor: z
    .strictObject({
      hostname: z.string().regex(/^[a-z0-9.-]+$/, { error: "a DNS name" }).default("grafana.internal.example.com"),
      /** Nginx replicas behind the LoadBalancer (kubernetes); 1 on docker. */
      replicas: numeric(z.number().int().min(1).max(10)).default(1),
      /** Sustained requests per second per client IP; excess gets 429. */
      rateLimitPerSecond: numeric(z.number().int().min(1).max(10000)).default(NGINX_DEFAULTS.ratePerSecond),
      /** Requests above the rate served at once before 429s start (see nginx/README.md). */
      burst: numeric(z.number().int().min(0).max(1000)).default(NGINX_DEFAULTS.burst),
      /** Basic-auth user names; passwords are generated (random) and exported as secrets. */
      basicAuthUsers: z.array(z.string().regex(/^[a-z][a-z0-9_-]*$/, { error: "a lowercase user name" })).min(1).default(["ops"]),
      /** Docker only: host ports published for HTTPS and HTTP. */
      hostHttpsPort: numeric(z.number().int().min(1).max(65535)).default(8443),
      hostHttpPort: numeric(z.number().int().min(1).max(65535)).default(8080),
      /** Kubernetes only: who may reach the LoadBalancer (empty = anyone). */
      loadBalancerSourceRanges: z.array(z.string()).default([]),
      /** Trusted proxy CIDRs whose X-Forwarded-For is believed (cloud load balancers). */
      trustedProxies: z.array(z.string()).default([]),
    })
    .prefault({}),

  /** Run the 12-service demo fleet and traffic generator beside the stack (dev only). */
  demoFleet: bool().default(false),

  /** Pinned images. */
  images: z
    .strictObject({
      prometheus: pinnedImage("prom/prometheus:v3.5.0"),
      alertmanager: pinnedImage("prom/alertmanager:v0.28.1"),
      grafana: pinnedImage("grafana/grafana:12.1.1"),
      nodeExporter: pinnedImage("prom/node-exporter:v1.9.1"),
      cadvisor: pinnedImage("gcr.io/cadvisor/cadvisor:v0.52.1"),
      // Alpine: busybox wget for the health check; musl crypt() verifies $2a$/$2y$ bcrypt (not $2b$: nginx/hash.ts).
      nginx: pinnedImage("nginx:1.28.0-alpine"),
    })
    .prefault({}),

  /** Requests and limits per component. */
  resources: z
    .strictObject({
      prometheus: resources("500m", "2Gi", "2", "4Gi"),
      alertmanager: resources("50m", "64Mi", "200m", "256Mi"),
      grafana: resources("100m", "256Mi", "500m", "512Mi"),
      nodeExporter: resources("50m", "32Mi", "250m", "128Mi"),
      cadvisor: resources("100m", "128Mi", "500m", "512Mi"),
      nginx: resources("50m", "32Mi", "500m", "128Mi"),
    })
    .prefault({}),
});

/** Raw input type (before defaults). */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
/** The validated configuration with every default filled in. */
export type StackConfig = z.output<typeof stackConfigSchema>;
