{{/* Labels of every object; the argument is (dict "root" $ "component" "worker"). */}}
{{- define "openhqm.labels" -}}
app.kubernetes.io/name: openhqm
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "openhqm.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
An OpenHQM container: (dict "root" $ "name" "openhqm" "role" "worker" "port" 8001 "portName" "management"
"env" list "resources" map "containerSecurity" map-or-nil).
*/}}
{{- define "openhqm.container" -}}
{{- $root := .root -}}
- name: {{ .name }}
  image: {{ include "openhqm.image" $root }}
  args: [{{ .role | quote }}, "--config", "/etc/openhqm/openhqm.conf"]
  ports:
    - name: {{ .portName }}
      containerPort: {{ .port }}
  {{- if or $root.Values.secretEnv .env }}
  env:
    {{- range $root.Values.secretEnv }}
    - name: {{ .name }}
      valueFrom:
        secretKeyRef:
          name: {{ .secret }}
          key: {{ .key }}
    {{- end }}
    {{- range .env }}
    - name: {{ .name }}
      value: {{ .value | quote }}
    {{- end }}
  {{- end }}
  startupProbe:
    httpGet:
      path: /health/live
      port: {{ .portName }}
    periodSeconds: 2
    failureThreshold: 30
  livenessProbe:
    httpGet:
      path: /health/live
      port: {{ .portName }}
    periodSeconds: 10
    failureThreshold: 3
  readinessProbe:
    httpGet:
      path: /health/ready
      port: {{ .portName }}
    periodSeconds: 5
    failureThreshold: 2
  lifecycle:
    preStop:
      sleep:
        seconds: {{ $root.Values.preStopSleepSeconds }}
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    {{- with .containerSecurity }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: ["ALL"]
  volumeMounts:
    - name: config
      mountPath: /etc/openhqm
      readOnly: true
    - name: tmp
      mountPath: /tmp
    - name: data
      mountPath: /opt/openhqm/data
{{- end }}

{{- define "openhqm.volumes" -}}
- name: config
  configMap:
    name: {{ .Release.Name }}-config
- name: tmp
  emptyDir: {}
- name: data
  emptyDir: {}
{{- end }}

{{- define "openhqm.scrapeAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ . | quote }}
prometheus.io/path: /metrics
{{- end }}
