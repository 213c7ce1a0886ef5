package drive

import (
	"context"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// networkConditions are Network.emulateNetworkConditions' params for each
// network page/emulate knows: DevTools' presets (throughput in bytes/s,
// latency in ms).
var networkConditions = map[string]map[string]any{
	protocol.NetworkOffline: {"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
	protocol.NetworkSlow3G:  {"offline": false, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
	protocol.NetworkFast3G:  {"offline": false, "latency": 562.5, "downloadThroughput": 180_000, "uploadThroughput": 84_375},
	protocol.NetworkNone:    {"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
}

// Emulate changes what the page sees of its device and network; what the
// params leave out stays as it is. It answers with what is in effect.
func (pg *Page) Emulate(ctx context.Context, p protocol.EmulateParams) (protocol.EmulateResult, error) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if v := p.Viewport; v != nil {
		if v.Width == 0 {
			if err := call(ctx, pg.Main, "Emulation.clearDeviceMetricsOverride", nil, nil); err != nil {
				return pg.emulated, err
			}
			pg.emulated.Viewport = nil
		} else {
			scale := v.DeviceScaleFactor
			if scale == 0 {
				scale = 1
			}
			if err := call(ctx, pg.Main, "Emulation.setDeviceMetricsOverride", map[string]any{
				"width": v.Width, "height": v.Height, "deviceScaleFactor": scale, "mobile": v.Mobile,
			}, nil); err != nil {
				return pg.emulated, err
			}
			vp := *v
			vp.DeviceScaleFactor = scale
			pg.emulated.Viewport = &vp
		}
	}
	if ua := p.UserAgent; ua != nil {
		// An empty override is Chrome's own user agent again.
		if err := call(ctx, pg.Main, "Emulation.setUserAgentOverride", map[string]string{"userAgent": *ua}, nil); err != nil {
			return pg.emulated, err
		}
		pg.emulated.UserAgent = *ua
	}
	if cs := p.ColorScheme; cs != nil {
		if err := call(ctx, pg.Main, "Emulation.setEmulatedMedia", map[string]any{
			"features": []map[string]string{{"name": "prefers-color-scheme", "value": *cs}},
		}, nil); err != nil {
			return pg.emulated, err
		}
		pg.emulated.ColorScheme = *cs
	}
	if p.Network != "" {
		if err := call(ctx, pg.Main, "Network.emulateNetworkConditions", networkConditions[p.Network], nil); err != nil {
			return pg.emulated, err
		}
		pg.emulated.Network = p.Network
	}
	if c := p.CPUThrottling; c != nil {
		rate := max(*c, 1)
		if err := call(ctx, pg.Main, "Emulation.setCPUThrottlingRate", map[string]float64{"rate": rate}, nil); err != nil {
			return pg.emulated, err
		}
		pg.emulated.CPUThrottling = rate
	}
	return pg.emulated, nil
}
