// rule-replay evaluates Prometheus rule files over the past, with Prometheus' own rule engine
// (github.com/prometheus/prometheus/rules at the version the images run), and prints every
// alert state change as a JSON line.
//
// It is what a Prometheus would have done had it run these rules while the data in --data was
// being scraped: each group is evaluated every interval at its own phase (Group.EvalTimestamp,
// as the rule manager schedules it), rules in order within a group, recordings written and read
// back by later rules and groups, alerts with their real `for` and keep_firing_for state. Nothing
// of PromQL or of the alert state machine is re-implemented here; this file only drives the
// clock. The raw series come from a TSDB (promtool tsdb create-blocks-from openmetrics); the
// recorded ones go to a second TSDB in --work, read together with the raw one.
//
// Phases: --phase FROM,TO,FILE[,FILE...] evaluates the files' groups over [FROM, TO) (unix
// seconds); phases run one after the other on the same storage, so a cheap first phase can
// record only what long windows need (the SLO 5m rates over the warm-up days) before the full
// rule set runs.
//
// Output (stdout), one JSON object per line:
//
//	{"t":1700000000,"group":"...","alert":"Name","labels":{...},"state":"pending|firing|inactive","value":0.02}
//	{"summary":{...}}   at the end: evaluations, rule errors (first few with text), seconds
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

type phase struct {
	from, to time.Time
	files    []string
}

type phases []phase

func (p *phases) String() string { return fmt.Sprint(*p) }
func (p *phases) Set(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) < 3 {
		return fmt.Errorf("--phase wants FROM,TO,FILE[,FILE...] (unix seconds), got %q", v)
	}
	from, err1 := strconv.ParseInt(parts[0], 10, 64)
	to, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || to <= from {
		return fmt.Errorf("--phase: FROM and TO must be unix seconds with FROM < TO, got %q", v)
	}
	*p = append(*p, phase{time.Unix(from, 0).UTC(), time.Unix(to, 0).UTC(), parts[2:]})
	return nil
}

type transition struct {
	T      int64             `json:"t"`
	Group  string            `json:"group"`
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
	Value  *float64          `json:"value,omitempty"`
}

type ruleError struct {
	T     int64  `json:"t"`
	Group string `json:"group"`
	Rule  string `json:"rule"`
	Error string `json:"error"`
}

type summary struct {
	Phases      int         `json:"phases"`
	Evaluations int64       `json:"groupEvaluations"`
	RuleEvals   int64       `json:"ruleEvaluations"`
	Errors      int64       `json:"ruleErrors"`
	FirstErrors []ruleError `json:"firstErrors"`
	Transitions int64       `json:"transitions"`
	Seconds     float64     `json:"seconds"`
	// The rules that took longest over the whole run (name -> seconds), costliest first.
	Costliest []ruleCost `json:"costliest"`
	cost      map[string]float64
}

type ruleCost struct {
	Rule    string  `json:"rule"`
	Seconds float64 `json:"seconds"`
}

func main() {
	var ps phases
	data := flag.String("data", "", "TSDB directory with the raw series (read only)")
	work := flag.String("work", "", "scratch directory for the recorded series' TSDB (emptied first)")
	interval := flag.Duration("interval", 15*time.Second, "evaluation interval of groups that set none")
	flag.Var(&ps, "phase", "FROM,TO,FILE[,FILE...]: evaluate these rule files over [FROM, TO); repeatable, in order")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here (for finding what a rule set costs)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	// The engine allocates per evaluation and the heap stays small: collect less often.
	debug.SetGCPercent(400)
	if *data == "" || *work == "" || len(ps) == 0 {
		fmt.Fprintln(os.Stderr, "usage: rule-replay --data DIR --work DIR --phase FROM,TO,FILE[,FILE...] [--phase ...] [--interval 15s]")
		os.Exit(2)
	}
	if err := run(*data, *work, *interval, ps); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "rule-replay:", err)
		os.Exit(1)
	}
}

func run(dataDir, workDir string, interval time.Duration, ps phases) error {
	start := time.Now()
	logger := promslog.NewNopLogger()
	ctx := context.Background()

	rawOpts := tsdb.DefaultOptions()
	rawOpts.RetentionDuration = 0 // never delete the backfilled blocks
	raw, err := tsdb.Open(dataDir, logger, nil, rawOpts, nil)
	if err != nil {
		return fmt.Errorf("open raw TSDB %s: %w", dataDir, err)
	}
	defer raw.Close()
	raw.DisableCompactions()

	recDir := filepath.Join(workDir, "recorded")
	if err := os.RemoveAll(recDir); err != nil {
		return err
	}
	recOpts := tsdb.DefaultOptions()
	recOpts.RetentionDuration = 0
	rec, err := tsdb.Open(recDir, logger, nil, recOpts, nil)
	if err != nil {
		return fmt.Errorf("open recorded TSDB: %w", err)
	}
	defer rec.Close()

	// Reads see both. Appends (recordings, ALERTS, ALERTS_FOR_STATE) go to the recorded TSDB
	// only: a fanout's appender writes to every storage, and the raw one's head rejects samples
	// older than its blocks.
	store := storage.NewFanout(logger, rec, raw)
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:               logger,
		MaxSamples:           50_000_000,
		Timeout:              10 * time.Minute,
		LookbackDelta:        5 * time.Minute,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
	})

	out := json.NewEncoder(os.Stdout)
	sum := summary{Phases: len(ps), FirstErrors: []ruleError{}, cost: map[string]float64{}}
	for _, p := range ps {
		if err := runPhase(ctx, p, interval, engine, store, rec, out, &sum); err != nil {
			return err
		}
	}
	sum.Seconds = math.Round(time.Since(start).Seconds()*10) / 10
	for name, secs := range sum.cost {
		sum.Costliest = append(sum.Costliest, ruleCost{name, math.Round(secs*100) / 100})
	}
	sort.Slice(sum.Costliest, func(i, j int) bool { return sum.Costliest[i].Seconds > sum.Costliest[j].Seconds })
	if len(sum.Costliest) > 12 {
		sum.Costliest = sum.Costliest[:12]
	}
	return out.Encode(map[string]summary{"summary": sum})
}

