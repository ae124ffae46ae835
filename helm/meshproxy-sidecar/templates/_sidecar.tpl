{{/*
MeshProxy sidecar templates for your own chart (docs/deployment.md). Each takes one dict:
  image:     { repository, tag, pullPolicy }   (default meshproxy:<this library's appVersion>, IfNotPresent)
  sidecar:   helm/meshproxy's `sidecar` values (mode, probes, resources, env, preStopSleepSeconds)
  meshproxy: helm/meshproxy's `meshproxy` values (listeners, drain, routes, clusters, discovery, version)
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
    requests: { cpu: 100m, memory: 128Mi }
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
{{- end -}}

{{/* The caller's dict over the defaults, plus the resolved names (an empty portPrefix is a choice, not a gap). */}}
{{- define "meshproxy-sidecar.values" -}}
{{- $v := mustMergeOverwrite (fromYaml (include "meshproxy-sidecar.defaults" .)) (pick . "image" "sidecar" "meshproxy") -}}
{{- $_ := set $v "configVolume" (default "meshproxy-config" .configVolume) -}}
{{- $_ = set $v "tmpVolume" (default "meshproxy-tmp" .tmpVolume) -}}
{{- $_ = set $v "portPrefix" (ternary .portPrefix "mp-" (hasKey . "portPrefix")) -}}
{{- $_ = set $v "configMap" .configMap -}}
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
{{- end -}}

{{/* The sidecar's config file (config/meshproxy.yaml documents every key). */}}
{{- define "meshproxy-sidecar.config" -}}
{{- $m := (fromYaml (include "meshproxy-sidecar.values" .)).meshproxy -}}
{{- if $m.version -}}
version: {{ $m.version | quote }}
{{ end -}}
listeners:
  grpc: { address: 0.0.0.0, port: {{ $m.listeners.grpc }} }
  rest: { address: 0.0.0.0, port: {{ $m.listeners.rest }} }
  ops: { address: 0.0.0.0, port: {{ $m.listeners.ops }} }
  admin: { address: 127.0.0.1, port: {{ $m.listeners.admin }} }
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
