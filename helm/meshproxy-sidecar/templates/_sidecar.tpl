{{/*
MeshProxy sidecar templates for your own chart (docs/deployment.md). Each takes one dict:
  image:     { repository, tag, pullPolicy }   (default meshproxy:<this library's appVersion>, IfNotPresent)
  sidecar:   helm/meshproxy's `sidecar` values (mode, probes, resources, env, preStopSleepSeconds)
  meshproxy: helm/meshproxy's `meshproxy` values (listeners, drain, routes, clusters, discovery, version)
  mtls:      helm/meshproxy's `mtls` values: the workload certificate for mesh mTLS (docs/security.md, "Helm"), from
             exactly one of secret.name, certManager.enabled (render meshproxy-sidecar.certificate too) or
             csiDriverSpiffe.enabled; port, mountPath, mode (strict|permissive), trustDomain
  configMap: the name of the ConfigMap holding meshproxy.yaml (volumes, configmap)
  configVolume, tmpVolume, portPrefix: the names the sidecar adds to your pod; by default meshproxy-config,
    meshproxy-tmp and mp-grpc/mp-rest/mp-ops (as `meshproxy inject` names them), so they never clash with yours.
Missing values take the defaults below, the same as helm/meshproxy's values.yaml.
*/}}

{{- define "meshproxy-sidecar.defaults" -}}
image:
  repository: meshproxy
  tag: "0.1.0"
  pullPolicy: IfNotPresent
sidecar:
  mode: native
  preStopSleepSeconds: 0
  resources:
    requests: { cpu: 100m, memory: 64Mi }
    limits: { memory: 128Mi }
  probes:
    kind: http
    grpcService: ""
    startup: { periodSeconds: 1, failureThreshold: 60, timeoutSeconds: 1 }
    liveness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 1 }
    readiness: { periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 1 }
meshproxy:
  listeners: { grpc: 7070, rest: 8080, ops: 9901, admin: 9900 }
  drain: { propagationDelaySeconds: 5, deadlineSeconds: 25 }
mtls:
  enabled: false
  port: 7443
  mountPath: /var/run/secrets/meshproxy/tls
  mode: strict
  trustDomain: ""
  secret: { name: "" }
  certManager:
    enabled: false
    secretName: ""
    issuerRef: { name: "", kind: ClusterIssuer, group: cert-manager.io }
    uri: ""
    serviceAccount: default
    duration: 24h
    renewBefore: 8h
  csiDriverSpiffe:
    enabled: false
    fsGroup: "64198"
{{- end -}}

{{/*
The one source of the workload certificate when mtls.enabled: secret, certManager or csiDriverSpiffe; empty when
mTLS is off. Fails rendering when none or more than one is chosen, since the sidecar reads one directory.
*/}}
{{- define "meshproxy-sidecar.mtlsSource" -}}
{{- $m := .mtls -}}
{{- if $m.enabled -}}
{{- $sources := list -}}
{{- if $m.secret.name }}{{ $sources = append $sources "secret" }}{{ end -}}
{{- if $m.certManager.enabled }}{{ $sources = append $sources "certManager" }}{{ end -}}
{{- if $m.csiDriverSpiffe.enabled }}{{ $sources = append $sources "csiDriverSpiffe" }}{{ end -}}
{{- if ne (len $sources) 1 -}}
{{- fail (printf "mtls.enabled needs exactly one certificate source: set one of mtls.secret.name, mtls.certManager.enabled or mtls.csiDriverSpiffe.enabled (found %d: %s)" (len $sources) (default "none" (join ", " $sources))) -}}
{{- end -}}
{{- if and (eq $m.mode "strict") (eq .sidecar.probes.kind "grpc") -}}
{{- fail "mtls.mode strict keeps the cleartext gRPC listener on loopback, where the kubelet's gRPC probes cannot reach it: use sidecar.probes.kind http, or mtls.mode permissive" -}}
{{- end -}}
{{- first $sources -}}
{{- end -}}
{{- end -}}

