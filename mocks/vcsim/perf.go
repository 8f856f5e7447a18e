package main

// Datastore latency from the PerformanceManager, as `datastore-latency` reads it
// (issue 16): the write latency of a datastore is reported per ESXi host that
// mounts it, by the HostSystem counters datastore.totalWriteLatency.average
// (ms) and datastore.totalReadLatency.average, whose instance is the
// datastore's volume UUID (the last path element of its summary.url), and the
// aggregate datastore.maxTotalLatency.latest (instance "").
//
// Stock vcsim 0.24 knows these counters but offers only the host's FIRST
// datastore as instance (named by its moref), ignores the requested instance,
// returns no sample when maxSample is unset, lists samples newest first and
// fills them with noisy canned data. Here, for those three counters on a
// HostSystem:
//
//   - QueryAvailablePerfMetric lists one instance per mounted datastore;
//   - QueryPerf answers per requested instance ("*" or "" = every mounted
//     datastore; an unknown instance or a datastore the host does not mount
//     gives no series), with the value set by -datastore-latency-ms
//     (DS=MS for every host mounting DS, HOST/DS=MS for one host; else
//     -datastore-latency-default-ms) on every sample, oldest sample first;
//     maxSample unset with no startTime = the latest sample only (vCenter);
//     format=csv answers PerfEntityMetricCSV, as vCenter does;
//   - -perf-stats=false models statistics that are not collected: historical
//     intervals disabled, QueryAvailablePerfMetric empty and QueryPerf returns
//     no PerfEntityMetric for HostSystem and Datastore entities.
//
// QueryPerfCounter is ours too (the stock one panics on every call).
// Everything else is answered by the stock PerformanceManager.

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Counter keys of the vpx capture (vCenter numbering).
const (
	ctrReadLatency  int32 = 182 // datastore.totalReadLatency.average
	ctrWriteLatency int32 = 183 // datastore.totalWriteLatency.average
	ctrMaxLatency   int32 = 184 // datastore.maxTotalLatency.latest
)

type perfConfig struct {
	stats     bool
	defaultMs int64
	specs     []string
}

type arcPerfManager struct {
	simulator.PerformanceManager // by value and first, like the other wrappers

	cfg     perfConfig
	latency map[string]int64 // "host/ds" or "/ds" -> ms
}

func installPerf(m *simulator.Model, cfg perfConfig) error {
	ref := *m.ServiceContent.PerfManager
	stock, ok := simulator.Map.Get(ref).(*simulator.PerformanceManager)
	if !ok {
		return fmt.Errorf("perf: %s is not the stock PerformanceManager", ref)
	}
	pm := &arcPerfManager{PerformanceManager: *stock, cfg: cfg, latency: map[string]int64{}}
	hosts := map[string]bool{}
	for _, h := range hostsInOrder() {
		hosts[h.Name] = true
	}
	dss := map[string]bool{}
	for _, e := range simulator.Map.All("Datastore") {
		dss[e.Entity().Name] = true
	}
	for _, s := range cfg.specs {
		i := strings.LastIndexByte(s, '=')
		if i < 0 {
			return fmt.Errorf("-datastore-latency-ms %q: want DS=MS or HOST/DS=MS", s)
		}
		ms, err := strconv.ParseInt(s[i+1:], 10, 64)
		if err != nil || ms < 0 {
			return fmt.Errorf("-datastore-latency-ms %q: %q is not a whole number of ms", s, s[i+1:])
		}
		host, ds := "", s[:i]
		if j := strings.LastIndexByte(ds, '/'); j >= 0 {
			host, ds = ds[:j], ds[j+1:]
			if !hosts[host] {
				return fmt.Errorf("-datastore-latency-ms %q: no host named %s", s, host)
			}
		}
		if !dss[ds] {
			return fmt.Errorf("-datastore-latency-ms %q: no datastore named %s", s, ds)
		}
		pm.latency[host+"/"+ds] = ms
	}
	pm.HistoricalInterval = []types.PerfInterval{
		{Key: 1, SamplingPeriod: 300, Name: "Past day", Length: 86400, Level: 1, Enabled: cfg.stats},
		{Key: 2, SamplingPeriod: 1800, Name: "Past week", Length: 604800, Level: 1, Enabled: cfg.stats},
		{Key: 3, SamplingPeriod: 7200, Name: "Past month", Length: 2592000, Level: 1, Enabled: cfg.stats},
		{Key: 4, SamplingPeriod: 86400, Name: "Past year", Length: 31536000, Level: 1, Enabled: cfg.stats},
	}
	simulator.Map.Put(pm)
	return nil
}

