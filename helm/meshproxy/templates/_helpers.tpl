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
mtls:
  {{- toYaml .Values.mtls | nindent 2 }}
{{- end -}}

{{/*
What helm/meshproxy passes to the meshproxy-sidecar library templates: its own values, the chart's appVersion as the
default image tag, and its historical unprefixed names (the Service targets the rest and grpc ports by name).
*/}}
{{- define "meshproxy.sidecarArgs" -}}
{{- $v := .Values -}}
{{- $mtls := deepCopy $v.mtls -}}
{{- $_ := set $mtls.certManager "secretName" (default (printf "%s-tls" (include "meshproxy.fullname" .)) $mtls.certManager.secretName) -}}
{{- $image := dict "repository" $v.image.repository "tag" (default .Chart.AppVersion $v.image.tag) "pullPolicy" $v.image.pullPolicy -}}
{{- toYaml (dict "image" $image "sidecar" $v.sidecar "meshproxy" $v.meshproxy "mtls" $mtls "configMap" (printf "%s-config" (include "meshproxy.fullname" .)) "configVolume" "config" "tmpVolume" "tmp" "tlsVolume" "tls" "portPrefix" "") -}}
{{- end -}}

{{- define "meshproxy.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
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