{{/* The Secret cert-manager writes the certificate to: certManager.secretName, else <configMap>-tls. */}}
{{- define "meshproxy-sidecar.mtlsSecretName" -}}
{{- default (printf "%s-tls" .configMap) .mtls.certManager.secretName -}}
{{- end -}}

{{/* The caller's dict over the defaults, plus the resolved names (an empty portPrefix is a choice, not a gap). */}}
{{- define "meshproxy-sidecar.values" -}}
{{- $v := mustMergeOverwrite (fromYaml (include "meshproxy-sidecar.defaults" .)) (pick . "image" "sidecar" "meshproxy" "mtls") -}}
{{- $_ := set $v "configVolume" (default "meshproxy-config" .configVolume) -}}
{{- $_ = set $v "tmpVolume" (default "meshproxy-tmp" .tmpVolume) -}}
{{- $_ = set $v "portPrefix" (ternary .portPrefix "mp-" (hasKey . "portPrefix")) -}}
{{- $_ = set $v "configMap" .configMap -}}
{{- $_ = set $v "tlsVolume" (default "meshproxy-tls" .tlsVolume) -}}
{{- toYaml $v -}}
{{- end -}}

{{/* Hardened container security context: the images run as UID 64198 with no shell and a read-only root. */}}
{{- define "meshproxy-sidecar.securityContext" -}}
runAsNonRoot: true
runAsUser: 64198
runAsGroup: 64198
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "meshproxy-sidecar.probe" -}}
{{- $p := .settings -}}
{{- if eq .kind "grpc" -}}
grpc:
  port: {{ .values.meshproxy.listeners.grpc }}
  service: {{ .values.sidecar.probes.grpcService | quote }}
{{- else -}}
httpGet:
  path: {{ .path }}
  port: {{ .values.portPrefix }}ops
{{- end }}
periodSeconds: {{ $p.periodSeconds }}
failureThreshold: {{ $p.failureThreshold }}
timeoutSeconds: {{ $p.timeoutSeconds }}
{{- end -}}

