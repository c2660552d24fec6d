// Command cadvisor is the local stack's cAdvisor: the upstream library
// (github.com/google/cadvisor at the version the images pin, scripts/tools/versions.env
// CADVISOR_VERSION) under a small main of our own.
//
// Why not the upstream command: it lives in the nested module
// github.com/google/cadvisor/cmd, which the Go module proxy does not serve (404 for every
// version), and the root module's zip does not contain cmd/. Everything that measures is in
// the root module — the manager, the raw cgroup container handler (what the kubelet embeds),
// the OOM watcher and the Prometheus collector — so this main only wires those together.
//
// What it mirrors (upstream cmd/cadvisor.go and cmd/internal/http/handlers.go):
//   - the in-memory stats cache (--storage_duration, default 2m), no storage backends;
//   - manager.New with the housekeeping flags, the included metric set computed the same
//     way (every metric kind minus the same default --disable_metrics list, or exactly
//     --enable_metrics), --raw_cgroup_prefix_whitelist and --docker_only as upstream;
//   - /metrics: a fresh registry per scrape holding the container collector (latest sample,
//     recursive, by name), the machine collector, the Go and process collectors, served with
//     ContinueOnError; container labels from metrics.DefaultContainerLabels (id, name,
//     image, container_label_*), or with --store_container_labels=false the base labels plus
//     --whitelisted_container_labels, so metric names and labels are upstream's;
//   - /healthz answering "ok"; SIGINT/SIGTERM stop the manager, then exit 0.
//
// What it leaves out: the container runtime plugins (docker, containerd, cri-o, podman,
// mesos, systemd: the local stack runs plain processes in cgroups, which the raw handler
// covers), cloud-provider detection (it would probe metadata endpoints), the web UI, the
// REST API (/api/...), /validate, HTTP auth, pprof, collector TLS certificates, storage
// drivers, --url_base_prefix, --env_metadata_whitelist (raw cgroups carry no env), --max_procs,
// and query parameters on /metrics; logging defaults to klog's -v=0 (upstream: 2). The
// library's own flags (--housekeeping_interval, --docker_only, --disable_root_cgroup_stats,
// ...) keep their upstream names and defaults because the library packages define them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/cadvisor/cache/memory"
	"github.com/google/cadvisor/container"
	v2 "github.com/google/cadvisor/info/v2"
	"github.com/google/cadvisor/manager"
	"github.com/google/cadvisor/metrics"
	"github.com/google/cadvisor/utils/sysfs"
	"github.com/google/cadvisor/version"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

var (
	listenIP           = flag.String("listen_ip", "", "IP to listen on, defaults to all IPs")
	port               = flag.Int("port", 8080, "port to listen")
	prometheusEndpoint = flag.String("prometheus_endpoint", "/metrics", "Endpoint to expose Prometheus metrics on")
	rawPrefixes        = flag.String("raw_cgroup_prefix_whitelist", "", "A comma-separated list of cgroup path prefix that needs to be collected even when -docker_only is specified")
	storageDuration    = flag.Duration("storage_duration", 2*time.Minute, "How long to keep data stored (Default: 2min).")
	printVersion       = flag.Bool("version", false, "print cAdvisor version and exit")
	storeLabels        = flag.Bool("store_container_labels", true, "convert container labels and environment variables into labels on prometheus metrics for each container. If flag set to false, then only metrics exported are container name, first alias, and image name")
	allowedLabels      = flag.String("whitelisted_container_labels", "", "comma separated list of container labels to be converted to labels on prometheus metrics for each container. store_container_labels must be set to false for this to take effect.")

	// The default disabled set of upstream's command (expensive or niche kinds).
	ignoreMetrics = container.MetricSet{
		container.MemoryNumaMetrics:              struct{}{},
		container.NetworkTcpUsageMetrics:         struct{}{},
		container.NetworkUdpUsageMetrics:         struct{}{},
		container.NetworkAdvancedTcpUsageMetrics: struct{}{},
		container.ProcessSchedulerMetrics:        struct{}{},
		container.ProcessMetrics:                 struct{}{},
		container.HugetlbUsageMetrics:            struct{}{},
		container.ReferencedMemoryMetrics:        struct{}{},
		container.CPUTopologyMetrics:             struct{}{},
		container.ResctrlMetrics:                 struct{}{},
		container.CPUSetMetrics:                  struct{}{},
	}
	enableMetrics = container.MetricSet{}
)

func init() {
	kinds := container.AllMetrics.String()
	flag.Var(&ignoreMetrics, "disable_metrics", fmt.Sprintf("comma-separated list of `metrics` to be disabled. Options are %s.", kinds))
	flag.Var(&enableMetrics, "enable_metrics", fmt.Sprintf("comma-separated list of `metrics` to be enabled. If set, overrides 'disable_metrics'. Options are %s.", kinds))
}

func main() {
	klog.InitFlags(nil)
	defer klog.Flush()
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments %q; every option is a -flag (see -help)\n", flag.Args())
		os.Exit(2)
	}
	if *printVersion {
		fmt.Printf("cAdvisor version %s (library github.com/google/cadvisor, local/cadvisor main)\n", version.Info["version"])
		return
	}
	if err := run(); err != nil {
		klog.Errorf("cadvisor: %v", err)
		klog.Flush()
		os.Exit(1)
	}
}

func run() error {
	included := container.AllMetrics.Difference(ignoreMetrics)
	if len(enableMetrics) > 0 {
		included = enableMetrics
	}
	klog.V(1).Infof("enabled metrics: %s", included.String())

	hk := manager.HousekeepingConfigFlags
	resourceManager, err := manager.New(memory.New(*storageDuration, nil), sysfs.NewRealSysFs(), hk, included,
		http.DefaultClient, strings.Split(*rawPrefixes, ","), nil, "", 0)
	if err != nil {
		return fmt.Errorf("creating the container manager: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	goCollector := collectors.NewGoCollector()
	processCollector := collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})
	machineCollector := metrics.NewPrometheusMachineCollector(resourceManager, included)
	labelsFunc := metrics.DefaultContainerLabels
	if !*storeLabels {
		labelsFunc = metrics.BaseContainerLabels(strings.Split(*allowedLabels, ","))
	}
	mux.Handle(*prometheusEndpoint, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Latest sample of every container below "/", by name: what upstream asks for.
		opts := v2.RequestOptions{IdType: v2.TypeName, Count: 1, Recursive: true}
		r := prometheus.NewRegistry()
		r.MustRegister(
			metrics.NewPrometheusCollector(resourceManager, labelsFunc, included, clock.RealClock{}, opts),
			machineCollector, goCollector, processCollector,
		)
		promhttp.HandlerFor(r, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, req)
	}))

	if err := resourceManager.Start(); err != nil {
		return fmt.Errorf("starting the container manager: %w", err)
	}

	addr := net.JoinHostPort(*listenIP, strconv.Itoa(*port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = resourceManager.Stop()
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	klog.Infof("Starting cAdvisor version %s on %s", version.Info["version"], ln.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case sig := <-stop:
		klog.Infof("Exiting given signal: %v", sig)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		return resourceManager.Stop()
	case err := <-served:
		_ = resourceManager.Stop()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
