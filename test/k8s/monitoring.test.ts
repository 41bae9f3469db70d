import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type Any, matches, overlayView, redisOf, toolMissing } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, README, renderOverlays, shellCommands } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const readme = readFileSync(README, "utf8");
const promtoolMissing = toolMissing(
  "promtool",
  "the alert rules are not evaluated (Debian: apt-get install prometheus)",
);
const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: monitoring", (overlay) => {
  const { objects, pods, ofKind, find } = overlayView(rendered, overlay);

  it("logs Grafana in with an admin Secret of its own (not the chart's default), the one the README's install names", () => {
    const secret = find("Secret", "monitoring", "grafana-admin") as Any;
    expect(secret, "Secret monitoring/grafana-admin").toBeDefined();
    const data = Object.fromEntries(
      Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v as string, "base64").toString()]),
    );
    expect(Object.keys(data).sort()).toEqual(["admin-password", "admin-user"]);
    expect(data["admin-password"]).not.toBe("prom-operator");
    expect(data["admin-password"]!.length).toBeGreaterThanOrEqual(16);
    const install = shellCommands(readme).find((c) => c.startsWith("helm install kube-prometheus-stack"))!;
    expect(install).toContain(`grafana.admin.existingSecret=${secret.metadata.name}`);
  });

  it('points Grafana\'s Loki data source and the log shipper at Loki inside the cluster, labelled so {app="vote"} finds the app', () => {
    const configMap = (name: string) => find("ConfigMap", "monitoring", name) as Any;
    const datasources = parseYaml(configMap("vote-loki-datasource").data["loki-datasource.yaml"]).datasources as Any[];
    const loki = datasources.find((d) => d.type === "loki");
    const lokiUrl = new URL(loki.url);
    expect(lokiUrl.hostname).toMatch(/\.svc\.cluster\.local$/);
    expect(configMap("vote-loki-datasource").metadata.labels.grafana_datasource).toBe("1");
    const alloy = configMap("vote-alloy").data["config.alloy"] as string;
    const push = new URL(/url\s*=\s*"([^"]+)"/.exec(alloy)![1]!);
    expect(push.host).toBe(lokiUrl.host);
    expect(push.pathname).toBe("/loki/api/v1/push");
    expect(alloy).toMatch(
      /source_labels = \["__meta_kubernetes_pod_label_app_kubernetes_io_name"\]\s*target_label\s*=\s*"app"/,
    );
    const app = pods().filter((pod) => pod.labels["app.kubernetes.io/component"] === "web")[0]!;
    expect(app.labels["app.kubernetes.io/name"]).toBe("vote");
    const commands = shellCommands(readme);
    expect(commands.find((c) => c.startsWith("helm install alloy"))).toContain("alloy.configMap.name=vote-alloy");
    const lokiInstall = commands.find((c) => c.startsWith("helm install loki"))!;
    expect(lokiInstall).toContain("chunksCache.enabled=false");
    expect(lokiInstall).toContain("resultsCache.enabled=false");
  });

  it("sends alerts to a receiver (the stack's default one drops them) that Alertmanager selects, where the overlay has one", () => {
    const configs = ofKind("AlertmanagerConfig") as Any[];
    if (overlay === "production") expect(configs.length, "production routes its alerts somewhere").toBe(1);
    const install = shellCommands(readme).find((c) => c.startsWith("helm install kube-prometheus-stack"))!;
    const selector = /alertmanagerConfigSelector\.matchLabels\.([\w.-]+)=(\S+)/.exec(install);
    for (const config of configs) {
      expect(selector, "the README's install selects AlertmanagerConfigs").not.toBeNull();
      expect(config.metadata.labels[selector![1]!], id(config)).toBe(selector![2]);
      const receivers = new Map(config.spec.receivers.map((r: Any) => [r.name, r]));
      const receiver = receivers.get(config.spec.route.receiver) as Any;
      expect(receiver, "the route's receiver").toBeDefined();
      const refs = [...(receiver.webhookConfigs ?? [])].map((w: Any) => w.urlSecret);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const secret = find("Secret", config.metadata.namespace, ref.name) as Any;
        expect(secret?.data?.[ref.key], `${ref.name}/${ref.key}`).toBeDefined();
        expect(new URL(Buffer.from(secret.data[ref.key], "base64").toString()).protocol).toBe("https:");
      }
      // The operator only passes alerts of the config's namespace: every rule carries that label.
      for (const rule of ofKind("PrometheusRule") as Any[]) {
        for (const alert of rule.spec.groups.flatMap((g: Any) => g.rules)) {
          expect(alert.labels.namespace, alert.alert).toBe(config.metadata.namespace);
        }
      }
    }
  });

  it("scrapes through ServiceMonitors that select Services with the named port", () => {
    const monitors = ofKind("ServiceMonitor") as Any[];
    expect(monitors.length).toBeGreaterThanOrEqual(4);
    for (const monitor of monitors) {
      const services = ofKind("Service").filter(
        (s) =>
          s.metadata.namespace === monitor.metadata.namespace &&
          matches(monitor.spec.selector, s.metadata.labels ?? {}),
      ) as Any[];
      expect(services.length, monitor.metadata.name).toBeGreaterThan(0);
      for (const endpoint of monitor.spec.endpoints) {
        expect(
          services.every((s) => s.spec.ports.some((p: Any) => p.name === endpoint.port)),
          `${monitor.metadata.name} ${endpoint.port}`,
        ).toBe(true);
      }
    }
    const rule = ofKind("PrometheusRule")[0] as Any;
    const alerts = rule.spec.groups.flatMap((g: Any) => g.rules.map((r: Any) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        "VoteConsumerRestarting",
        "VoteQueueBacklogGrowing",
        "VoteHighErrorRate",
        "VoteDatabaseDown",
        "VoteRedisMemoryHigh",
      ]),
    );
    const dashboard = objects().find(
      (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
    ) as Any;
    const json = JSON.parse(Object.values(dashboard.data)[0] as string);
    const exprs = json.panels.flatMap((p: Any) => p.targets.map((t: Any) => t.expr)).join("\n");
    for (const metric of [
      "http_requests_total",
      "http_response_time_seconds_bucket",
      "votes_processed_total",
      "vote_stream_backlog",
    ]) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toMatch(/sum by \(version\)/);
  });
});

