package scripting

import (
	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules/cryptojs"
	"github.com/loadline/loadline/scripting/modules/datajs"
	"github.com/loadline/loadline/scripting/modules/encodingjs"
	"github.com/loadline/loadline/scripting/modules/httpjs"
)

// externalModules are the built-in modules implemented in their own
// packages, by canonical name; each builds the module object for one VU.
var externalModules = map[string]func(v *vu) goja.Value{
	"load/http":     func(v *vu) goja.Value { return httpjs.New(&v.mv) },
	"load/encoding": func(v *vu) goja.Value { return encodingjs.New(&v.mv) },
	"load/crypto":   func(v *vu) goja.Value { return cryptojs.New(&v.mv) },
	"load/data":     func(v *vu) goja.Value { return datajs.New(&v.mv, v.r.sharedData) },
}
