package traceview

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

// A trace is the spans of one trace ID, as the viewer lists it.
type trace struct {
	ID       string
	Root     Span
	Spans    int
	Start    time.Time
	Duration time.Duration
	Failed   bool
}

// summary is what the list shows of a trace: its root span's kind and
// resource, and the claim, when the root names one.
func (t trace) Summary() string {
	a := t.Root.Attributes
	parts := []string{}
	if n := a["appinfra.name"]; n != "" {
		parts = append(parts, a["k8s.namespace.name"]+"/"+n)
	}
	if c := a["appinfra.claim"]; c != "" {
		parts = append(parts, "claim "+c)
	}
	return strings.Join(parts, ", ")
}

// traces groups spans by trace, newest first, keeping those with a span
// that matches every filter given: claim (appinfra.claim), resource
// (appinfra.name) and span (a span's name, such as Create).
func traces(spans []Span, claim, resource, span string) []trace {
	byID := map[string][]Span{}
	for _, s := range spans {
		byID[s.TraceID] = append(byID[s.TraceID], s)
	}
	var out []trace
	for id, ss := range byID {
		ids := map[string]bool{}
		for _, s := range ss {
			ids[s.ID] = true
		}
		t := trace{ID: id, Spans: len(ss)}
		var end time.Time
		var hasClaim, hasResource, hasSpan bool
		for _, s := range ss {
			if !ids[s.ParentID] && (t.Root.ID == "" || s.Start.Before(t.Root.Start)) {
				t.Root = s
			}
			if t.Start.IsZero() || s.Start.Before(t.Start) {
				t.Start = s.Start
			}
			if s.End.After(end) {
				end = s.End
			}
			t.Failed = t.Failed || s.Error != ""
			hasClaim = hasClaim || s.Attributes["appinfra.claim"] == claim
			hasResource = hasResource || s.Attributes["appinfra.name"] == resource
			hasSpan = hasSpan || s.Name == span
		}
		t.Duration = end.Sub(t.Start)
		if (claim == "" || hasClaim) && (resource == "" || hasResource) && (span == "" || hasSpan) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b trace) int { return b.Start.Compare(a.Start) })
	return out
}

// node is a span with the spans below it, for the tree of one trace.
type node struct {
	Span
	Offset, Duration time.Duration
	Attrs            []string
	Children         []*node
}

func tree(spans []Span) []*node {
	if len(spans) == 0 {
		return nil
	}
	start := spans[0].Start
	nodes := map[string]*node{}
	for _, s := range spans {
		if s.Start.Before(start) {
			start = s.Start
		}
	}
	for _, s := range spans {
		n := &node{Span: s, Offset: s.Start.Sub(start), Duration: s.End.Sub(s.Start)}
		for k, v := range s.Attributes {
			n.Attrs = append(n.Attrs, k+"="+v)
		}
		slices.Sort(n.Attrs)
		nodes[s.ID] = n
	}
	var roots []*node
	for _, s := range spans {
		n := nodes[s.ID]
		if p, ok := nodes[s.ParentID]; ok {
			p.Children = append(p.Children, n)
			continue
		}
		roots = append(roots, n)
	}
	for _, n := range nodes {
		slices.SortFunc(n.Children, func(a, b *node) int { return a.Start.Compare(b.Start) })
	}
	return roots
}

var page = template.Must(template.New("").Funcs(template.FuncMap{
	"ms": func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() },
}).Parse(`
{{define "head"}}<!doctype html><html><head><meta charset="utf-8"><title>provider-appinfra traces</title>
<style>body{font:14px sans-serif;margin:1.5em}td,th{padding:2px 8px;text-align:left}.err{color:#b00}
ul{list-style:none;padding-left:1.4em}li{margin:3px 0}.a{color:#555;font-size:12px}</style></head><body>
<h2><a href="/">provider-appinfra traces</a></h2>{{end}}

{{define "list"}}{{template "head"}}
<form>claim <input name="claim" value="{{.Claim}}"> resource <input name="resource" value="{{.Resource}}">
span <input name="span" value="{{.Span}}" placeholder="Create"> <button>filter</button></form>
<p>{{len .Traces}} traces{{if gt (len .Traces) 200}}, the newest 200 shown{{end}}.</p>
<table><tr><th>started</th><th>trace</th><th>of</th><th>spans</th><th>took</th></tr>
{{range $i, $t := .Traces}}{{if lt $i 200}}<tr{{if .Failed}} class="err"{{end}}><td>{{.Start.Format "15:04:05.000"}}</td>
<td><a href="/trace/{{.ID}}">{{.Root.Name}}</a></td><td>{{.Summary}}</td><td>{{.Spans}}</td><td>{{ms .Duration}}</td></tr>{{end}}{{end}}
</table></body></html>{{end}}

{{define "node"}}<li{{if .Error}} class="err"{{end}}><b>{{.Name}}</b> +{{ms .Offset}} took {{ms .Duration}}
{{with index .Attributes "appinfra.result"}} &rarr; {{.}}{{end}}{{with .Error}}: {{.}}{{end}}
<div class="a">{{range .Attrs}}{{.}} {{end}}{{range .Events}}<br>event: {{.Name}} {{range $k, $v := .Attributes}}{{$k}}={{$v}} {{end}}{{end}}</div>
{{with .Children}}<ul>{{range .}}{{template "node" .}}{{end}}</ul>{{end}}</li>{{end}}

{{define "trace"}}{{template "head"}}<p>trace {{.ID}}</p><ul>{{range .Roots}}{{template "node" .}}{{end}}</ul></body></html>{{end}}
`))

func (r *Receiver) list(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	data := struct {
		Claim, Resource, Span string
		Traces                []trace
	}{Claim: q.Get("claim"), Resource: q.Get("resource"), Span: q.Get("span")}
	data.Traces = traces(r.Spans(), data.Claim, data.Resource, data.Span)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.ExecuteTemplate(w, "list", data)
}

func (r *Receiver) trace(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	var spans []Span
	for _, s := range r.Spans() {
		if s.TraceID == id {
			spans = append(spans, s)
		}
	}
	if len(spans) == 0 {
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.ExecuteTemplate(w, "trace", struct {
		ID    string
		Roots []*node
	}{id, tree(spans)})
}

// text lists the traces the list page would, one a line: the root span's
// name, what it is of, and the trace's URL; for scripts (make dev prints
// the AppEnvironment's creation traces with it).
func (r *Receiver) text(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, t := range traces(r.Spans(), q.Get("claim"), q.Get("resource"), q.Get("span")) {
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s/trace/%s\n", t.Root.Name, t.Summary(), r.URL, t.ID)
	}
}
