// The CloudNativePG Barman Cloud plugin's ObjectStore (apiVersion barmancloud.cnpg.io/v1), written from the plugin's
// API (api/v1/objectstore_types.go) for the fields this project's manifests may use: no schema package for it is
// served, so these types are both the schema and the strict field list. Its configuration is the operator's own
// barman-cloud object store configuration, from the CloudNativePG schema package, without serverName (the plugin
// refuses it there: the Cluster's plugin parameters name the server).
import type { IBarmanObjectStoreConfiguration } from "@kubernetes-models/cloudnative-pg/github.com/cloudnative-pg/barman-cloud/pkg/api/BarmanObjectStoreConfiguration";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";

export interface IObjectStore {
  apiVersion: "barmancloud.cnpg.io/v1";
  kind: "ObjectStore";
  metadata: IObjectMeta;
  spec: IObjectStoreSpec;
}

export interface IObjectStoreSpec {
  configuration: Omit<IBarmanObjectStoreConfiguration, "serverName">;
  // XXu: a positive number of days, weeks or months.
  retentionPolicy?: `${number}${"d" | "w" | "m"}`;
  instanceSidecarConfiguration?: IInstanceSidecarConfiguration;
}

export interface IInstanceSidecarConfiguration {
  env?: IEnvVar[];
  retentionPolicyIntervalSeconds?: number;
  resources?: IResourceRequirements;
  additionalContainerArgs?: string[];
  logLevel?: "error" | "warning" | "info" | "debug" | "trace";
}
