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
import { HTTP_DURATION_BUCKETS, SLO_WINDOWS } from "./conventions";

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

/**
 * A duration that must not be zero: Prometheus and Alertmanager read a zero interval, timeout,
 * retention or resolve timeout as "unset" and silently use their own default (1m scrape
 * interval, 15d retention, ...), or refuse to load (group_interval, repeat_interval). Alert `for`
 * and group_wait keep plain duration(): zero is meaningful there (fire / notify at once).
 */
const positiveDuration = () =>
  duration().refine((s) => !/^(0+(ms|y|w|d|h|m|s))+$/.test(s), {
    error: "a duration above zero such as 15s or 5m (Prometheus and Alertmanager read 0 as 'use the default', not as zero)",
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

/**
 * Headers Prometheus refuses in remote_write `headers` because it sets them itself (lower case).
 * tests/render.test.ts proves promtool rejects each one, so the schema refuses nothing Prometheus accepts.
 */
export const RESERVED_REMOTE_WRITE_HEADERS = [
  "authorization",
  "host",
  "content-encoding",
  "content-length",
  "content-type",
  "user-agent",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "www-authenticate",
  "accept-encoding",
  "x-prometheus-remote-write-version",
  "x-prometheus-remote-read-version",
];

/** A Pulumi config key that names a secret (letters, digits, - and _). */
const SECRET_KEY_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SECRET_KEY_HINT = "the name of a Pulumi secret such as mimirPassword (letters, digits, - and _)";

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
  window: positiveDuration().default("30d"),
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
  /**
   * Namespace of the node agents (node-exporter, cAdvisor), which need host access that Pod
   * Security "restricted" (the main namespace's level) forbids; unset = `<namespace>-node-agents`.
   */
  nodeAgentsNamespace: z.string().regex(/^[a-z0-9-]{1,63}$/, { error: "a namespace name" }).optional(),
  /** Kubernetes StorageClass for the volumes; unset = cluster default. */
  storageClass: z.string().optional(),

  scrape: z
    .strictObject({
      /** How often every target is scraped (the brief: 15s). */
      interval: positiveDuration().default("15s"),
      /** Per-scrape timeout; must not exceed the interval. */
      timeout: positiveDuration().default("10s"),
      /** How often rules are evaluated. */
      evaluationInterval: positiveDuration().default("15s"),
    })
    .prefault({}),

  /** TSDB retention: both limits apply, whichever is hit first. */
  retention: z
    .strictObject({
      time: positiveDuration().default("30d"),
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
      /** Thanos Store Gateway's index-header and cache directory (long-term storage only). */
      thanosStoreGiB: numeric(z.number().int().min(1)).default(10),
      /** Thanos Compactor's scratch space: it downloads whole blocks to compact them (upstream suggests ~100 GB at scale). */
      thanosCompactGiB: numeric(z.number().int().min(1)).default(50),
    })
    .prefault({}),

  /** Replica counts: prod runs an HA Prometheus pair and a 3-node Alertmanager cluster. */
  replicas: z
    .strictObject({
      prometheus: numeric(z.number().int().min(1).max(2)).default(1),
      alertmanager: numeric(z.number().int().min(1).max(5)).default(1),
    })
    .prefault({}),

  /**
   * Optional remote_write targets (Mimir, Thanos Receive, VictoriaMetrics). Both HA replicas
   * write, each with its `cluster` and `replica` external labels: configure the receiver's HA
   * deduplication on those two labels (Mimir: ha_cluster_label cluster, ha_replica_label replica).
   * At most one of basicAuth / bearerToken; credentials are Pulumi secrets read from files.
   */
  remoteWrite: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "a lowercase name" }),
        url: z.url({ protocol: /^https?$/, error: "an http(s) URL" }),
        /** Basic auth; the password is read from the Pulumi secret named by passwordSecret. */
        basicAuth: z.strictObject({ username: z.string().min(1), passwordSecret: z.string().regex(SECRET_KEY_RE, { error: SECRET_KEY_HINT }) }).optional(),
        /** `Authorization: Bearer <token>`; the token is read from the Pulumi secret named by tokenSecret. */
        bearerToken: z.strictObject({ tokenSecret: z.string().regex(SECRET_KEY_RE, { error: SECRET_KEY_HINT }) }).optional(),
        /** Extra request headers, not secret (e.g. X-Scope-OrgID: tenant-1 for Mimir's multi-tenancy). */
        headers: z
          .record(
            z
              .string()
              .regex(/^[A-Za-z0-9-]+$/, { error: "an HTTP header name such as X-Scope-OrgID" })
              .refine((h) => !RESERVED_REMOTE_WRITE_HEADERS.includes(h.toLowerCase()), {
                error: "a header Prometheus does not set itself (Authorization, Content-Type, User-Agent, ... are refused; use basicAuth or bearerToken for credentials)",
              }),
            z.string(),
          )
          .optional(),
      }),
    )
    .default([]),

  /**
   * The global query view over the Prometheus replicas (Thanos, kubernetes only): a sidecar in
   * each Prometheus pod, Thanos Query merging them and deduplicating on the `replica` label,
   * Grafana's default datasource. Docker runs one Prometheus, which Grafana reads directly.
   */
  thanos: z
    .strictObject({
      /** Thanos Query replicas behind one Service (a PodDisruptionBudget keeps one up during drains). */
      queryReplicas: numeric(z.number().int().min(1).max(10)).default(2),
      /**
       * Long-term storage in object storage, off by default: each sidecar uploads Prometheus'
       * 2-hour blocks, a Store Gateway serves them to Thanos Query, and a Compactor (a singleton)
       * compacts, downsamples (5m after 40 h, 1h after 10 d) and deletes by resolution.
       */
      longTermStorage: z
        .strictObject({
          enabled: bool().default(false),
          /**
           * Name of the Pulumi secret holding the object storage configuration, Thanos' objstore
           * YAML (`type: S3|GCS|AZURE|...` and `config:`), e.g.
           * `pulumi config set --secret thanosObjstoreConfig -- "$(cat bucket.yml)"`.
           */
          objstoreConfigSecret: z.string().regex(SECRET_KEY_RE, { error: SECRET_KEY_HINT }).default("thanosObjstoreConfig"),
          /** Retention per resolution in the bucket ("0d" keeps forever); the Compactor applies it. */
          retention: z
            .strictObject({
              raw: duration().default("90d"),
              fiveMinutes: duration().default("1y"),
              oneHour: duration().default("2y"),
            })
            .prefault({}),
          /** Downsampling by the Compactor (turn off only if nobody queries months at once). */
          downsampling: bool().default(true),
          /** Store Gateway replicas (each serves the whole bucket). */
          storeReplicas: numeric(z.number().int().min(1).max(10)).default(1),
        })
        .prefault({}),
    })
    .prefault({}),

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
      /**
       * HighMemoryUsage: working set over its limit (containers) or host memory used, for `for`.
       * The condition is judged on the median of the last `smoothing` (quantile_over_time), not on
       * each sample: one noisy scrape below the threshold must not restart a 10-minute `for`.
       */
      memory: z
        .strictObject({ threshold: percent(90), for: duration().default("10m"), smoothing: positiveDuration().default("1m") })
        .prefault({}),
      /**
       * Predictive page (MemoryExhaustionImminent): memory above `minPercent` and, extrapolated
       * over `lookback`, at the limit within `horizon`; it then stays firing while memory is above
       * `memory.threshold`. 60% and 30s page a 10%->92% ramp of 2 minutes within 2 minutes of its
       * start (75% and 1m would take 3); below 60% a service is never predicted (restarts warm up
       * there). See rules/README.md.
       */
      memoryPredictive: z
        .strictObject({
          horizon: positiveDuration().default("15m"),
          lookback: positiveDuration().default("5m"),
          minPercent: percent(60),
          for: duration().default("30s"),
        })
        .prefault({}),
      /** HighDiskUsage (warning): a host filesystem this full for `for`. */
      disk: thresholdFor(85, "5m"),
      /**
       * DiskFillingUp (page): a host filesystem above `minPercent` that, at the rate of the last
       * `lookback`, is full within `horizon`, for `for`. 30m/4h page a disk filling at 1%/minute
       * from 50% about 13 minutes in, with half an hour to spare (a 1h lookback takes 21 minutes:
       * the fit lags the ramp); ordinary log growth and rotation stay far from it.
       */
      diskFilling: z
        .strictObject({
          horizon: positiveDuration().default("4h"),
          lookback: positiveDuration().default("30m"),
          minPercent: percent(50),
          for: duration().default("5m"),
        })
        .prefault({}),
      /** TargetDown: a target that fails to be scraped for this long (ServiceDown too). */
      targetDown: z.strictObject({ for: duration().default("2m") }).prefault({}),
      /**
       * ServiceTargetsMissing: a service of `services` with no scrape target at all (scaled to
       * zero, deleted, discovery broken) for this long; critical for tier-1, warning otherwise.
       */
      targetsMissing: z.strictObject({ for: duration().default("5m") }).prefault({}),
      /**
       * The multiwindow, multi-burn-rate SLO alerts (rules/README.md): a tier fires when the share
       * of bad events over BOTH its long and short window is at least `burnRate` times the SLO's
       * error budget. Windows are the recorded ones (SLO_WINDOWS: 1m to 3d). Critical tiers page, warning
       * tiers open a ticket.
       */
      burnRate: z
        .strictObject({
          tiers: z
            .array(
              z.strictObject({
                long: z.enum(SLO_WINDOWS, { error: `one of the recorded SLO windows ${SLO_WINDOWS.join(", ")}` }),
                short: z.enum(SLO_WINDOWS, { error: `one of the recorded SLO windows ${SLO_WINDOWS.join(", ")}` }),
                burnRate: numeric(z.number().gt(0, { error: "a budget multiple above 0 such as 14.4" })),
                severity: z.enum(["critical", "warning"]),
              }),
            )
            .min(1, { error: "at least one burn-rate tier" })
            .default([
              // 14.4x pages within 5 minutes of a sustained burn (2% of a 30-day budget per hour).
              { long: "5m", short: "1m", burnRate: 14.4, severity: "critical" },
              // 6x pages within 6 hours (5% of the budget).
              { long: "6h", short: "30m", burnRate: 6, severity: "critical" },
              // 3x and 1x open tickets within a day and three days (10% of the budget each).
              { long: "1d", short: "2h", burnRate: 3, severity: "warning" },
              { long: "3d", short: "6h", burnRate: 1, severity: "warning" },
            ]),
          /**
           * A tier also needs at least this many bad events in its short window: three failed
           * requests on a service doing 0.2 r/s are a 25% error ratio, not an incident. Ten is
           * where a count stops being noise (Poisson: +-30%) while a total outage of a service at
           * 0.2 r/s still reaches it within a minute.
           */
          minBadEvents: numeric(z.number().min(1, { error: "at least 1 bad event" })).default(10),
        })
        .prefault({}),
      /** ErrorBudgetExhausted: the compliance period's budget spent for this long (a ticket). */
      budgetExhausted: z.strictObject({ for: duration().default("15m") }).prefault({}),
      /** Alerts about the monitoring stack itself (rules/meta.ts). */
      meta: z
        .strictObject({
          /** Rule evaluations failing (PrometheusRuleFailures, critical: alerts may not fire). */
          ruleFailuresFor: duration().default("5m"),
          /** Notifications failing or dropped (Alertmanager to a receiver, Prometheus to Alertmanager). */
          notificationsFailingFor: duration().default("5m"),
          /** Configuration reload failed (Prometheus or Alertmanager keeps running the old one). */
          configReloadFor: duration().default("10m"),
          /** Prometheus connected to no Alertmanager; Alertmanager cluster members missing. */
          discoveryFor: duration().default("10m"),
          /** TSDB compactions, head truncations or WAL writes failing. */
          tsdbErrorsFor: duration().default("15m"),
          /** Storage above this share of retention.sizeGB: size-based retention is deleting history early. */
          storagePercent: percent(90),
          storageFor: duration().default("30m"),
          /** remote_write more than `remoteWriteBehind` behind the newest sample, for `remoteWriteFor`. */
          remoteWriteBehind: positiveDuration().default("2m"),
          remoteWriteFor: duration().default("15m"),
        })
        .prefault({}),
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
      resolveTimeout: positiveDuration().default("5m"),
      /**
       * Wait before the first notification of a group. Unset: half the evaluation interval for
       * pages (7s500ms at 15s: a page has nothing to wait for, nothing inhibits a critical) and
       * two and a half for warnings (37s500ms), never a whole multiple of it: with more than one
       * Alertmanager a flush that coincides with an evaluation can page again after the
       * resolve (render/alertmanager.ts groupWaits; config/validate.ts refuses such values when
       * replicas.alertmanager is above 1).
       */
      criticalGroupWait: duration().optional(),
      warningGroupWait: duration().optional(),
      groupInterval: positiveDuration().default("5m"),
      /**
       * group_interval of the routes that page (PagerDuty). Alertmanager (0.28) opens an
       * aggregation group for every RESOLVED alert Prometheus re-sends, and Prometheus re-sends a
       * resolved alert every resend-delay (1m) for 15 minutes; such a group has already flushed,
       * so a new firing alert that lands in it in the ~30 s before Alertmanager drops it waits
       * for the group's next tick. An outage that comes back within 15 minutes of the last one
       * resolving therefore reaches PagerDuty up to group_interval late: measured at 5m, a page
       * not sent within the 3-minute outage. 1m bounds that delay at a minute. The price is small:
       * a group notifies at most once a minute and only when its set of alerts changed (the
       * notification log), into the same PagerDuty incident (dedup key = the group), and resolves
       * reach PagerDuty within a minute instead of five.
       */
      criticalGroupInterval: positiveDuration().default("1m"),
      repeatInterval: positiveDuration().default("4h"),
      /**
       * Dead man's switch: the always-firing Watchdog is sent every `interval` to a heartbeat
       * service (healthchecks.io, Dead Man's Snitch, Better Stack, Cronitor, ...) at the URL in the
       * `heartbeatUrl` Pulumi secret. Configure that service to expect a ping every `interval` with
       * `grace` to spare; it pages when Prometheus, Alertmanager or the path between them dies. The
       * local stack's stand-in uses exactly these two values.
       */
      heartbeat: z
        .strictObject({
          enabled: bool().default(true),
          interval: positiveDuration().default("1m"),
          grace: positiveDuration().default("30s"),
        })
        .prefault({}),
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
      /**
       * Sustained requests per second per client IP through the whole front door; excess gets
       * 429. With N replicas each enforces 1/N of it (and of the burst), because nginx counts
       * per process group and the load balancer may spread one client over all replicas.
       */
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

  /**
   * Requests and limits of the demo fleet's services: their containers on dev, and their cgroups
   * on the local stack (the memory drill fills the same limit on both). `default` applies to
   * every service not listed in `services`, which replaces it whole for the services it names.
   */
  fleetResources: z
    .strictObject({
      default: resources("50m", "128Mi", "500m", "128Mi"),
      services: z.record(z.string(), resources("50m", "128Mi", "500m", "128Mi")).default({
        // payment-processor's limit is what the memory drill fills past 90%.
        "payment-processor": { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        "merchant-api": { requests: { cpu: "50m", memory: "192Mi" }, limits: { cpu: "500m", memory: "192Mi" } },
      }),
    })
    .prefault({}),

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
      /** One image for the sidecar, query, store and compact (scripts/tools/versions.env THANOS_VERSION is the same release). */
      thanos: pinnedImage("quay.io/thanos/thanos:v0.42.4"),
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
      thanosSidecar: resources("50m", "64Mi", "500m", "256Mi"),
      thanosQuery: resources("100m", "256Mi", "1", "1Gi"),
      thanosStore: resources("100m", "512Mi", "1", "2Gi"),
      thanosCompact: resources("100m", "512Mi", "1", "2Gi"),
    })
    .prefault({}),
});

/** Raw input type (before defaults). */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
/** The validated configuration with every default filled in. */
export type StackConfig = z.output<typeof stackConfigSchema>;