/** The annotations Prometheus would give `rule` for a ratio `value` (only humanizePercentage is templated). */
function annotationsAt(rule: Any, value: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rule.annotations as Record<string, string>).map(([key, text]) => [
      key,
      text.replace(/\{\{ \$value \| humanizePercentage \}\}/g, `${Math.round(value * 100)}%`),
    ]),
  );
}

describe.skipIf(kubectlMissing || promtoolMissing).each(OVERLAYS)(
  "the %s overlay's alert rules, evaluated by promtool",
  (overlay) => {
    const work = () => {
      const dir = mkdtempSync(join(tmpdir(), "k8s-rules-"));
      const rule = (rendered.get(overlay) ?? []).find((o) => o.kind === "PrometheusRule") as Any;
      writeFileSync(join(dir, "rules.yaml"), stringifyYaml({ groups: rule.spec.groups }));
      const rules = rule.spec.groups.flatMap((g: Any) => g.rules) as Any[];
      return { dir, byName: (name: string) => rules.find((r) => r.alert === name) };
    };

    it("are valid Prometheus rules", () => {
      const { dir } = work();
      const check = spawnSync("promtool", ["check", "rules", join(dir, "rules.yaml")], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      expect(check.stdout + check.stderr).toMatch(/SUCCESS/);
      expect(check.status).toBe(0);
    });

    it("page on the first dead letter, a certificate cert-manager fails to renew, and a backup over a day old", () => {
      const { dir, byName } = work();
      const hour = 3600;
      const alert = (name: string, labels: Record<string, string>) => ({
        exp_labels: { ...byName(name).labels, ...labels },
        exp_annotations: Object.fromEntries(
          Object.entries(byName(name).annotations as Record<string, string>).map(([key, text]) => [
            key,
            text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, label) => labels[label] ?? ""),
          ]),
        ),
      });
      const at = (eval_time: string, alertname: string, ...exp_alerts: unknown[]) => ({
        eval_time,
        alertname,
        exp_alerts,
      });
      // Times are seconds since the test's epoch (0); series are sampled every minute.
      const tests = {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [
          {
            // The counter is exported at 0 from the consumer's start: the first dead letter is an increase.
            interval: "1m",
            input_series: [
              {
                series: 'votes_processed_total{namespace="vote", pod="c-1", outcome="dead_lettered"}',
                values: "0x10 1x20",
              },
            ],
            alert_rule_test: [
              at("5m", "VoteDeadLetters"),
              at("12m", "VoteDeadLetters", alert("VoteDeadLetters", { pod: "c-1", outcome: "dead_lettered" })),
            ],
          },
          {
            interval: "1m",
            input_series: [
              // vote-tls: 10 days left and not renewed; grafana-tls: 60 days left.
              {
                series:
                  'certmanager_certificate_expiration_timestamp_seconds{exported_namespace="vote", name="vote-tls"}',
                values: `${10 * 24 * hour}x120`,
              },
              {
                series:
                  'certmanager_certificate_expiration_timestamp_seconds{exported_namespace="monitoring", name="grafana-tls"}',
                values: `${60 * 24 * hour}x120`,
              },
              {
                series:
                  'certmanager_certificate_ready_status{exported_namespace="monitoring", name="grafana-tls", condition="False"}',
                values: "0x10 1x110",
              },
            ],
            alert_rule_test: [
              at("30m", "VoteCertificateExpiresSoon"),
              at(
                "90m",
                "VoteCertificateExpiresSoon",
                alert("VoteCertificateExpiresSoon", { exported_namespace: "vote", name: "vote-tls" }),
              ),
              at("20m", "VoteCertificateNotReady"),
              at(
                "40m",
                "VoteCertificateNotReady",
                alert("VoteCertificateNotReady", { exported_namespace: "monitoring", name: "grafana-tls" }),
              ),
            ],
          },
          {
            // A backup succeeded at 1 h; by 28 h there has been none for 27 h.
            interval: "1m",
            input_series: [
              { series: 'kube_cronjob_created{namespace="vote", cronjob="db-backup"}', values: "0x1800" },
              {
                series: 'kube_cronjob_status_last_successful_time{namespace="vote", cronjob="db-backup"}',
                values: `_x60 ${hour}x1740`,
              },
            ],
            alert_rule_test: [
              at("20h", "VoteBackupStale"),
              at("28h", "VoteBackupStale", alert("VoteBackupStale", { cronjob: "db-backup" })),
            ],
          },
          {
            // A CronJob that has never succeeded: quiet for its first day, then it pages.
            interval: "1m",
            input_series: [{ series: 'kube_cronjob_created{namespace="vote", cronjob="db-backup"}', values: "0x1800" }],
            alert_rule_test: [
              at("10h", "VoteBackupStale"),
              at("28h", "VoteBackupStale", alert("VoteBackupStale", { cronjob: "db-backup" })),
            ],
          },
          {
            // No backup component, no CronJob: nothing to page about.
            interval: "1m",
            input_series: [{ series: 'up{job="other"}', values: "1x1800" }],
            alert_rule_test: [at("30h", "VoteBackupStale")],
          },
        ],
      };
      writeFileSync(join(dir, "tests.yaml"), stringifyYaml(tests));
      const run = spawnSync("promtool", ["test", "rules", join(dir, "tests.yaml")], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      expect(run.stdout + run.stderr).toMatch(/SUCCESS/);
      expect(run.status).toBe(0);
    });

    it("label every alert with the namespace, where an AlertmanagerConfig in it receives them", () => {
      const { byName } = work();
      const rule = (rendered.get(overlay) ?? []).find((o) => o.kind === "PrometheusRule") as Any;
      const names = rule.spec.groups.flatMap((g: Any) => g.rules.map((r: Any) => r.alert as string));
      for (const name of names) expect(byName(name).labels.namespace, name).toBe(rule.metadata.namespace);
    });

    it("warn at 80% of maxmemory, page at 95%, and never divide by a Redis without maxmemory", () => {
      const { dir, byName } = work();
      const max = redisOf(rendered.get(overlay) ?? []).maxmemory;
      const series = (used: number, maxmemory: number) => [
        { series: 'redis_memory_used_bytes{namespace="vote", pod="redis-0"}', values: `${used}+0x40` },
        { series: 'redis_memory_max_bytes{namespace="vote", pod="redis-0"}', values: `${maxmemory}+0x40` },
      ];
      const none = (alertname: string, at: string) => ({ eval_time: at, alertname, exp_alerts: [] });
      const fires = (alertname: string, at: string, labels: Record<string, string>, value: number) => ({
        eval_time: at,
        alertname,
        exp_alerts: [
          {
            exp_labels: { ...byName(alertname).labels, ...labels },
            exp_annotations: annotationsAt(byName(alertname), value),
          },
        ],
      });
      const tests = {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: series(0.9 * max, max),
            alert_rule_test: [
              none("VoteRedisMemoryHigh", "5m"),
              fires("VoteRedisMemoryHigh", "15m", { pod: "redis-0" }, 0.9),
              none("VoteRedisFull", "15m"),
              none("VoteRedisMaxmemoryUnset", "15m"),
            ],
          },
          {
            interval: "1m",
            input_series: series(0.99 * max, max),
            alert_rule_test: [
              fires("VoteRedisFull", "5m", { pod: "redis-0" }, 0.99),
              fires("VoteRedisMemoryHigh", "15m", { pod: "redis-0" }, 0.99),
            ],
          },
          {
            interval: "1m",
            input_series: series(0.5 * max, max),
            alert_rule_test: ["VoteRedisMemoryHigh", "VoteRedisFull", "VoteRedisMaxmemoryUnset"].map((name) =>
              none(name, "30m"),
            ),
          },
          {
            // No maxmemory: the ratio would be +Inf and fire the memory alerts for nothing.
            interval: "1m",
            input_series: series(500 * 1024 ** 2, 0),
            alert_rule_test: [
              none("VoteRedisMemoryHigh", "20m"),
              none("VoteRedisFull", "20m"),
              fires("VoteRedisMaxmemoryUnset", "10m", {}, 0),
            ],
          },
        ],
      };
      writeFileSync(join(dir, "tests.yaml"), stringifyYaml(tests));
      const run = spawnSync("promtool", ["test", "rules", join(dir, "tests.yaml")], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      expect(run.stdout + run.stderr).toMatch(/SUCCESS/);
      expect(run.status).toBe(0);
    });
  },
);
