// The RabbitMQ Cluster Operator's RabbitmqCluster and the Messaging Topology Operator's Vhost, User and Permission
// (apiVersion rabbitmq.com/v1beta1), written from the operators' API reference for the fields this project's
// manifests may use: no schema package for them is served, so these types are both the schema (types, required
// fields, enums) and the strict field list. A field outside them is refused even where the operator would accept it:
// add it here, from the operators' reference, before using it.
import type { IAffinity } from "kubernetes-models/v1/Affinity";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";

interface IClusterReference {
  name: string;
  namespace?: string;
}

export interface IRabbitmqCluster {
  apiVersion: "rabbitmq.com/v1beta1";
  kind: "RabbitmqCluster";
  metadata: IObjectMeta;
  spec: IRabbitmqClusterSpec;
}

export interface IVhost {
  apiVersion: "rabbitmq.com/v1beta1";
  kind: "Vhost";
  metadata: IObjectMeta;
  spec: IVhostSpec;
}

export interface IUser {
  apiVersion: "rabbitmq.com/v1beta1";
  kind: "User";
  metadata: IObjectMeta;
  spec: IUserSpec;
}

export interface IPermission {
  apiVersion: "rabbitmq.com/v1beta1";
  kind: "Permission";
  metadata: IObjectMeta;
  spec: IPermissionSpec;
}

export interface IRabbitmqClusterSpec {
  replicas?: number;
  image?: string;
  imagePullSecrets?: { name: string }[];
  service?: { type?: "ClusterIP" | "LoadBalancer" | "NodePort"; annotations?: Record<string, string> };
  persistence?: { storageClassName?: string; storage?: string };
  resources?: IResourceRequirements;
  affinity?: IAffinity;
  tolerations?: IToleration[];
  terminationGracePeriodSeconds?: number;
  rabbitmq?: IRabbitmqConfiguration;
  tls?: { secretName?: string; caSecretName?: string; disableNonTLSListeners?: boolean };
  skipPostDeploySteps?: boolean;
}

export interface IVhostSpec {
  name: string;
  tracing?: boolean;
  tags?: string[];
  defaultQueueType?: "quorum" | "classic" | "stream";
  rabbitmqClusterReference: IClusterReference;
}

export interface IUserSpec {
  tags?: ("management" | "policymaker" | "monitoring" | "administrator")[];
  importCredentialsSecret?: { name: string };
  rabbitmqClusterReference: IClusterReference;
}

export interface IPermissionSpec {
  vhost: string;
  user?: string;
  userReference?: { name: string };
  permissions: IUserPermissions;
  rabbitmqClusterReference: IClusterReference;
}

export interface IRabbitmqConfiguration {
  additionalPlugins?: string[];
  additionalConfig?: string;
  advancedConfig?: string;
  envConfig?: string;
}

export interface IUserPermissions {
  configure?: string;
  write?: string;
  read?: string;
}
