{{/* The prefix of every object name. */}}
{{- define "meshproxy.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "meshproxy.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "meshproxy.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "meshproxy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/*
Bootstrap values: what a running sidecar cannot change live (its listeners). The pod template carries a checksum
of these values only, so changing a port rolls the pods while editing routes or weights does not.
*/}}
{{- define "meshproxy.bootstrap" -}}
listeners:
  {{- toYaml .Values.meshproxy.listeners | nindent 2 }}
{{- end -}}

{{/* The sidecar's config file (config/meshproxy.yaml documents every key). */}}
{{- define "meshproxy.config" -}}
{{- $m := .Values.meshproxy -}}
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
  {{- toYaml $m.routes | nindent 2 }}
clusters:
  {{- toYaml $m.clusters | nindent 2 }}
{{- end -}}

{{/* Hardened container security context: the images run as UID 64198 with no shell and a read-only root. */}}
{{- define "meshproxy.containerSecurityContext" -}}
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

{{- define "meshproxy.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{- define "meshproxy.probe" -}}
{{- $p := .settings -}}
{{- if eq .kind "grpc" -}}
grpc:
  port: {{ .root.Values.meshproxy.listeners.grpc }}
  service: {{ .root.Values.sidecar.probes.grpcService | quote }}
{{- else -}}
httpGet:
  path: {{ .path }}
  port: ops
{{- end }}
periodSeconds: {{ $p.periodSeconds }}
failureThreshold: {{ $p.failureThreshold }}
timeoutSeconds: {{ $p.timeoutSeconds }}
{{- end -}}

{{/* The sidecar container, the same in both modes (native adds restartPolicy: Always). */}}
{{- define "meshproxy.sidecar" -}}
{{- $v := .Values -}}
- name: meshproxy
  image: {{ include "meshproxy.image" (dict "image" $v.image "root" .) }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  {{- if eq $v.sidecar.mode "native" }}
  restartPolicy: Always
  {{- end }}
  args: ["run", "--config", "/etc/meshproxy/meshproxy.yaml"]
  ports:
    - { name: grpc, containerPort: {{ $v.meshproxy.listeners.grpc }}, protocol: TCP }
    - { name: rest, containerPort: {{ $v.meshproxy.listeners.rest }}, protocol: TCP }
    - { name: ops, containerPort: {{ $v.meshproxy.listeners.ops }}, protocol: TCP }
  {{- with $v.sidecar.env }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  startupProbe:
    {{- include "meshproxy.probe" (dict "kind" $v.sidecar.probes.kind "path" "/healthz/ready" "settings" $v.sidecar.probes.startup "root" .) | nindent 4 }}
  livenessProbe:
    {{- include "meshproxy.probe" (dict "kind" "http" "path" "/healthz/live" "settings" $v.sidecar.probes.liveness "root" .) | nindent 4 }}
  readinessProbe:
    {{- include "meshproxy.probe" (dict "kind" $v.sidecar.probes.kind "path" "/healthz/ready" "settings" $v.sidecar.probes.readiness "root" .) | nindent 4 }}
  {{- if gt (int $v.sidecar.preStopSleepSeconds) 0 }}
  lifecycle:
    preStop:
      sleep:
        seconds: {{ $v.sidecar.preStopSleepSeconds }}
  {{- end }}
  resources:
    {{- toYaml $v.sidecar.resources | nindent 4 }}
  securityContext:
    {{- include "meshproxy.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    # The whole ConfigMap as a directory, never subPath: a subPath mount is a copy the kubelet never refreshes.
    - { name: config, mountPath: /etc/meshproxy, readOnly: true }
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{/*
The namespaces whose EndpointSlices the sidecar watches: one per kubernetes cluster (its namespace, else the
release's), without repeats. Empty when no cluster uses Kubernetes discovery.
*/}}
{{- define "meshproxy.discoveryNamespaces" -}}
{{- $namespaces := list -}}
{{- range $name, $cluster := .Values.meshproxy.clusters -}}
{{- with $cluster.kubernetes -}}
{{- $namespaces = append $namespaces (default $.Release.Namespace .namespace) -}}
{{- end -}}
{{- end -}}
{{- $namespaces | uniq | sortAlpha | join "," -}}
{{- end -}}
