{{- /* Everything is named after the release: `helm install isched` makes "isched". */ -}}
{{- define "isched.fullname" -}}
{{ .Release.Name }}
{{- end }}

{{- define "isched.selectorLabels" -}}
app.kubernetes.io/name: isched
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "isched.labels" -}}
{{ include "isched.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: isched-{{ .Chart.Version }}
{{- end }}
