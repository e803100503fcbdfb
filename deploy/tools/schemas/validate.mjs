// Validates Kubernetes objects against the published schemas of their API (the npm packages of
// package.json: Kubernetes itself, KEDA, the Prometheus Operator, Strimzi). ManifestsTest renders
// every overlay, writes its objects as JSON and runs this; it also runs alone:
//
//   node deploy/tools/schemas/validate.mjs OBJECTS.json
//
// OBJECTS.json is an array of {"where": "overlays/prod Deployment/trainer", "object": {...}}.
// Prints one JSON document: {"checked": N, "problems": ["where: what"], "unchecked": ["where (why)"]}
// and exits 1 when there is a problem. An object whose API has no schema package here is listed
// as unchecked, not passed over in silence.
import { readFileSync } from "node:fs";

/** The module holding the models of an apiVersion, by its group. */
function moduleOf(apiVersion) {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) {
    return `kubernetes-models/${apiVersion}`;               // the core group: v1
  }
  const group = apiVersion.slice(0, slash);
  const owners = {
    "keda.sh": "@kubernetes-models/keda",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  };
  return `${owners[group] ?? "kubernetes-models"}/${apiVersion}`;
}

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = { checked: 0, problems: [], unchecked: [] };
for (const { where, object } of input) {
  let models;
  try {
    models = await import(moduleOf(object.apiVersion ?? ""));
  } catch (e) {
    out.unchecked.push(`${where} (no schema package for apiVersion ${object.apiVersion})`);
    continue;
  }
  const Model = models[object.kind];
  if (typeof Model !== "function") {
    out.unchecked.push(`${where} (no ${object.kind} in ${object.apiVersion})`);
    continue;
  }
  out.checked++;
  try {
    new Model(object).validate();
  } catch (e) {
    out.problems.push(`${where}: ${e.message}`);
  }
}
console.log(JSON.stringify(out, null, 1));
process.exit(out.problems.length > 0 ? 1 : 0);
