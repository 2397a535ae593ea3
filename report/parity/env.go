package parity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Descriptor describes one environment (staging, production): the services
// that serve traffic, the data stores behind them and what sits in front of
// them. It is read from YAML (docs/parity.md has the schema); unknown keys
// are an error so that a typo is not a silent "no drift".
type Descriptor struct {
	// Name labels the environment in reports ("staging"). Optional.
	Name string `yaml:"name" json:"name,omitempty"`
	// Services are the application services, matched across environments
	// by Name.
	Services []Service `yaml:"services" json:"services"`
	// DataStores are databases, caches used as stores, queues; matched by
	// Name.
	DataStores []DataStore `yaml:"data_stores" json:"data_stores,omitempty"`
	// Traffic are what sits in front of the services (CDN, edge cache).
	Traffic Traffic `yaml:"traffic" json:"traffic"`
}

// Service is one application service.
type Service struct {
	Name string `yaml:"name" json:"name"`
	// Replicas is the number of instances (pods, VMs). 0 is read as 1.
	Replicas int `yaml:"replicas" json:"replicas"`
	// Workers is the concurrency of one replica (threads, worker
	// processes, connection slots). 0 means "not stated".
	Workers int `yaml:"workers" json:"workers,omitempty"`
	// CPU is the CPU request of one replica in cores ("500m", "2", 1.5).
	CPU Quantity `yaml:"cpu" json:"cpu,omitempty"`
	// Memory is the memory request of one replica in bytes ("512Mi",
	// "2Gi", "1G", 1048576).
	Memory Quantity `yaml:"memory" json:"memory,omitempty"`
	// CPULimit and MemoryLimit are the limits, same units. Optional.
	CPULimit    Quantity `yaml:"cpu_limit" json:"cpu_limit,omitempty"`
	MemoryLimit Quantity `yaml:"memory_limit" json:"memory_limit,omitempty"`
	// InstanceType is the machine type ("m6i.large"). Optional.
	InstanceType string `yaml:"instance_type" json:"instance_type,omitempty"`
	// Version is the deployed version of the service. Optional.
	Version string `yaml:"version" json:"version,omitempty"`
	// ScalesWith lists the dimensions the service's capacity is
	// proportional to: "replicas", "workers", "cpu". Default: replicas,
	// plus workers when both environments state them.
	ScalesWith []string `yaml:"scales_with" json:"scales_with,omitempty"`
	// Config holds configuration values (log level, pool sizes, feature
	// flags) as strings.
	Config map[string]string `yaml:"config" json:"config,omitempty"`
}

// DataStore is one database or store.
type DataStore struct {
	Name string `yaml:"name" json:"name"`
	// Engine is the product ("postgres", "mysql", "redis").
	Engine string `yaml:"engine" json:"engine"`
	// Version is the engine version ("16.2"); its first dot-separated
	// number is the major version.
	Version string `yaml:"version" json:"version,omitempty"`
	// DataSize is the size of the data set in bytes ("200Gi", "5G").
	DataSize Quantity `yaml:"data_size" json:"data_size,omitempty"`
	// Replicas is the number of instances serving reads. 0 is read as 1.
	Replicas int `yaml:"replicas" json:"replicas"`
}

// Traffic describes what sits in front of the services.
type Traffic struct {
	// CDN is whether a CDN serves (some) responses.
	CDN bool `yaml:"cdn" json:"cdn"`
	// Cache is whether a response cache (Varnish, a cache layer) sits in
	// front of the services.
	Cache bool `yaml:"cache" json:"cache"`
}

// Quantity is a Kubernetes-style resource quantity kept as a float: cores
// for CPU ("250m" = 0.25), bytes for memory and sizes ("1Ki" = 1024, "1k" =
// 1000). Zero means "not stated".
type Quantity float64

// UnmarshalYAML reads a number or a quantity string.
func (q *Quantity) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseQuantity(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %s", n.Line, strings.TrimPrefix(err.Error(), "parity: "))
	}
	*q = Quantity(v)
	return nil
}