{{/*
The sidecar container, as one list item: under initContainers for sidecar.mode native (it gets restartPolicy:
Always, Kubernetes 1.29+), under containers for sidecar.mode container.
*/}}
{{- define "meshproxy-sidecar.container" -}}
{{- $v := fromYaml (include "meshproxy-sidecar.values" .) -}}
- name: meshproxy
  image: {{ printf "%s:%s" $v.image.repository $v.image.tag }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  {{- if eq $v.sidecar.mode "native" }}
  restartPolicy: Always
  {{- end }}
  args: ["run", "--config", "/etc/meshproxy/meshproxy.yaml"]
  ports:
    - { name: {{ $v.portPrefix }}grpc, containerPort: {{ $v.meshproxy.listeners.grpc }}, protocol: TCP }
    - { name: {{ $v.portPrefix }}rest, containerPort: {{ $v.meshproxy.listeners.rest }}, protocol: TCP }
    - { name: {{ $v.portPrefix }}ops, containerPort: {{ $v.meshproxy.listeners.ops }}, protocol: TCP }
    {{- if include "meshproxy-sidecar.mtlsSource" $v }}
    - { name: {{ $v.portPrefix }}mtls, containerPort: {{ $v.mtls.port }}, protocol: TCP }
    {{- end }}
  {{- with $v.sidecar.env }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  startupProbe:
    {{- include "meshproxy-sidecar.probe" (dict "kind" $v.sidecar.probes.kind "path" "/healthz/ready" "settings" $v.sidecar.probes.startup "values" $v) | nindent 4 }}
  livenessProbe:
    {{- include "meshproxy-sidecar.probe" (dict "kind" "http" "path" "/healthz/live" "settings" $v.sidecar.probes.liveness "values" $v) | nindent 4 }}
  readinessProbe:
    {{- include "meshproxy-sidecar.probe" (dict "kind" $v.sidecar.probes.kind "path" "/healthz/ready" "settings" $v.sidecar.probes.readiness "values" $v) | nindent 4 }}
  {{- if gt (int $v.sidecar.preStopSleepSeconds) 0 }}
  lifecycle:
    preStop:
      sleep:
        seconds: {{ $v.sidecar.preStopSleepSeconds }}
  {{- end }}
  resources:
    {{- toYaml $v.sidecar.resources | nindent 4 }}
  securityContext:
    {{- include "meshproxy-sidecar.securityContext" . | nindent 4 }}
  volumeMounts:
    # The whole ConfigMap as a directory, never subPath: a subPath mount is a copy the kubelet never refreshes.
    - { name: {{ $v.configVolume }}, mountPath: /etc/meshproxy, readOnly: true }
    - { name: {{ $v.tmpVolume }}, mountPath: /tmp }
    {{- if include "meshproxy-sidecar.mtlsSource" $v }}
    # A directory mount, never subPath, so rotated files (the kubelet's ..data symlink swap) reach the sidecar.
    - { name: {{ $v.tlsVolume }}, mountPath: {{ $v.mtls.mountPath }}, readOnly: true }
    {{- end }}
{{- end -}}

{{/* The pod volumes the sidecar mounts, as list items: the config ConfigMap (configMap: its name) and /tmp. */}}
{{- define "meshproxy-sidecar.volumes" -}}
{{- $v := fromYaml (include "meshproxy-sidecar.values" .) -}}
{{- if not $v.configMap -}}
{{- fail "meshproxy-sidecar.volumes: configMap (the name of the ConfigMap holding meshproxy.yaml) is required" -}}
{{- end -}}
- name: {{ $v.configVolume }}
  configMap:
    name: {{ $v.configMap }}
# The only writable place: the root filesystem is read-only.
- name: {{ $v.tmpVolume }}
  emptyDir:
    sizeLimit: 64Mi
{{- $source := include "meshproxy-sidecar.mtlsSource" $v -}}
{{- if eq $source "secret" }}
- name: {{ $v.tlsVolume }}
  secret:
    secretName: {{ $v.mtls.secret.name }}
{{- else if eq $source "certManager" }}
# The Secret of the Certificate meshproxy-sidecar.certificate renders (cert-manager keeps it renewed).
- name: {{ $v.tlsVolume }}
  secret:
    secretName: {{ include "meshproxy-sidecar.mtlsSecretName" $v }}
{{- else if eq $source "csiDriverSpiffe" }}
# csi-driver-spiffe mints a key and SVID for the pod's ServiceAccount and renews them in place.
- name: {{ $v.tlsVolume }}
  csi:
    driver: spiffe.csi.cert-manager.io
    readOnly: true
    {{- with $v.mtls.csiDriverSpiffe.fsGroup }}
    volumeAttributes:
      # The key is readable by this group only; the sidecar runs as group 64198.
      csi.cert-manager.io/fs-group: {{ . | quote }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
The cert-manager Certificate for mtls.certManager (nothing otherwise). Takes the sidecar dict plus namespace (the
release's, for the SPIFFE ID). The SPIFFE ID is certManager.uri, else
spiffe://<mtls.trustDomain>/ns/<namespace>/sa/<certManager.serviceAccount>.
*/}}
{{- define "meshproxy-sidecar.certificate" -}}
{{- $v := fromYaml (include "meshproxy-sidecar.values" .) -}}
{{- if eq (include "meshproxy-sidecar.mtlsSource" $v) "certManager" -}}
{{- $c := $v.mtls.certManager -}}
{{- $uri := $c.uri -}}
{{- if not $uri -}}
{{- $uri = printf "spiffe://%s/ns/%s/sa/%s" (required "mtls.certManager: set mtls.trustDomain (or mtls.certManager.uri) for the certificate's SPIFFE ID" $v.mtls.trustDomain) (required "meshproxy-sidecar.certificate: namespace is required" .namespace) $c.serviceAccount -}}
{{- end -}}
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {{ include "meshproxy-sidecar.mtlsSecretName" $v }}
  {{- with .labels }}
  labels:
    {{- (kindIs "string" .) | ternary . (toYaml .) | nindent 4 }}
  {{- end }}
spec:
  secretName: {{ include "meshproxy-sidecar.mtlsSecretName" $v }}
  duration: {{ $c.duration }}
  renewBefore: {{ $c.renewBefore }}
  # An SVID: exactly one SPIFFE URI SAN, no DNS names, usable as server and client.
  uris:
    - {{ $uri }}
  usages: ["server auth", "client auth", "digital signature"]
  privateKey:
    algorithm: ECDSA
    size: 256
    # A new key at every renewal.
    rotationPolicy: Always
  issuerRef:
    name: {{ required "mtls.certManager.issuerRef.name is required (the Issuer or ClusterIssuer that signs the workload certificate)" $c.issuerRef.name }}
    kind: {{ $c.issuerRef.kind }}
    group: {{ $c.issuerRef.group }}
{{- end -}}
{{- end -}}

{{/* The sidecar's config file (config/meshproxy.yaml documents every key). */}}
{{- define "meshproxy-sidecar.config" -}}
{{- $v := fromYaml (include "meshproxy-sidecar.values" .) -}}
{{- $m := $v.meshproxy -}}
{{- if $m.version -}}
version: {{ $m.version | quote }}
{{ end -}}
{{- $mtls := include "meshproxy-sidecar.mtlsSource" $v -}}
listeners:
  {{- if and $mtls (eq $v.mtls.mode "strict") }}
  # tls.mode strict: cleartext gRPC for the local application only; the mesh comes in on mtls.
  grpc: { address: 127.0.0.1, port: {{ $m.listeners.grpc }} }
  {{- else }}
  grpc: { address: 0.0.0.0, port: {{ $m.listeners.grpc }} }
  {{- end }}
  rest: { address: 0.0.0.0, port: {{ $m.listeners.rest }} }
  ops: { address: 0.0.0.0, port: {{ $m.listeners.ops }} }
  admin: { address: 127.0.0.1, port: {{ $m.listeners.admin }} }
  {{- if $mtls }}
  mtls: { address: 0.0.0.0, port: {{ $v.mtls.port }} }
tls:
  directory: {{ $v.mtls.mountPath }}
  mode: {{ $v.mtls.mode }}
  {{- with $v.mtls.trustDomain }}
  trustDomain: {{ . }}
  {{- end }}
  {{- end }}
drain:
  propagationDelay: {{ $m.drain.propagationDelaySeconds }}s
  deadline: {{ $m.drain.deadlineSeconds }}s
{{- with $m.discovery }}
discovery:
  {{- toYaml . | nindent 2 }}
{{- end }}
routes:
  {{- toYaml (required "meshproxy-sidecar: meshproxy.routes is required" $m.routes) | nindent 2 }}
clusters:
  {{- toYaml (required "meshproxy-sidecar: meshproxy.clusters is required" $m.clusters) | nindent 2 }}
{{- end -}}

{{/* A ConfigMap (configMap: its name; labels: an optional map, or YAML text as your labels helper renders it) holding meshproxy.yaml for the sidecar to mount. */}}
{{- define "meshproxy-sidecar.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ required "meshproxy-sidecar.configmap: configMap (its name) is required" .configMap }}
  {{- with .labels }}
  labels:
    {{- (kindIs "string" .) | ternary . (toYaml .) | nindent 4 }}
  {{- end }}
data:
  meshproxy.yaml: |
    {{- include "meshproxy-sidecar.config" . | nindent 4 }}
{{- end -}}
