package scripting

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/evanw/esbuild/pkg/api"
)

// program is one transformed and compiled source file, shared by every VU
// of a Runner (goja programs are immutable and safe to run concurrently).
type program struct {
	path string // absolute path on disk
	name string // display name used in positions
	dir  string // absolute directory, for relative imports and open()
	prog *goja.Program
	// fixed are the exports whose binding cannot change after the module's
	// top level ran (fixedExports): their getters are replaced by values.
	fixed []string
}

// compiler transforms and compiles local files once per process.
type compiler struct {
	mu    sync.Mutex
	progs map[string]*program // by absolute path
	files map[string]string   // open() cache, by absolute path
}

func newCompiler() *compiler {
	return &compiler{progs: map[string]*program{}, files: map[string]string{}}
}

// displayName returns the name users see for an absolute path: relative to
// the working directory when it lies below it, the absolute path otherwise.
func displayName(abs string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

// load returns the compiled program for the file at abs, transforming and
// compiling it on first use. Errors are *Error with exit code 107.
func (c *compiler) load(abs string) (*program, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.progs[abs]; ok {
		return p, nil
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return nil, &Error{ExitCode: ExitScriptError, Message: fmt.Sprintf("scripting: cannot read %s: %v", displayName(abs), unwrapPathError(err))}
	}
	p, err := compileSource(abs, displayName(abs), src)
	if err != nil {
		return nil, err
	}
	c.progs[abs] = p
	return p, nil
}

// readFile returns the content of abs, read once per process (open()).
// It is kept as a string so that every VU's open() of an ASCII file shares
// these bytes (goja keeps an ASCII Go string as is), and a SharedArray
// built from it can point into them instead of copying (datajs).
func (c *compiler) readFile(abs string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.files[abs]; ok {
		return s, nil
	}
	s, err := readString(abs)
	if err != nil {
		return "", err
	}
	c.files[abs] = s
	return s, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// esbuildToESM is how esbuild's CommonJS output defines its __toESM helper,
// which wraps every `import x from` / `import * as x from` of a required
// module in a new namespace object.
const esbuildToESM = "var __toESM = ("

// routeToESM makes the module's imports of built-in modules cheap: esbuild's
// __toESM copies each own member of the imported object as a getter
// closure, per import and per VU (about 10 KiB for load/http). The helper
// is renamed __esbuildToESM, and a __toESM that first asks __builtinESM
// (the VU's cached namespace of a built-in module, see vu.builtinESM) is
// put on the first line, which holds esbuild's helpers and no user code,
// so line numbers stay valid. Code without the helper is left as is.
func routeToESM(code string) string {
	i := strings.Index(code, esbuildToESM)
	if i < 0 || (i > 0 && code[i-1] != '\n') {
		return code
	}
	return "var __toESM = (mod, isNodeMode, target) => __builtinESM(5, mod) || __esbuildToESM(mod, isNodeMode, target); " +
		code[:i] + "var __esbuildToESM = (" + code[i+len(esbuildToESM):]
}

// helperRewrites replace esbuild's CommonJS helpers with equivalents that
// cost a VU less memory when they run, each with the same number of lines
// (the source map counts them). The originals iterate with for-in (which
// makes goja build every method of Object.prototype) and for-of (which
// builds the array iterator machinery), and __toCommonJS copies every export
// of a module into a second object through a new getter closure each. The
// replacements loop by index, and __toCommonJS marks the exports object
// itself: its members are already the live-binding getters __export made.
// Together about 20 KiB per VU and module. A helper whose text differs
// (another esbuild version) is left as it is; TestHelperRewrites notices.
var helperRewrites = []struct{ from, to string }{
	{
		from: `var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};`,
		to: `var __export = (target, all) => {
  for (var __n = __getOwnPropNames(all), __i = 0; __i < __n.length; __i++)
    __defProp(target, __n[__i], { get: all[__n[__i]], enumerable: true });
};`,
	},
	{
		from: `    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)`,
		to: `    for (let __k = __getOwnPropNames(from), __i = 0, key = __k[0]; __i < __k.length; key = __k[++__i])
      if (!__hasOwnProp.call(to, key) && key !== except)`,
	},
	{
		from: `var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);`,
		to:   `var __toCommonJS = (mod) => __defProp(mod, "__esModule", { value: true });`,
	},
}

// hubRewrites replace esbuild's module helpers (as helperRewrites left
// them) with calls of the VU's module hub, __builtinESM (vu.moduleHub):
// __export, __copyProps, __toCommonJS and __toESM do their work in Go. The
// helpers' prologue (`var __defProp = Object.defineProperty;` and five
// more) then has no user left and is dropped (dropUnusedObjectHelpers):
// reading those six methods made goja build each as a function object of
// ~0.65 KiB, and Object's property table, in every VU (~5 KiB per VU), and
// the helpers' closures kept them alive. Each replacement has the same
// number of lines as what it replaces (the source map counts them); a
// helper whose text differs is left as it is, and so are the Object lines
// another helper still uses.
var hubRewrites = []struct{ from, to string }{
	{
		from: `var __export = (target, all) => {
  for (var __n = __getOwnPropNames(all), __i = 0; __i < __n.length; __i++)
    __defProp(target, __n[__i], { get: all[__n[__i]], enumerable: true });
};`,
		to: `var __export = (target, all) => __builtinESM(1, target, all);`,
	},
	{
		from: `var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let __k = __getOwnPropNames(from), __i = 0, key = __k[0]; __i < __k.length; key = __k[++__i])
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};`,
		to: `var __copyProps = (to, from, except) => __builtinESM(2, to, from, except);`,
	},
	{
		from: `var __toCommonJS = (mod) => __defProp(mod, "__esModule", { value: true });`,
		to:   `var __toCommonJS = (mod) => __builtinESM(3, mod);`,
	},
	{
		from: `var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));`,
		to: `var __toESM = (mod, isNodeMode) => __builtinESM(4, mod, isNodeMode);`,
	},
}

// objectHelpers are the lines of esbuild's prologue that read Object's
// methods, by the name each defines.
var objectHelpers = []struct{ name, line string }{
	{"__create", "var __create = Object.create;"},
	{"__defProp", "var __defProp = Object.defineProperty;"},
	{"__getOwnPropDesc", "var __getOwnPropDesc = Object.getOwnPropertyDescriptor;"},
	{"__getOwnPropNames", "var __getOwnPropNames = Object.getOwnPropertyNames;"},
	{"__getProtoOf", "var __getProtoOf = Object.getPrototypeOf;"},
	{"__hasOwnProp", "var __hasOwnProp = Object.prototype.hasOwnProperty;"},
}

// hubHelpers applies hubRewrites within the helper block, then drops the
// objectHelpers lines whose name no longer occurs anywhere else in the code
// (leaving their line empty). It returns the code, how many rewrites
// applied and whether __toESM was one of them.
func hubHelpers(code string) (string, int, bool) {
	n, esm := 0, false
	// The block's end is found once: the rewrites leave empty lines in it.
	end := helperBlockEnd(code)
	for k, rw := range hubRewrites {
		i := strings.Index(code[:end], rw.from)
		if i < 0 || (i > 0 && code[i-1] != '\n') {
			continue
		}
		to := rw.to + strings.Repeat("\n", strings.Count(rw.from, "\n"))
		code = code[:i] + to + code[i+len(rw.from):]
		end += len(to) - len(rw.from)
		n++
		esm = esm || k == len(hubRewrites)-1
	}
	for _, oh := range objectHelpers {
		i := strings.Index(code[:end], oh.line+"\n")
		if i < 0 || (i > 0 && code[i-1] != '\n') || strings.Count(code, oh.name) != 1 {
			continue
		}
		code = code[:i] + code[i+len(oh.line):]
		end -= len(oh.line)
	}
	return code, n, esm
}

// hubParam is the name under which a module function receives the module
// hub a second time (the same function as __builtinESM), short enough that
// a helper's call can be rewritten to a hub call of the same length.
const hubParam = "__lh"

// hubCallSites rewrites the calls esbuild generates of the helpers that
// hubHelpers left as one-line hub calls into direct calls of the hub:
// `__toESM(` becomes `__lh(4,`, `__export(` `__lh(1, ` and so on, padded
// to the same length, so that positions (and the source map) stay valid.
// A helper with no call left loses its definition (and so does one
// that had none): each was an arrow function object, ~0.5 KiB per VU and
// module. Only the shapes esbuild
// generates are rewritten, a call at the start of a line or after
// "module.exports = " or "var name = " there; code that already mentions
// hubParam is left alone. It returns the code and how many calls it
// rewrote: the module function needs the hubParam parameter when that is
// not 0.
func hubCallSites(code string) (string, int) {
	if strings.Contains(code, hubParam) {
		return code, 0
	}
	// The helper block as hubHelpers left it: its lines, and the empty
	// lines that replace what it removed.
	end := 0
	for end < len(code) {
		if code[end] == '\n' {
			end++
			continue
		}
		e := helperBlockEnd(code[end:])
		if e == 0 {
			break
		}
		end += e
	}
	total := 0
	for k, rw := range hubRewrites {
		def := rw.to
		i := strings.Index(code[:end], def)
		if i < 0 || (i > 0 && code[i-1] != '\n') {
			continue
		}
		name := def[len("var "):strings.Index(def, " =")]
		call := name + "("
		hub := hubParam + "(" + string(rune('1'+k)) + ","
		hub += strings.Repeat(" ", len(call)-len(hub))
		var b strings.Builder
		b.WriteString(code[:end])
		n := 0
		for off := end; off < len(code); {
			line := code[off:]
			if j := strings.IndexByte(line, '\n'); j >= 0 {
				line = line[:j+1]
			}
			if p := strings.Index(line, call); p >= 0 && generatedCallPrefix(line[:p]) {
				b.WriteString(line[:p])
				b.WriteString(hub)
				b.WriteString(line[p+len(call):])
				n++
			} else {
				b.WriteString(line)
			}
			off += len(line)
		}
		if n > 0 {
			code = b.String()
			total += n
		}
		if strings.Count(code, name) == 1 {
			code = code[:i] + code[i+len(def):]
			end -= len(def)
		}
	}
	return code, total
}

// generatedCallPrefix reports whether p, the start of a line before a
// helper's call, is one esbuild generates: nothing, "module.exports = " or
// "var name = ".
func generatedCallPrefix(p string) bool {
	if p == "" || p == "module.exports = " {
		return true
	}
	rest, ok := strings.CutPrefix(p, "var ")
	if !ok {
		return false
	}
	name, ok := strings.CutSuffix(rest, " = ")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// rewriteHelpers applies helperRewrites to esbuild's output, each at most
// once and only within the helper block (see helperBlockEnd). It returns
// the code and how many rewrites applied.
func rewriteHelpers(code string) (string, int) {
	n := 0
	for _, rw := range helperRewrites {
		end := helperBlockEnd(code)
		i := strings.Index(code[:end], rw.from)
		if i < 0 || (i > 0 && code[i-1] != '\n') {
			continue
		}
		code = code[:i] + rw.to + code[i+len(rw.from):]
		n++
	}
	return code, n
}

// helperBlockEnd returns the end of the helpers esbuild puts before the
// user's code: the lines that start with "var __" and their continuation
// lines (indented, or closing with "}" or ")").
func helperBlockEnd(code string) int {
	off := 0
	for off < len(code) {
		line := code[off:]
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		if !strings.HasPrefix(line, "var __") && !strings.HasPrefix(line, " ") &&
			!strings.HasPrefix(line, "}") && !strings.HasPrefix(line, ")") {
			break
		}
		off += len(line)
	}
	return off
}

// compileSource transforms src (TypeScript when abs ends in .ts) to
// CommonJS with esbuild, wraps it in a module function and compiles it.
// Positions in errors and stacks are mapped back to src through the inline
// source map.
func compileSource(abs, name string, src []byte) (*program, error) {
	loader := api.LoaderJS
	switch strings.ToLower(filepath.Ext(abs)) {
	case ".ts", ".mts", ".cts":
		loader = api.LoaderTS
	}
	res := api.Transform(string(src), api.TransformOptions{
		Loader:     loader,
		Format:     api.FormatCommonJS,
		Target:     api.ES2017,
		Sourcemap:  api.SourceMapInline,
		Sourcefile: filepath.Base(abs),
		// Keep names readable in stacks.
		MinifyIdentifiers: false,
	})
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		msg := m.Text
		if m.Location != nil {
			msg = fmt.Sprintf("%s:%d:%d: SyntaxError: %s", name, m.Location.Line, m.Location.Column+1, m.Text)
		} else {
			msg = fmt.Sprintf("%s: SyntaxError: %s", name, m.Text)
		}
		return nil, &Error{ExitCode: ExitScriptError, Message: msg}
	}
	code, _ := rewriteHelpers(string(res.Code))
	code, _, esm := hubHelpers(code)
	params := "module, exports, require, __builtinESM"
	if !esm {
		code = routeToESM(code)
	} else {
		var n int
		if code, n = hubCallSites(code); n > 0 {
			// Line 1 holds esbuild's helpers here, not user code: the
			// longer parameter list moves no position a user sees.
			params += ", " + hubParam
		}
	}
	// The wrapper shares the first line with the code, so line numbers of
	// the generated code (and thus the source map) stay valid.
	wrapped := "(function(" + params + "){" + code + "\n})"
	prog, err := goja.Compile(name, wrapped, false)
	if err != nil {
		return nil, &Error{ExitCode: ExitScriptError, Message: compileErrorMessage(name, err)}
	}
	return &program{path: abs, name: name, dir: filepath.Dir(abs), prog: prog, fixed: fixedExports(code)}, nil
}

// fixedExports returns the exports of esbuild's output whose local binding
// cannot change once the module's top level has run: a `const`, or a
// function declaration whose name occurs nowhere but in its declaration
// and the export's getter. esbuild exports every binding through a getter
// closure (`name: () => local`, one line each in the __export call), for
// live bindings; the module hub replaces the getters of these by their
// values when the top level returns (vu.fixExports), and the closures,
// ~0.5 KiB each per VU, are freed. Exports of other shapes keep theirs.
func fixedExports(code string) []string {
	lines := strings.Split(code, "\n")
	start := -1
	for i, l := range lines {
		if (strings.HasPrefix(l, hubParam+"(1,") || strings.HasPrefix(l, "__export(")) && strings.HasSuffix(l, "{") {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil
	}
	end := start
	for end < len(lines) && lines[end] != "});" {
		end++
	}
	// The code without the __export call, where a use of a local is not
	// its getter.
	rest := strings.Join(lines[:start-1], "\n") + "\n" + strings.Join(lines[min(end+1, len(lines)):], "\n")
	var fixed []string
	for _, l := range lines[start:end] {
		m := exportGetter.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		key, local := m[1], m[2]
		decl := func(prefix string) bool {
			for _, d := range lines {
				if strings.HasPrefix(d, prefix+local) && len(d) > len(prefix+local) && strings.ContainsRune(" (=", rune(d[len(prefix+local)])) {
					return true
				}
			}
			return false
		}
		switch {
		case decl("const "):
		case decl("function ") || decl("async function "):
			// Assignable: fixed only when nothing but its declaration
			// names it.
			uses := regexp.MustCompile(`(^|[^\w$.])`+regexp.QuoteMeta(local)+`($|[^\w$])`).FindAllStringIndex(rest, -1)
			if len(uses) != 1 {
				continue
			}
		default:
			continue
		}
		fixed = append(fixed, key)
	}
	return fixed
}

// exportGetter is one line of esbuild's __export call: `  key: () => local,`.
var exportGetter = regexp.MustCompile(`^  ([A-Za-z_$][\w$]*): \(\) => ([A-Za-z_$][\w$]*),?$`)

func compileErrorMessage(name string, err error) string {
	var se *goja.CompilerSyntaxError
	if errors.As(err, &se) {
		if se.File != nil {
			p := se.File.Position(se.Offset)
			return fmt.Sprintf("%s:%d:%d: SyntaxError: %s", p.Filename, p.Line, p.Column+mappedColumnBase, se.Message)
		}
		return fmt.Sprintf("%s: SyntaxError: %s", name, se.Message)
	}
	return fmt.Sprintf("%s: %v", name, err)
}

// readString reads a whole file into a string without the second copy that
// string(os.ReadFile(...)) makes: for a data file of tens of megabytes that
// copy would be the process's peak memory.
func readString(abs string) (string, error) {
	f, err := os.Open(abs)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		b.Grow(int(st.Size()))
	}
	if _, err := io.Copy(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}
