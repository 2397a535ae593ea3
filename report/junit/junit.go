package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report"
)

// Suites is the <testsuites> root element.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr,omitempty"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     Seconds  `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one <testsuite>.
type Suite struct {
	Name      string  `xml:"name,attr"`
	Tests     int     `xml:"tests,attr"`
	Failures  int     `xml:"failures,attr"`
	Errors    int     `xml:"errors,attr"`
	Skipped   int     `xml:"skipped,attr"`
	Time      Seconds `xml:"time,attr"`
	Timestamp string  `xml:"timestamp,attr,omitempty"` // RFC 3339, UTC
	Cases     []Case  `xml:"testcase"`
}

// Case is one <testcase>: passed when Failure and Skipped are nil.
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      Seconds  `xml:"time,attr"`
	Failure   *Failure `xml:"failure,omitempty"`
	Skipped   *Skipped `xml:"skipped,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Failure marks a failed case; Message is one line, Text the details.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Skipped marks a case that was not evaluated.
type Skipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// Seconds is a duration written as decimal seconds ("1.250").
type Seconds time.Duration

// MarshalXMLAttr writes the seconds with three decimals.
func (s Seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: strconv.FormatFloat(time.Duration(s).Seconds(), 'f', 3, 64)}, nil
}

// UnmarshalXMLAttr reads decimal seconds.
func (s *Seconds) UnmarshalXMLAttr(a xml.Attr) error {
	f, err := strconv.ParseFloat(a.Value, 64)
	if err != nil {
		return fmt.Errorf("junit: time %q: %w", a.Value, err)
	}
	*s = Seconds(time.Duration(f * float64(time.Second)))
	return nil
}

// Count fills in the tests/failures/skipped counts of every suite and of
// the root, and the root's time as the sum of the suites' times.
func (s *Suites) Count() {
	s.Tests, s.Failures, s.Skipped, s.Errors, s.Time = 0, 0, 0, 0, 0
	for i := range s.Suites {
		su := &s.Suites[i]
		su.Tests, su.Failures, su.Skipped = len(su.Cases), 0, 0
		for _, c := range su.Cases {
			switch {
			case c.Failure != nil:
				su.Failures++
			case c.Skipped != nil:
				su.Skipped++
			}
		}
		s.Tests += su.Tests
		s.Failures += su.Failures
		s.Skipped += su.Skipped
		s.Errors += su.Errors
		s.Time += su.Time
	}
}

// Write counts (see Count) and writes the document with an XML declaration.
func (s *Suites) Write(w io.Writer) error {
	s.Count()
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}

// Read decodes a document written by Write (or any JUnit XML with a
// <testsuites> root).
func Read(r io.Reader) (*Suites, error) {
	var s Suites
	if err := xml.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("junit: %w", err)
	}
	return &s, nil
}

// Check is one check's outcome, for FromRun: the report package's count of
// its passes and fails.
type Check = report.CheckCount

// Checks collects the checks of a snapshot from the checks metric's
// "group" and "check" tags (report.CheckCounts), merging series that differ
// in other tags, ordered by group then name.
func Checks(snap *metrics.Snapshot) []Check {
	out := report.CheckCounts(snap)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// FromRun builds the report of a run: suite "thresholds" with one case per
// threshold, named "KEY SOURCE" (e.g. "http_req_duration p(95)<500"),
// failed when it did not hold with the message "VALUE: SOURCE failed", and
// failed with "no data" when it was not evaluated (Loadline's rule: a
// threshold without data fails); suite "checks" with one case per check,
// classname "checks" plus the group path, failed when any sample failed with
// "N of M failed". elapsed is the run's duration, given to both suites;
// start its start time.
func FromRun(thresholds []results.ThresholdResult, checks []Check, start time.Time, elapsed time.Duration) *Suites {
	ts := Suite{Name: "thresholds", Time: Seconds(elapsed), Timestamp: stamp(start)}
	for _, t := range thresholds {
		c := Case{Name: t.Key + " " + t.Source, Classname: "thresholds." + t.Key}
		switch {
		case !t.Evaluated:
			c.Failure = &Failure{Message: "no data: " + t.Source + " could not be evaluated", Type: "threshold"}
		case !t.Passed:
			msg := fmt.Sprintf("%s: %s failed", formatFloat(t.Value), t.Source)
			c.Failure = &Failure{Message: msg, Type: "threshold", Text: fmt.Sprintf("threshold %s %q failed with value %s", t.Key, t.Source, formatFloat(t.Value))}
		default:
			c.SystemOut = fmt.Sprintf("%s: %s held", formatFloat(t.Value), t.Source)
		}
		ts.Cases = append(ts.Cases, c)
	}
	cs := Suite{Name: "checks", Time: Seconds(elapsed), Timestamp: stamp(start)}
	for _, ch := range checks {
		cl := "checks"
		if ch.Group != "" {
			cl += "." + ch.Group
		}
		c := Case{Name: ch.Name, Classname: cl}
		total := ch.Passes + ch.Fails
		if ch.Fails > 0 {
			msg := fmt.Sprintf("%d of %d failed", ch.Fails, total)
			c.Failure = &Failure{Message: msg, Type: "check", Text: fmt.Sprintf("check %q: %d passed, %d failed", ch.Name, ch.Passes, ch.Fails)}
		} else {
			c.SystemOut = fmt.Sprintf("%d of %d passed", ch.Passes, total)
		}
		cs.Cases = append(cs.Cases, c)
	}
	s := &Suites{Name: "load run", Suites: []Suite{ts, cs}}
	s.Count()
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
