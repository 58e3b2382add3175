// Validates Kubernetes manifests offline against the Kubernetes API's OpenAPI schemas (the
// kubernetes-models package: required fields, types, formats and enums of every built-in kind) and the
// custom resources the manifests use against their CRDs' schemas (Gateway API's Gateway and HTTPRoute,
// cert-manager's Certificate, External Secrets Operator's ExternalSecret, Prometheus Operator's ServiceMonitor,
// CloudNativePG's Cluster, Database and ScheduledBackup: the @kubernetes-models packages gateway-api, cert-manager,
// external-secrets, prometheus-operator and cloudnative-pg).
//
//   kubectl kustomize deploy/k8s/overlays/prod | node deploy/k8s/validate
//
// Built-in kinds are also checked strictly: a field their type does not define (as the Kubernetes client's generated
// models list them) is an error.
//
// Prints one line per invalid object and exits 1 when any is invalid (2 on unreadable input); prints
// "<n> objects valid" otherwise. Kinds without a schema here (other custom resources) are reported as errors.
//
// Trusted proxies: a ConfigMap key ForwardedHeaders__KnownNetworks__<n> wider than MAX_TRUSTED_PREFIX_V4
// (default 24) or MAX_TRUSTED_PREFIX_V6 (default 64) is refused (any pod in it could choose the client
// address the allow-lists see) unless the ConfigMap's annotation introserv.io/wide-trusted-network says why.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// The fields of each built-in type, from the Kubernetes client's generated models (one module per type).
const models = new Map();
async function modelOf(type) {
  if (!models.has(type)) {
    try {
      models.set(type, (await import(`@kubernetes/client-node/dist/gen/models/${type}.js`))[type] ?? null);
    } catch {
      models.set(type, null);
    }
  }
  return models.get(type);
}

// Collects the paths of fields the type does not define, recursively (arrays, maps and nested types).
async function unknownFields(value, type, path, found) {
  if (value === null || typeof value !== "object") return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) await unknownFields(item, array[1], `${path}/${index}`, found);
    }
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [key, item] of Object.entries(value)) await unknownFields(item, map[1], `${path}/${key}`, found);
    return;
  }
  const model = await modelOf(type);
  if (!model?.attributeTypeMap || Array.isArray(value)) return;
  const fields = new Map(model.attributeTypeMap.map((field) => [field.baseName, field.type]));
  for (const [key, item] of Object.entries(value)) {
    if (!fields.has(key)) found.push(`${path}/${key}`);
    else await unknownFields(item, fields.get(key), `${path}/${key}`, found);
  }
}

const crdPackages = {
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
};

const input = readFileSync(process.argv[2] ?? 0, "utf8");
const documents = parseAllDocuments(input);
let checked = 0;
const problems = [];

for (const document of documents) {
  if (document.errors.length > 0) {
    console.error(`unreadable YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    process.exit(2);
  }
  const object = document.toJS();
  if (object === null || object === undefined) continue;
  const name = `${object.kind}/${object.metadata?.name ?? "(no name)"}`;
  const [group, version] = String(object.apiVersion ?? "").includes("/")
    ? object.apiVersion.split("/")
    : ["", object.apiVersion];
  // Built-in kinds from kubernetes-models; the custom resources the manifests use from the models generated
  // from their projects' CRDs (Gateway API, cert-manager).
  const crdPackage = crdPackages[group];
  const path = crdPackage
    ? `${crdPackage}/${group}/${version}/${object.kind}`
    : `kubernetes-models/${group ? `${group}/` : ""}${version}/${object.kind}`;
  let Model;
  try {
    Model = (await import(path))[object.kind];
  } catch {
    problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
    // Built-in kinds also strictly: a field the API does not define (a misspelt livenessProbe) is an error
    // here, where the API server would drop it or refuse it.
    if (!crdPackage) {
      const unknown = [];
      await unknownFields(object, `${version[0].toUpperCase()}${version.slice(1)}${object.kind}`, "", unknown);
      if (unknown.length > 0) {
        problems.push(`${name}: ${unknown.map((path) => `${path} is not a field of the API`).join("; ")}`);
        continue;
      }
    }
    checked++;
  } catch (error) {
    const details = (error.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    problems.push(`${name}: ${details || error.message}`);
  }
}

const maxV4 = Number(process.env.MAX_TRUSTED_PREFIX_V4 ?? 24);
const maxV6 = Number(process.env.MAX_TRUSTED_PREFIX_V6 ?? 64);

function trustedNetworkProblems(object) {
  if (object.kind !== "ConfigMap" || object.apiVersion !== "v1") return [];
  const reason = object.metadata?.annotations?.["introserv.io/wide-trusted-network"];
  if (typeof reason === "string" && reason.trim().length > 0) return [];
  const found = [];
  for (const [key, value] of Object.entries(object.data ?? {})) {
    if (!/^ForwardedHeaders__KnownNetworks__\d+$/.test(key) || String(value).trim() === "") continue;
    const [address, bits] = String(value).trim().split("/");
    const prefix = Number(bits);
    const limit = address.includes(":") ? maxV6 : maxV4;
    if (!Number.isInteger(prefix) || prefix < limit) {
      found.push(`ConfigMap/${object.metadata?.name}: ${key}=${value} trusts a network wider than /${limit} ` +
        `(annotate introserv.io/wide-trusted-network with the reason, or narrow it)`);
    }
  }
  return found;
}

for (const document of documents) {
  const object = document.toJS();
  if (object) problems.push(...trustedNetworkProblems(object));
}

for (const problem of problems) console.log(problem);
if (problems.length > 0) process.exit(1);
console.log(`${checked} objects valid`);
