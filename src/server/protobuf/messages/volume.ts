import type { MessageTable } from '../schema.js';

/**
 * Field tables (core/v1) in the notation of schema.ts, read from
 * k8s.io/api core/v1/generated.proto: the in-tree volume sources a pod in an emulated cluster can
 * name (hostPath, emptyDir, secret, configMap, projected, downwardAPI, nfs, persistentVolumeClaim).
 * Cloud and CSI volume sources are refused with 415 ("not decoded"), never dropped.
 */
export const VOLUME_MESSAGES = {
  Volume: {
    1: 'name:string!',
    2: ':VolumeSource',
  },
  VolumeSource: { // not decoded (refused with 415): gcePersistentDisk=3, awsElasticBlockStore=4, gitRepo=5, iscsi=8, glusterfs=9, rbd=11, flexVolume=12, cinder=13, cephfs=14, flocker=15, fc=17, azureFile=18, vsphereVolume=20, quobyte=21, azureDisk=22, photonPersistentDisk=23, portworxVolume=24, scaleIO=25, storageos=27, csi=28, ephemeral=29, image=30
    1: 'hostPath:HostPathVolumeSource',
    2: 'emptyDir:EmptyDirVolumeSource',
    6: 'secret:SecretVolumeSource',
    7: 'nfs:NFSVolumeSource',
    10: 'persistentVolumeClaim:PersistentVolumeClaimVolumeSource',
    16: 'downwardAPI:DownwardAPIVolumeSource',
    19: 'configMap:ConfigMapVolumeSource',
    26: 'projected:ProjectedVolumeSource',
  },
  HostPathVolumeSource: {
    1: 'path:string!',
    2: 'type:string?',
  },
  EmptyDirVolumeSource: {
    1: 'medium:string',
    2: 'sizeLimit:Quantity',
    3: 'mode:int32?',
  },
  SecretVolumeSource: {
    1: 'secretName:string',
    2: 'items:[]KeyToPath',
    3: 'defaultMode:int32?',
    4: 'optional:bool?',
    5: 'defaultUser:int64?',
  },
  NFSVolumeSource: {
    1: 'server:string!',
    2: 'path:string!',
    3: 'readOnly:bool',
  },
  PersistentVolumeClaimVolumeSource: {
    1: 'claimName:string!',
    2: 'readOnly:bool',
  },
  DownwardAPIVolumeSource: {
    1: 'items:[]DownwardAPIVolumeFile',
    2: 'defaultMode:int32?',
    3: 'defaultUser:int64?',
  },
  ConfigMapVolumeSource: {
    1: ':LocalObjectReference',
    2: 'items:[]KeyToPath',
    3: 'defaultMode:int32?',
    4: 'optional:bool?',
    5: 'defaultUser:int64?',
  },
  ProjectedVolumeSource: {
    1: 'sources:[]VolumeProjection',
    2: 'defaultMode:int32?',
    3: 'defaultUser:int64?',
  },
  KeyToPath: {
    1: 'key:string!',
    2: 'path:string!',
    3: 'mode:int32?',
    4: 'user:int64?',
  },
  DownwardAPIVolumeFile: {
    1: 'path:string!',
    2: 'fieldRef:ObjectFieldSelector',
    3: 'resourceFieldRef:ResourceFieldSelector',
    4: 'mode:int32?',
    5: 'user:int64?',
  },
  VolumeProjection: { // not decoded (refused with 415): clusterTrustBundle=5, podCertificate=6
    1: 'secret:SecretProjection',
    2: 'downwardAPI:DownwardAPIProjection',
    3: 'configMap:ConfigMapProjection',
    4: 'serviceAccountToken:ServiceAccountTokenProjection',
  },
  ObjectFieldSelector: {
    1: 'apiVersion:string',
    2: 'fieldPath:string!',
  },
  ResourceFieldSelector: {
    1: 'containerName:string',
    2: 'resource:string!',
    3: 'divisor:Quantity',
  },
  SecretProjection: {
    1: ':LocalObjectReference',
    2: 'items:[]KeyToPath',
    4: 'optional:bool?',
  },
  DownwardAPIProjection: {
    1: 'items:[]DownwardAPIVolumeFile',
  },
  ConfigMapProjection: {
    1: ':LocalObjectReference',
    2: 'items:[]KeyToPath',
    4: 'optional:bool?',
  },
  ServiceAccountTokenProjection: {
    1: 'audience:string',
    2: 'expirationSeconds:int64?',
    3: 'path:string!',
    4: 'user:int64?',
  },
} as const satisfies MessageTable;
