// Validates Kubernetes manifests offline against the Kubernetes API's OpenAPI schemas (the
// kubernetes-models package: required fields, types, formats and enums of every built-in kind) and the
// custom resources the manifests use against their CRDs' schemas (Gateway API's Gateway and HTTPRoute,
// cert-manager's Certificate, External Secrets Operator's ExternalSecret, Prometheus Operator's ServiceMonitor,
// CloudNativePG's Cluster, Database and ScheduledBackup: the @kubernetes-models packages gateway-api, cert-manager,
// external-secrets, prometheus-operator and cloudnative-pg). The RabbitMQ operators' kinds have no schema package:
// crd-types/ declares the fields the manifests may use, and the compiler checks them against it.
//
//   kubectl kustomize deploy/k8s/overlays/prod | node deploy/k8s/validate
//
// Every object is also checked strictly: a field its type does not define is an error (a misspelt livenessProbe would
// otherwise pass, as the schemas allow unknown fields). Built-in kinds against the Kubernetes client's generated
// models; custom resources against the TypeScript types generated from their CRDs (the same @kubernetes-models
// packages), by compiling each object as a typed literal with the TypeScript compiler (its excess-property check).
//
// Prints one line per invalid object and exits 1 when any is invalid (2 on unreadable input); prints
// "<n> objects valid" otherwise. Kinds without a schema here (other custom resources) are reported as errors.
//
// Trusted proxies: a ConfigMap key ForwardedHeaders__KnownNetworks__<n> wider than MAX_TRUSTED_PREFIX_V4
// (default 24) or MAX_TRUSTED_PREFIX_V6 (default 64) is refused (any pod in it could choose the client
// address the allow-lists see) unless the ConfigMap's annotation introserv.io/wide-trusted-network says why.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

// The fields of custom resources: each object becomes `const o<n>: I<Kind> = <object>;` on its own line of a
// TypeScript file next to the packages, and the compiler names every field the CRD's type does not have. Answers
// the problems per object index.
function unknownCustomFields(resources) {
  if (resources.length === 0) return new Map();
  const here = dirname(fileURLToPath(import.meta.url));
  const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
  const file = join(here, `.strict-${process.pid}.ts`);
  const lines = resources.map(({ typeModule, kind }, n) =>
    `import type { I${kind} as T${n} } from "${typeModule}";`);
  const first = lines.length + 1;
  lines.push(...resources.map(({ object }, n) => `const o${n}: T${n} = ${JSON.stringify(object)}; void o${n};`));
  writeFileSync(file, `${lines.join("\n")}\n`);
  let output = "";
  try {
    // No --skipLibCheck: an import that does not resolve inside a type package would otherwise make its types
    // `any` and let every field under them pass.
    execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext",
      "--moduleResolution", "nodenext", "--target", "es2022", file], { cwd: here, encoding: "utf8" });
  } catch (error) {
    output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
    if (!output.trim()) throw error;
  } finally {
    rmSync(file, { force: true });
  }
  const found = new Map();
  // A diagnostic is one line; an indented line after it elaborates it.
  for (const line of output.split("\n").filter((l) => l.trim() && !/^\s/.test(l))) {
    const diagnostic = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    const match = diagnostic && basename(diagnostic[1]) === basename(file) ? diagnostic.slice(1) : null;
    const index = match ? Number(match[1]) - first : -1;
    if (!match || index < 0 || index >= resources.length) {
      // Anything but a finding on an object's line (a type package that did not resolve) fails the run: the
      // check must not pass by not running.
      console.error(`strict check of custom resources failed: ${line}`);
      process.exit(2);
    }
    // TS2353 and TS2561: a field the type does not define (the latter with a suggestion); other findings are
    // type mismatches, which the schema validation above already reports in the API's own terms (except for kinds
    // checked by their types alone).
    const excess = match[2] === "TS2353" || match[2] === "TS2561";
    if (!excess && !resources[index].typesOnly) continue;
    const field = /'"?([^'"]+)"?' does not exist in type '([^']+)'/.exec(match[3]);
    const text = field ? `${field[1]} is not a field of ${field[2].replace(/^I/, "")}` : match[3];
    found.set(index, [...(found.get(index) ?? []), text]);
  }
  return found;
}

// Custom resources without a schema package: their types in crd-types/, checked by the compiler alone (every
// finding, not only unknown fields).
const crdTypes = {
  "rabbitmq.com/v1beta1": {
    module: "./crd-types/rabbitmq.com-v1beta1.js", kinds: ["RabbitmqCluster", "Vhost", "User", "Permission"],
  },
  "barmancloud.cnpg.io/v1": { module: "./crd-types/barmancloud.cnpg.io-v1.js", kinds: ["ObjectStore"] },
};

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
const customResources = [];

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
  const types = crdTypes[object.apiVersion];
  if (types) {
    if (types.kinds.includes(object.kind)) {
      customResources.push({ name, kind: object.kind, typeModule: types.module, object, typesOnly: true });
    } else {
      problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind}`);
    }
    continue;
  }
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
    if (crdPackage) {
      customResources.push({ name, kind: object.kind, typeModule: path, object });
      continue;
    }
    checked++;
  } catch (error) {
    const details = (error.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    problems.push(`${name}: ${details || error.message}`);
  }
}

const strict = unknownCustomFields(customResources);
for (const [index, resource] of customResources.entries()) {
  const unknown = strict.get(index);
  if (unknown) problems.push(`${resource.name}: ${unknown.join("; ")}`);
  else checked++;
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