// One scheduled evaluation of one group.
type slot struct {
	g  *rules.Group
	ts time.Time
}

func runPhase(ctx context.Context, p phase, interval time.Duration, engine *promql.Engine, store storage.Storage, rec storage.Appendable, out *json.Encoder, sum *summary) error {
	m := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:  rules.EngineQueryFunc(engine, store),
		Appendable: rec,
		Queryable:  store,
		Context:    ctx,
		NotifyFunc: func(context.Context, string, ...*rules.Alert) {},
		Logger:     promslog.NewNopLogger(),
	})
	groupsMap, errs := m.LoadGroups(interval, labels.EmptyLabels(), "", nil, false, p.files...)
	if len(errs) > 0 {
		return fmt.Errorf("loading %v: %v", p.files, errs)
	}
	groups := make([]*rules.Group, 0, len(groupsMap))
	for _, g := range groupsMap {
		groups = append(groups, g)
		for _, r := range g.AlertingRules() {
			// As promtool's unit tests do: no `for` state to restore from a previous run.
			r.SetRestored(true)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Name() < groups[j].Name() })

	// Each group's first evaluation at or after FROM, at the phase the rule manager gives it.
	next := make([]time.Time, len(groups))
	for i, g := range groups {
		ts := g.EvalTimestamp(p.from.UnixNano())
		for ts.Before(p.from) {
			ts = ts.Add(g.Interval())
		}
		next[i] = ts
	}
	lastProgress, started := p.from, time.Now()
	// Last reported state per alert (group + rule index + labels).
	seen := map[string]seenAlert{}
	for {
		// The earliest due group (ties by name, deterministic).
		best := -1
		for i := range groups {
			if next[i].Before(p.to) && (best < 0 || next[i].Before(next[best])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		g, ts := groups[best], next[best]
		if ts.Sub(lastProgress) >= 6*time.Hour {
			lastProgress = ts
			fmt.Fprintf(os.Stderr, "rule-replay: %s, %d group evaluations, %.0fs\n", ts.Format(time.RFC3339), sum.Evaluations, time.Since(started).Seconds())
		}
		next[best] = ts.Add(g.Interval())
		g.Eval(ctx, ts)
		sum.Evaluations++
		for _, r := range g.Rules() {
			sum.RuleEvals++
			sum.cost[g.Name()+"/"+r.Name()] += r.GetEvaluationDuration().Seconds()
			if e := r.LastError(); e != nil {
				sum.Errors++
				if len(sum.FirstErrors) < 5 {
					sum.FirstErrors = append(sum.FirstErrors, ruleError{ts.Unix(), g.Name(), r.Name(), e.Error()})
				}
			}
		}
		report(g, ts, seen, out, sum)
	}
	return nil
}

// An alert as last reported.
type seenAlert struct {
	state  string
	alert  string
	labels map[string]string
}

// report prints every alert of the group whose state changed at this evaluation.
func report(g *rules.Group, ts time.Time, seen map[string]seenAlert, out *json.Encoder, sum *summary) {
	current := map[string]bool{}
	prefix := g.Name() + "\x00"
	// g.Rules() keeps file order; g.AlertingRules() sorts by state, so its indexes move.
	for ri, rule := range g.Rules() {
		r, ok := rule.(*rules.AlertingRule)
		if !ok {
			continue
		}
		for _, a := range r.ActiveAlerts() {
			key := fmt.Sprintf("%s%d\x00%s", prefix, ri, a.Labels.String())
			current[key] = true
			state := a.State.String()
			if seen[key].state == state {
				continue
			}
			seen[key] = seenAlert{state, r.Name(), a.Labels.Map()}
			v := a.Value
			emit(out, sum, transition{ts.Unix(), g.Name(), r.Name(), a.Labels.Map(), state, &v})
		}
	}
	for key, s := range seen {
		if current[key] || !strings.HasPrefix(key, prefix) {
			continue
		}
		delete(seen, key)
		emit(out, sum, transition{ts.Unix(), g.Name(), s.alert, s.labels, "inactive", nil})
	}
}

func emit(out *json.Encoder, sum *summary, t transition) {
	sum.Transitions++
	_ = out.Encode(t)
}