var quantitySuffixes = map[string]float64{
	"m": 1e-3, "": 1,
	"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50,
	"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
}

// ParseQuantity parses a Kubernetes-style quantity: a decimal number
// followed by an optional suffix m (milli), k/K, M, G, T, P (powers of
// 1000), KB, MB, GB, TB (the same) or Ki, Mi, Gi, Ti, Pi (powers of 1024).
// The empty string is 0.
func ParseQuantity(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) && r != 'e' && r != 'E' })
	num, suf := s, ""
	if i >= 0 {
		num, suf = s[:i], s[i:]
	}
	mul, ok := quantitySuffixes[suf]
	if !ok {
		return 0, fmt.Errorf("parity: quantity %q has an unknown suffix %q (use m, k, M, G, Ki, Mi, Gi, ...)", s, suf)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("parity: quantity %q is not a non-negative number with a suffix", s)
	}
	return v * mul, nil
}

// LoadDescriptor reads and validates a descriptor file. An error names
// the file and, for a YAML error, the line; a file that does not exist
// gives an error wrapping fs.ErrNotExist.
func LoadDescriptor(path string) (*Descriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("parity: descriptor %s: %w", path, pe.Err)
		}
		return nil, fmt.Errorf("parity: descriptor %s: %w", path, err)
	}
	d, err := parseDescriptor(b)
	if err != nil {
		return nil, fmt.Errorf("parity: descriptor %s: %w", path, err)
	}
	return d, nil
}

// ParseDescriptor decodes and validates a descriptor: names present and
// unique, counts not negative, scales_with values known. Errors are one
// line, in the words of the YAML schema (docs/parity.md), never Go's.
func ParseDescriptor(b []byte) (*Descriptor, error) {
	d, err := parseDescriptor(b)
	if err != nil {
		return nil, fmt.Errorf("parity: descriptor: %w", err)
	}
	return d, nil
}

