/**
 * Panel shapes the dashboards share: time series, bar gauges and stats with the settings every
 * panel of the stack has (fixed datasource, unit, title and description), so each dashboard
 * file only says what it shows.
 */
import { bargauge, common, dashboard, stat, timeseries, type BarGaugePanelBuilder, type DynamicConfigValue, type StatPanelBuilder, type TimeseriesPanelBuilder } from "./foundation";
import type { ThresholdStep } from "./health";
import { DATASOURCE, thresholds } from "./sdk";

/** Options of a time series panel. */
export interface SeriesOptions {
  /** Stack the series (parts of a whole: requests by endpoint). */
  stacked?: boolean;
  /** Draw these thresholds as lines (alert thresholds). */
  lines?: ThresholdStep[];
  /** Allow negative values (transmitted bytes drawn below the axis); otherwise the axis starts at 0. */
  negative?: boolean;
}

/** A time series panel, 12 wide and 8 high unless resized. */
export function seriesPanel(title: string, description: string, unit: string, o: SeriesOptions = {}): TimeseriesPanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .fillOpacity(o.stacked ? 30 : 10)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .height(8)
    .span(12);
  if (!o.negative) p.min(0);
  if (o.stacked) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.lines) p.thresholds(thresholds(o.lines)).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  return p;
}

/** A horizontal bar gauge (top-k lists, budgets per SLO), one bar per series. */
export function barsPanel(title: string, description: string, unit: string, steps: ThresholdStep[] | null): BarGaugePanelBuilder {
  const p = new bargauge.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .valueMode(common.BarGaugeValueMode.Text)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false).fields(""))
    .min(0)
    .height(9)
    .span(8);
  if (steps) p.thresholds(thresholds(steps));
  else p.colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.ContinuousBlues));
  return p;
}

/** A single-value stat (no per-series thresholds): totals and rates for leadership. */
export function statPanel(title: string, description: string, unit: string, steps: ThresholdStep[] | null): StatPanelBuilder {
  const p = new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false).fields(""))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(steps ? common.BigValueColorMode.Background : common.BigValueColorMode.None)
    .height(5)
    .span(6);
  if (steps) p.thresholds(thresholds(steps));
  return p;
}

/** Override properties that paint a series in one fixed color. */
export function fixedColor(color: string): DynamicConfigValue[] {
  return [{ id: "color", value: { mode: "fixed", fixedColor: color } }];
}