// volumeUUID is the perf instance naming a datastore (vCenter: the VMFS/NFS
// volume UUID, i.e. the last element of ds:///vmfs/volumes/<uuid>/).
func volumeUUID(ds *simulator.Datastore) string {
	return path.Base(strings.TrimSuffix(ds.Summary.Url, "/"))
}

func hostDatastores(h *simulator.HostSystem) []*simulator.Datastore {
	var out []*simulator.Datastore
	for _, ref := range h.Datastore {
		if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok {
			out = append(out, ds)
		}
	}
	return out
}

func (pm *arcPerfManager) latencyOf(h *simulator.HostSystem, ds *simulator.Datastore) int64 {
	if v, ok := pm.latency[h.Name+"/"+ds.Name]; ok {
		return v
	}
	if v, ok := pm.latency["/"+ds.Name]; ok {
		return v
	}
	return pm.cfg.defaultMs
}

func isDatastoreCounter(id int32) bool {
	return id == ctrReadLatency || id == ctrWriteLatency || id == ctrMaxLatency
}

func (pm *arcPerfManager) QueryAvailablePerfMetric(ctx *simulator.Context, req *types.QueryAvailablePerfMetric) soap.HasFault {
	if !pm.cfg.stats && (req.Entity.Type == "HostSystem" || req.Entity.Type == "Datastore") {
		return &methods.QueryAvailablePerfMetricBody{Res: &types.QueryAvailablePerfMetricResponse{}}
	}
	res := pm.PerformanceManager.QueryAvailablePerfMetric(ctx, req)
	h, ok := simulator.Map.Get(req.Entity).(*simulator.HostSystem)
	body, isBody := res.(*methods.QueryAvailablePerfMetricBody)
	if !ok || !isBody || body.Res == nil {
		return res
	}
	var out []types.PerfMetricId
	for _, id := range body.Res.Returnval {
		if id.CounterId != ctrReadLatency && id.CounterId != ctrWriteLatency {
			out = append(out, id)
		}
	}
	for _, id := range vpx.HostMetrics {
		if id.CounterId == ctrReadLatency || id.CounterId == ctrWriteLatency {
			for _, ds := range hostDatastores(h) {
				out = append(out, types.PerfMetricId{CounterId: id.CounterId, Instance: volumeUUID(ds)})
			}
		}
	}
	body.Res.Returnval = out
	return body
}

// samples returns the sample times of a query, oldest first.
func samples(qs types.PerfQuerySpec) []types.PerfSampleInfo {
	interval := qs.IntervalId
	if interval <= 0 {
		interval = 20
	}
	step := time.Duration(interval) * time.Second
	end := time.Now().UTC().Truncate(step)
	if qs.EndTime != nil {
		end = qs.EndTime.UTC().Truncate(step)
	}
	n := 1
	if qs.StartTime != nil {
		// samples t with startTime < t <= end
		d := end.Sub(*qs.StartTime)
		n = int((d + step - 1) / step)
		if d <= 0 {
			n = 0
		}
	}
	if qs.MaxSample > 0 && n > int(qs.MaxSample) {
		n = int(qs.MaxSample)
	}
	out := make([]types.PerfSampleInfo, n)
	for i := range out {
		out[i] = types.PerfSampleInfo{Timestamp: end.Add(-time.Duration(n-1-i) * step), Interval: interval}
	}
	return out
}

func (pm *arcPerfManager) hostSeries(h *simulator.HostSystem, id types.PerfMetricId, n int) []types.BasePerfMetricSeries {
	series := func(instance string, v int64) types.BasePerfMetricSeries {
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = v
		}
		return &types.PerfMetricIntSeries{PerfMetricSeries: types.PerfMetricSeries{Id: types.PerfMetricId{CounterId: id.CounterId, Instance: instance}}, Value: vals}
	}
	dss := hostDatastores(h)
	if id.CounterId == ctrMaxLatency {
		var max int64
		for _, ds := range dss {
			if v := pm.latencyOf(h, ds); v > max {
				max = v
			}
		}
		return []types.BasePerfMetricSeries{series("", max)}
	}
	var out []types.BasePerfMetricSeries
	for _, ds := range dss {
		if id.Instance == "*" || id.Instance == "" || id.Instance == volumeUUID(ds) {
			out = append(out, series(volumeUUID(ds), pm.latencyOf(h, ds)))
		}
	}
	return out
}