func parseDescriptor(b []byte) (*Descriptor, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var d Descriptor
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty; describe the environment's services (see docs/parity.md)")
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// One line for the user: yaml joins its errors with newlines.
			msgs := make([]string, len(te.Errors))
			for i, e := range te.Errors {
				msgs[i] = yamlMessage(e)
			}
			return nil, errors.New(strings.Join(msgs, "; "))
		}
		msg := err.Error()
		if syn, ok := strings.CutPrefix(msg, "yaml: "); ok {
			// A syntax error: "yaml: line 1: did not find expected node
			// content".
			msg = "not valid YAML: " + syn
			if line, rest, ok := strings.Cut(syn, ": "); ok && strings.HasPrefix(line, "line ") {
				msg = line + ": not valid YAML: " + rest
			}
		}
		return nil, errors.New(oneLine(msg))
	}
	var errs []error
	seen := map[string]bool{}
	for i := range d.Services {
		s := &d.Services[i]
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("service #%d has no name: give each service a name", i+1))
		case seen["s:"+s.Name]:
			errs = append(errs, fmt.Errorf("service %q is listed twice: list each service once", s.Name))
		}
		seen["s:"+s.Name] = true
		if s.Replicas < 0 || s.Workers < 0 {
			errs = append(errs, fmt.Errorf("service %q: replicas and workers must not be negative", s.Name))
		}
		if s.Replicas == 0 {
			s.Replicas = 1
		}
		for _, dim := range s.ScalesWith {
			if dim != "replicas" && dim != "workers" && dim != "cpu" {
				errs = append(errs, fmt.Errorf("service %q: scales_with %q is not one of replicas, workers, cpu", s.Name, dim))
			}
		}
	}
	for i := range d.DataStores {
		ds := &d.DataStores[i]
		switch {
		case ds.Name == "":
			errs = append(errs, fmt.Errorf("data store #%d has no name: give each data store a name", i+1))
		case seen["d:"+ds.Name]:
			errs = append(errs, fmt.Errorf("data store %q is listed twice: list each data store once", ds.Name))
		}
		seen["d:"+ds.Name] = true
		if ds.Replicas < 0 {
			errs = append(errs, fmt.Errorf("data store %q: replicas must not be negative", ds.Name))
		}
		if ds.Replicas == 0 {
			ds.Replicas = 1
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	return &d, nil
}

// The messages of yaml.v3's TypeError that name Go types.
var (
	yamlUnknownField = regexp.MustCompile(`^line (\d+): field (.+) not found in type (\S+)$`)
	yamlWrongKind    = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// yamlSections name, per Go type of the schema, what the user calls that
// part of the descriptor.
var yamlSections = map[string]struct {
	noun string
	typ  reflect.Type
}{
	"parity.Descriptor": {"the top level", reflect.TypeFor[Descriptor]()},
	"parity.Service":    {"a service", reflect.TypeFor[Service]()},
	"parity.DataStore":  {"a data store", reflect.TypeFor[DataStore]()},
	"parity.Traffic":    {"traffic", reflect.TypeFor[Traffic]()},
}

// yamlKinds say what a value of a Go type of the schema is written as.
var yamlKinds = map[string]string{
	"int": "a whole number", "float64": "a number", "bool": "true or false", "string": "a string",
	"[]string": "a list of strings", "map[string]string": "a mapping of names to strings",
	"[]parity.Service": "a list of services", "[]parity.DataStore": "a list of data stores",
	"parity.Service": "a mapping (name: ..., replicas: ...)", "parity.DataStore": "a mapping (name: ..., engine: ...)",
	"parity.Traffic": "a mapping (cdn: ..., cache: ...)", "parity.Descriptor": "a mapping (name, services, data_stores, traffic)",
	"parity.Quantity": "a quantity such as 500m, 2 or 512Mi",
}

// yamlMessage rewrites one of yaml's type errors in the schema's words:
// "line 3: unknown key "replicaz" in a service (did you mean "replicas"?
// the keys are: ...)" instead of "field replicaz not found in type
// parity.Service".
func yamlMessage(e string) string {
	if m := yamlUnknownField.FindStringSubmatch(e); m != nil {
		sec, ok := yamlSections[m[3]]
		if !ok {
			return fmt.Sprintf("line %s: unknown key %q; see docs/parity.md for the keys", m[1], m[2])
		}
		keys := yamlKeys(sec.typ)
		hint := ""
		if k := closest(m[2], keys); k != "" {
			hint = fmt.Sprintf("did you mean %q? ", k)
		}
		return fmt.Sprintf("line %s: unknown key %q in %s (%sthe keys are %s)", m[1], m[2], sec.noun, hint, strings.Join(keys, ", "))
	}
	if m := yamlWrongKind.FindStringSubmatch(e); m != nil {
		got := map[string]string{"str": "a string", "int": "a number", "float": "a number", "bool": "true or false",
			"seq": "a list", "map": "a mapping", "null": "nothing", "timestamp": "a date"}[m[2]]
		if m[3] != "" {
			got = strconv.Quote(m[3])
		}
		if got == "" {
			got = "this value"
		}
		want, ok := yamlKinds[m[4]]
		if !ok {
			want = "another kind of value (see docs/parity.md)"
		}
		return fmt.Sprintf("line %s: %s where the descriptor needs %s", m[1], got, want)
	}
	return oneLine(e)
}

// yamlKeys lists the YAML keys of a schema type, in declaration order.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// closest returns the key of keys nearest to s by edit distance when it
// is a likely typo (at most 2 edits, and fewer than half of s), else "".
func closest(s string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := editDistance(s, k); d < bestD && 2*d < len(s) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// oneLine joins the lines of s with "; ".
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ; ")), " ")
}

// Service returns the service named name, or nil.
func (d *Descriptor) Service(name string) *Service {
	for i := range d.Services {
		if d.Services[i].Name == name {
			return &d.Services[i]
		}
	}
	return nil
}
