import { GRAFANA_UIDS } from "../../config/conventions";
import type { DashboardCheck, Json } from "./check";
import { panelsOf } from "./check";

/**
 * dashboard-linter's template-datasource-rule and panel-datasource-rule: panels and queries read
 * the provisioned datasource by its fixed uid (or a datasource variable), so a dashboard works on
 * every Grafana this stack provisions, whatever the datasource's display name.
 */
export const datasource: DashboardCheck = {
  id: "panel-datasource-rule",
  why: `panels and queries use the provisioned datasource (uid "${GRAFANA_UIDS.datasource}") or a datasource variable`,
  check: (d) => {
    const dsVars = new Set((d.templating?.list ?? []).filter((v: Json) => v.type === "datasource").map((v: Json) => `\${${v.name}}`));
    const ok = (ds: Json) => ds && ((ds.type === "prometheus" && ds.uid === GRAFANA_UIDS.datasource) || dsVars.has(ds.uid));
    return panelsOf(d).flatMap((p: Json) => [
      ...(ok(p.datasource) ? [] : [`${p.title}: panel datasource ${JSON.stringify(p.datasource)} is neither uid "${GRAFANA_UIDS.datasource}" nor a datasource variable`]),
      ...(p.targets ?? []).filter((t: Json) => t.datasource && !ok(t.datasource)).map((t: Json) => `${p.title} [${t.refId}]: query datasource ${JSON.stringify(t.datasource)}`),
    ]);
  },
};
