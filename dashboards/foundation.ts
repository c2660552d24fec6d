/**
 * Grafana's foundation SDK (@grafana/grafana-foundation-sdk, pinned 0.0.21), one namespace per
 * package entry point.
 *
 * Why this file: the SDK publishes its entry points only through package.json "exports"
 * ("@grafana/grafana-foundation-sdk/dashboard", ...), which the project's
 * `moduleResolution: "node"` (tsconfig.json, shared) cannot see. So the types come from the
 * files behind those entry points (dist/<name>, type-only imports, erased at compile time)
 * and the values from the exported entry points at run time, exactly what Node resolves.
 * With `moduleResolution: "node16"` project-wide this file could become plain re-exports.
 */
import type * as BargaugeNs from "@grafana/grafana-foundation-sdk/dist/bargauge";
import type * as CogNs from "@grafana/grafana-foundation-sdk/dist/cog";
import type * as CommonNs from "@grafana/grafana-foundation-sdk/dist/common";
import type * as DashboardNs from "@grafana/grafana-foundation-sdk/dist/dashboard";
import type * as PrometheusNs from "@grafana/grafana-foundation-sdk/dist/prometheus";
import type * as StatNs from "@grafana/grafana-foundation-sdk/dist/stat";
import type * as TimeseriesNs from "@grafana/grafana-foundation-sdk/dist/timeseries";

/* eslint-disable @typescript-eslint/no-require-imports */
export const bargauge: typeof BargaugeNs = require("@grafana/grafana-foundation-sdk/bargauge");
export const common: typeof CommonNs = require("@grafana/grafana-foundation-sdk/common");
export const dashboard: typeof DashboardNs = require("@grafana/grafana-foundation-sdk/dashboard");
export const prometheus: typeof PrometheusNs = require("@grafana/grafana-foundation-sdk/prometheus");
export const stat: typeof StatNs = require("@grafana/grafana-foundation-sdk/stat");
export const timeseries: typeof TimeseriesNs = require("@grafana/grafana-foundation-sdk/timeseries");

/** Types used by the builders. */
export type Builder<T> = CogNs.Builder<T>;
export type Dashboard = DashboardNs.Dashboard;
export type DashboardLink = DashboardNs.DashboardLink;
export type DynamicConfigValue = DashboardNs.DynamicConfigValue;
export type Panel = DashboardNs.Panel;
export type RowPanel = DashboardNs.RowPanel;
export type ValueMapping = DashboardNs.ValueMapping;
export type StatPanelBuilder = StatNs.PanelBuilder;
export type TimeseriesPanelBuilder = TimeseriesNs.PanelBuilder;
export type BarGaugePanelBuilder = BargaugeNs.PanelBuilder;
export type DataqueryBuilder = PrometheusNs.DataqueryBuilder;
export type DashboardBuilder = DashboardNs.DashboardBuilder;
export type ThresholdsConfigBuilder = DashboardNs.ThresholdsConfigBuilder;
