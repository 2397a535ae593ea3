package parity

import (
	"bytes"
	"errors"
	"fmt"
	"os"
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
		return fmt.Errorf("line %d: %w", n.Line, err)
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

// LoadDescriptor reads and validates a descriptor file.
func LoadDescriptor(path string) (*Descriptor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	d, err := ParseDescriptor(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// ParseDescriptor decodes and validates a descriptor: names present and
// unique, counts not negative, scales_with values known.
func ParseDescriptor(b []byte) (*Descriptor, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var d Descriptor
	if err := dec.Decode(&d); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// One line for the user: yaml joins its errors with newlines.
			return nil, fmt.Errorf("parity: descriptor: %s", strings.Join(te.Errors, "; "))
		}
		return nil, fmt.Errorf("parity: descriptor: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for i := range d.Services {
		s := &d.Services[i]
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("parity: service #%d has no name", i+1))
		case seen["s:"+s.Name]:
			errs = append(errs, fmt.Errorf("parity: service %q is listed twice", s.Name))
		}
		seen["s:"+s.Name] = true
		if s.Replicas < 0 || s.Workers < 0 {
			errs = append(errs, fmt.Errorf("parity: service %q: replicas and workers must not be negative", s.Name))
		}
		if s.Replicas == 0 {
			s.Replicas = 1
		}
		for _, dim := range s.ScalesWith {
			if dim != "replicas" && dim != "workers" && dim != "cpu" {
				errs = append(errs, fmt.Errorf("parity: service %q: scales_with %q is not one of replicas, workers, cpu", s.Name, dim))
			}
		}
	}
	for i := range d.DataStores {
		ds := &d.DataStores[i]
		switch {
		case ds.Name == "":
			errs = append(errs, fmt.Errorf("parity: data store #%d has no name", i+1))
		case seen["d:"+ds.Name]:
			errs = append(errs, fmt.Errorf("parity: data store %q is listed twice", ds.Name))
		}
		seen["d:"+ds.Name] = true
		if ds.Replicas < 0 {
			errs = append(errs, fmt.Errorf("parity: data store %q: replicas must not be negative", ds.Name))
		}
		if ds.Replicas == 0 {
			ds.Replicas = 1
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &d, nil
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