func (pm *arcPerfManager) QueryPerf(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	vanishAt(false, "QueryPerf", req) // vanish.go
	body := &methods.QueryPerfBody{Res: &types.QueryPerfResponse{}}
	for _, qs := range req.QuerySpec {
		if simulator.Map.Get(qs.Entity) == nil {
			body.Fault_ = simulator.Fault("", &types.ManagedObjectNotFound{Obj: qs.Entity})
			body.Res = nil
			return body
		}
		if !pm.cfg.stats && (qs.Entity.Type == "HostSystem" || qs.Entity.Type == "Datastore") {
			continue // statistics not collected: no PerfEntityMetric for it
		}
		h, isHost := simulator.Map.Get(qs.Entity).(*simulator.HostSystem)
		ours, others := []types.PerfMetricId(nil), []types.PerfMetricId(nil)
		for _, id := range qs.MetricId {
			if isHost && isDatastoreCounter(id.CounterId) {
				ours = append(ours, id)
			} else {
				others = append(others, id)
			}
		}
		if len(ours) == 0 {
			one := &types.QueryPerf{This: req.This, QuerySpec: []types.PerfQuerySpec{qs}}
			res, ok := pm.PerformanceManager.QueryPerf(ctx, one).(*methods.QueryPerfBody)
			if !ok || res.Fault_ != nil {
				return res
			}
			body.Res.Returnval = append(body.Res.Returnval, res.Res.Returnval...)
			continue
		}
		info := samples(qs)
		metric := &types.PerfEntityMetric{PerfEntityMetricBase: types.PerfEntityMetricBase{Entity: qs.Entity}, SampleInfo: info}
		for _, id := range ours {
			metric.Value = append(metric.Value, pm.hostSeries(h, id, len(info))...)
		}
		if len(others) > 0 {
			rest := qs
			rest.MetricId = others
			rest.MaxSample = int32(len(info))
			if res, ok := pm.PerformanceManager.QueryPerf(ctx, &types.QueryPerf{This: req.This, QuerySpec: []types.PerfQuerySpec{rest}}).(*methods.QueryPerfBody); ok && res.Res != nil {
				for _, r := range res.Res.Returnval {
					if em, ok := r.(*types.PerfEntityMetric); ok {
						metric.Value = append(metric.Value, em.Value...)
					}
				}
			}
		}
		if qs.Format == string(types.PerfFormatCsv) {
			body.Res.Returnval = append(body.Res.Returnval, toCSV(metric))
			continue
		}
		body.Res.Returnval = append(body.Res.Returnval, metric)
	}
	return body
}

// toCSV writes a metric as vCenter does for format=csv: sampleInfoCSV is
// "interval,timestamp,..." and each series one "v1,v2,..." string.
func toCSV(m *types.PerfEntityMetric) *types.PerfEntityMetricCSV {
	info := make([]string, 0, 2*len(m.SampleInfo))
	for _, s := range m.SampleInfo {
		info = append(info, strconv.Itoa(int(s.Interval)), s.Timestamp.UTC().Format(time.RFC3339))
	}
	out := &types.PerfEntityMetricCSV{PerfEntityMetricBase: m.PerfEntityMetricBase, SampleInfoCSV: strings.Join(info, ",")}
	for _, v := range m.Value {
		series, ok := v.(*types.PerfMetricIntSeries)
		if !ok {
			continue
		}
		vals := make([]string, len(series.Value))
		for i, x := range series.Value {
			vals[i] = strconv.FormatInt(x, 10)
		}
		out.Value = append(out.Value, types.PerfMetricSeriesCSV{PerfMetricSeries: series.PerfMetricSeries, Value: strings.Join(vals, ",")})
	}
	return out
}

// QueryPerfCounter: the stock one dereferences a nil response and panics
// (the connection drops) on every call.
func (pm *arcPerfManager) QueryPerfCounter(ctx *simulator.Context, req *types.QueryPerfCounter) soap.HasFault {
	body := &methods.QueryPerfCounterBody{Res: &types.QueryPerfCounterResponse{}}
	for _, id := range req.CounterId {
		found := false
		for _, c := range pm.PerfCounter {
			if c.Key == id {
				body.Res.Returnval = append(body.Res.Returnval, c)
				found = true
				break
			}
		}
		if !found {
			body.Res = nil
			body.Fault_ = simulator.Fault(fmt.Sprintf("counter %d not found", id), &types.InvalidArgument{InvalidProperty: "counterId"})
			return body
		}
	}
	return body
}
